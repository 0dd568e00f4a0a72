import type { AccountConfig } from './config.js';
import type { CredentialSource } from './ports.js';
import { type Credentials, type Failure, failure, type Outcome } from './types.js';

/**
 * The one redactor of the project: every text that leaves the monitor (log lines, notices, errors,
 * the local command's output) passes through it once the secrets are known. A secret is masked in
 * every form a server or an SDK might echo it in: plain in any case, URL-encoded (percent- and
 * form-encoding, either hex case), and base64 (standard and url-safe) at any byte offset, which
 * also covers the key and hash encoded together (`key:hash`, a JSON body) since each one's
 * characters stay the same inside a longer base64 text.
 */

export const MASK = '***';

export type Redact = (text: string) => string;

/** Base64 of fewer bytes than this would mask ordinary words; a credential is far longer. */
const MIN_BASE64_BYTES = 6;

/** Forms matched whatever their case (plain and percent-encoded), and forms matched exactly (base64). */
export interface SecretForms {
  readonly caseless: readonly string[];
  readonly exact: readonly string[];
}

export function secretForms(secret: string): SecretForms {
  const caseless = new Set<string>();
  const exact = new Set<string>();
  if (secret === '') return { caseless: [], exact: [] };
  for (const variant of new Set([secret, secret.toLowerCase(), secret.toUpperCase()])) {
    caseless.add(variant);
    caseless.add(encodeURIComponent(variant));
    caseless.add(new URLSearchParams({ v: variant }).toString().slice(2));
    caseless.add(everyBytePercentEncoded(variant));
    for (const core of base64Cores(variant)) {
      exact.add(core);
      exact.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return { caseless: [...caseless], exact: [...exact] };
}

/** A redactor for these secrets; empty ones are ignored. */
export function createRedactor(secrets: Iterable<string>): Redact {
  const caseless = new Set<string>();
  const exact = new Set<string>();
  for (const secret of secrets) {
    const forms = secretForms(secret);
    for (const form of forms.caseless) caseless.add(form);
    for (const form of forms.exact) exact.add(form);
  }
  const patterns = [alternation(caseless, 'gi'), alternation(exact, 'g', BASE64_EDGE)].filter(
    (p): p is RegExp => p !== undefined,
  );
  if (patterns.length === 0) return (text) => text;
  return (text) => patterns.reduce((out, pattern) => out.replace(pattern, MASK), text);
}

/**
 * The secrets met so far in this process, for the outputs created before any was read (the
 * telemetry and the notifier exist from the cold start; the credentials arrive with each run).
 */
export interface SecretRegistry {
  add(...secrets: readonly string[]): void;
  readonly redact: Redact;
}

export function createSecretRegistry(): SecretRegistry {
  const known = new Set<string>();
  let current: Redact = (text) => text;
  return {
    add(...secrets: readonly string[]): void {
      const before = known.size;
      for (const secret of secrets) if (secret !== '') known.add(secret);
      if (known.size !== before) current = createRedactor(known);
    },
    redact: (text) => current(text),
  };
}

/**
 * The credential source, with every credential it hands out added to the registry first, and
 * everything else it offers (a re-read after a rejected login) kept.
 */
export function registeringSecrets(source: CredentialSource, registry: SecretRegistry): CredentialSource {
  const learn = (outcome: Outcome<Credentials>): Outcome<Credentials> => {
    if (outcome.ok) registry.add(outcome.value.key, outcome.value.hash);
    return outcome;
  };
  const reload = source.reload?.bind(source);
  return {
    async load(accounts) {
      const loaded = await source.load(accounts);
      for (const outcome of loaded.values()) learn(outcome);
      return loaded;
    },
    ...(reload ? { reload: async (account: AccountConfig) => learn(await reload(account)) } : {}),
  };
}

/**
 * The few base64 characters on either side of a secret's core also carry some of its bits (mixed
 * with its neighbours'): they go with the mask, so a base64 echo leaves no stub of the secret.
 */
const BASE64_EDGE = { before: '[A-Za-z0-9+/_-]{0,2}', after: '[A-Za-z0-9+/_-]{0,2}={0,2}' };

export function redactFailure(f: Failure, redact: Redact): Failure {
  return failure(f.kind, redact(f.message), f.status);
}

export function redactOutcome<T>(outcome: Outcome<T>, redact: Redact): Outcome<T> {
  return outcome.ok ? outcome : { ok: false, failure: redactFailure(outcome.failure, redact) };
}

function alternation(
  forms: ReadonlySet<string>,
  flags: string,
  edge = { before: '', after: '' },
): RegExp | undefined {
  if (forms.size === 0) return undefined;
  // Longest first, so a form is masked whole rather than a shorter one inside it.
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  const choice = sorted.map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return new RegExp(`${edge.before}(?:${choice})${edge.after}`, flags);
}

function everyBytePercentEncoded(text: string): string {
  return [...new TextEncoder().encode(text)]
    .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');
}

/**
 * The base64 characters that encode the secret's bytes alone, for each of the three byte offsets
 * it can sit at inside a longer text: these characters appear whatever surrounds the secret.
 */
function base64Cores(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_BASE64_BYTES) return [];
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const padded = new Uint8Array(offset + bytes.length);
    padded.set(bytes, offset);
    const encoded = btoa(String.fromCharCode(...padded));
    cores.push(encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6)));
  }
  return cores;
}
