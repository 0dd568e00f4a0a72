import type { DeliveryChannel } from './alert-state.js';

/**
 * What went wrong while recording or delivering an account's notice, as a value: a state store
 * that failed (or a run cut off before its writes), or a channel that refused a publish. The
 * report's `storeError` and `publishError` texts are derived from these, in one place below.
 */
export type DeliveryError =
  | {
      readonly kind: 'store';
      /**
       * The store's error code (the SDK's error name) for a failed call; for the protocol's own
       * stops: `deadline` (the run was cut off), `contended` (every write lost to concurrent
       * runs), `not-cleared` (delivered, but the settle kept losing).
       */
      readonly code: string;
      readonly message: string;
    }
  | {
      readonly kind: 'publish';
      readonly channel: DeliveryChannel;
      /** SNS's error name, or the thrown error's name. */
      readonly code: string;
      /** As stored in the channel's mark (`lastError`): `<error name>: <message>`. */
      readonly message: string;
    };

/** An error in words, at most 300 characters: `<name>: <message>`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return String(error).slice(0, 300);
}

/** The adapters' errors carry the service's code; anything else is known by its name. */
function codeOf(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  return 'code' in error && typeof error.code === 'string' && error.code !== '' ? error.code : error.name;
}

export function storeFailure(error: unknown): DeliveryError {
  return { kind: 'store', code: codeOf(error), message: describeError(error) };
}

export function publishFailure(channel: DeliveryChannel, error: unknown): DeliveryError {
  return { kind: 'publish', channel, code: codeOf(error), message: describeError(error) };
}

/** A stop of the delivery protocol itself (no call failed): its code and what it means. */
export function protocolStop(code: 'deadline' | 'contended' | 'not-cleared', message: string): DeliveryError {
  return { kind: 'store', code, message };
}

/** The refusals as one text, each prefixed with its channel: `topic: …; chat: …`. */
export function publishErrorText(errors: readonly DeliveryError[]): string | undefined {
  const texts = errors.flatMap((e) => (e.kind === 'publish' ? [`${e.channel}: ${e.message}`] : []));
  return texts.length > 0 ? texts.join('; ') : undefined;
}

/** The store's problems as one text. */
export function storeErrorText(errors: readonly DeliveryError[]): string | undefined {
  const texts = errors.flatMap((e) => (e.kind === 'store' ? [e.message] : []));
  return texts.length > 0 ? texts.join('; ') : undefined;
}
