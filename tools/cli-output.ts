/**
 * How the operator tools (status, silence, test-notice) end: one exit code for every error, usage
 * included, and with --json one JSON object on stdout whatever happened (help and usage errors too).
 * Shared so the three tools cannot drift apart.
 */

export interface CliOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Every failure exits 1, a usage error among them (the README's operator commands say so). */
export const FAILURE_EXIT = 1;

/** `--json` anywhere on the line counts, even where parsing fails (e.g. `--table --json`). */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

/** The help (exit 0) or the usage errors (exit 1), as text or as one JSON object. */
export function printUsage(
  parsed: { readonly help: boolean; readonly errors: readonly string[] },
  usage: string,
  json: boolean,
  output: CliOutput,
): number {
  if (parsed.help) {
    if (json) output.out(`${JSON.stringify({ ok: true, usage })}\n`);
    else output.out(`${usage}\n`);
    return 0;
  }
  if (json) {
    output.out(
      `${JSON.stringify({ ok: false, error: { kind: 'usage', message: parsed.errors.join('; ') }, usage })}\n`,
    );
  } else output.err(`${parsed.errors.map((e) => `error: ${e}`).join('\n')}\n${usage}\n`);
  return FAILURE_EXIT;
}

/** One failure, as text on stderr or as one JSON object on stdout. */
export function printFailure(
  error: { readonly kind: string; readonly message: string },
  json: boolean,
  output: CliOutput,
): number {
  if (json) output.out(`${JSON.stringify({ ok: false, error })}\n`);
  else output.err(`error: ${error.message}\n`);
  return FAILURE_EXIT;
}

const REGION_MISSING = /region is missing/i;

/**
 * An SDK error's message with what to do when it is one the operator can fix here: the SDK's bare
 * "Region is missing" says neither where a region comes from nor which flag sets it.
 */
export function withHint(message: string): string {
  if (REGION_MISSING.test(message)) {
    return `${message}: pass --region R (e.g. --region eu-central-1) or set AWS_REGION`;
  }
  return message;
}

/** The process's own stdout and stderr. */
export const PROCESS_OUTPUT: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Runs a command's work with its SDK clients and closes them after: whatever the work throws is
 * printed as one failure, so with --json stdout still holds one JSON object.
 */
export async function withClients<C extends { [K in keyof C]: { destroy(): void } }>(
  clients: C,
  json: boolean,
  output: CliOutput,
  work: (clients: C) => Promise<number>,
): Promise<number> {
  try {
    return await work(clients);
  } catch (error) {
    return printFailure(unexpected(error), json, output);
  } finally {
    for (const key of Object.keys(clients) as (keyof C)[]) clients[key].destroy();
  }
}

/** An error thrown where none was expected, as one line. */
export function unexpected(error: unknown): { kind: 'aws'; message: string } {
  const message =
    error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error).slice(0, 300);
  return { kind: 'aws', message: withHint(message) };
}
