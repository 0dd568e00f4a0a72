import { parseArgs } from 'node:util';

/**
 * A command line read with node:util parseArgs (tokens, never strict), so every problem is found
 * in one pass and returned as a value each command words its own way. The rule both commands
 * share: a value never starts with "--", so `--base-url --json` lacks a value and --json counts.
 */

export type OptionTypes = Readonly<
  Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string }>
>;

export type OptionProblem =
  | { readonly kind: 'needs-value'; readonly flag: string }
  | { readonly kind: 'unknown'; readonly flag: string }
  /** An argument that is no option, where the command takes none. */
  | { readonly kind: 'unexpected'; readonly argument: string };

export interface ReadOptions {
  /** Every value of each string option, in order, by option name. */
  readonly values: ReadonlyMap<string, readonly string[]>;
  /** The boolean options given, by name. */
  readonly switches: ReadonlySet<string>;
  readonly positionals: readonly string[];
  /** In the order of the command line. */
  readonly problems: readonly OptionProblem[];
}

export function readOptions(
  argv: readonly string[],
  options: OptionTypes,
  { allowPositionals = true }: { readonly allowPositionals?: boolean } = {},
): ReadOptions {
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  const positionals: string[] = [];
  const problems: OptionProblem[] = [];
  let rest = [...argv];
  while (rest.length > 0) {
    const { tokens } = parseArgs({
      args: rest,
      options,
      strict: false,
      allowPositionals: true,
      tokens: true,
    });
    let next: string[] = [];
    for (const token of tokens) {
      if (token.kind === 'positional') {
        if (allowPositionals) positionals.push(token.value);
        else problems.push({ kind: 'unexpected', argument: token.value });
      }
      if (token.kind !== 'option') continue;
      const type = options[token.name]?.type;
      if (type === undefined || (type === 'boolean' && token.value !== undefined)) {
        problems.push({ kind: 'unknown', flag: token.rawName });
      } else if (type === 'boolean') {
        switches.add(token.name);
      } else if (token.value === undefined || token.value.startsWith('--')) {
        problems.push({ kind: 'needs-value', flag: token.rawName });
        // parseArgs took the next argument as the value; it is read again as what it is.
        if (token.inlineValue === false) {
          next = rest.slice(token.index + 1);
          break;
        }
      } else {
        values.set(token.name, [...(values.get(token.name) ?? []), token.value]);
      }
    }
    rest = next;
  }
  return { values, switches, positionals, problems };
}
