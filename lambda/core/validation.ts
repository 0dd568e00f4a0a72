import { isObject, type JsonObject } from './json.js';

/**
 * The one home of validation: every rule reports an issue as a value, `{ path, message }`, so a
 * caller that speaks of fields by other names (the local command's flags, the credentials
 * command's arguments) maps the path and never rewrites a message.
 */

/** A problem with one field; `path` is "" for the input as a whole. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

export type Validated<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/** How a path is shown: the configuration's own dotted path, or a caller's name for it (a flag). */
export type PathName = (path: string) => string;

const asIs: PathName = (path) => path;

/** "path: message", the text a person reads; a path the caller has no name for is shown as it is. */
export function formatIssue(issue: Issue, name: PathName = asIs): string {
  const shown = issue.path === '' ? '' : name(issue.path);
  return shown === '' ? issue.message : `${shown}: ${issue.message}`;
}

/** Thrown where a bad configuration must stop everything (synth, cold start). */
export class ConfigError extends Error {
  /** Each issue as text, in the order found. */
  readonly errors: readonly string[];

  constructor(
    readonly source: string,
    readonly issues: readonly Issue[],
  ) {
    const errors = issues.map((issue) => formatIssue(issue));
    super(`Invalid ${source}:\n  - ${errors.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.errors = errors;
  }
}

export function orThrow<T>(result: Validated<T>, source: string): T {
  if (!result.ok) throw new ConfigError(source, result.issues);
  return result.value;
}

/** A field below `path`: `at('', 'warning')` is "warning", `at('policy', 'forecastDays')` "policy.forecastDays". */
export function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** A value quoted for a message: bounded, and only its kind for objects and arrays. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/**
 * Collects issues with their field path, so every message names what to fix. Each reader returns
 * the fallback when a value is absent or of the wrong type, so one pass finds every issue.
 */
export class Checker {
  readonly issues: Issue[] = [];

  /** `name` shows another field's path inside a message ("must not be the same … as <name>"). */
  constructor(readonly name: PathName = asIs) {}

  issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  get ok(): boolean {
    return this.issues.length === 0;
  }

  /** The value when no issue was found. */
  result<T>(value: T): Validated<T> {
    return this.ok ? { ok: true, value } : { ok: false, issues: this.issues };
  }

  unknownKeys(path: string, value: JsonObject, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.issue(at(path, key), `unknown field (allowed: ${allowed.join(', ')})`);
    }
  }

  /** An object, or an issue `must be <shape>, got …`. */
  object(path: string, value: unknown, shape: string): JsonObject | undefined {
    if (isObject(value)) return value;
    this.issue(path, `must be ${shape}, got ${describe(value)}`);
    return undefined;
  }

  number(path: string, value: unknown, fallback: number, bounds: NumberBounds = {}): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.issue(path, `must be a number, got ${describe(value)}`);
      return fallback;
    }
    if (bounds.integer && !Number.isInteger(value)) this.issue(path, `must be a whole number, got ${value}`);
    if (bounds.min !== undefined && value < bounds.min)
      this.issue(path, `must be at least ${bounds.min}, got ${value}`);
    if (bounds.max !== undefined && value > bounds.max)
      this.issue(path, `must be at most ${bounds.max}, got ${value}`);
    return value;
  }

  string(path: string, value: unknown, fallback: string, pattern?: RegExp, hint?: string): string {
    if (value === undefined) return fallback;
    if (typeof value !== 'string') {
      this.issue(path, `must be a string, got ${describe(value)}`);
      return fallback;
    }
    if (pattern && !pattern.test(value)) this.issue(path, hint ?? `invalid value ${JSON.stringify(value)}`);
    return value;
  }

  boolean(path: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.issue(path, `must be true or false, got ${describe(value)}`);
    return fallback;
  }

  /**
   * One of a few strings. The issue lists them (`must be "a" or "b"`) unless `hint` words it
   * otherwise.
   */
  oneOf<T extends string>(
    path: string,
    value: unknown,
    allowed: readonly T[],
    fallback: T,
    hint?: string,
  ): T {
    if (value === undefined) return fallback;
    if (allowed.includes(value as T)) return value as T;
    this.issue(path, `${hint ?? `must be ${quotedChoice(allowed)}`}, got ${describe(value)}`);
    return fallback;
  }
}

function quotedChoice(allowed: readonly string[]): string {
  const quoted = allowed.map((a) => JSON.stringify(a));
  return quoted.length <= 1 ? (quoted[0] ?? '""') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/**
 * One field of an object: its default and how it is read. The table of an object's fields is the
 * one place its field names, defaults and rules are written; `Ctx` is what a default depends on
 * (an account's name, the policy it inherits).
 */
export interface Field<T, Ctx> {
  /** Absent: the field is required, and its value is always kept when compacting. */
  readonly fallback?: (ctx: Ctx) => T;
  readonly read: (c: Checker, path: string, value: unknown, ctx: Ctx, fallback: T | undefined) => T;
  /** The value as written back when it differs from the default; by default, the value itself. */
  readonly compact?: (value: T, ctx: Ctx) => unknown;
}

export type FieldTable<T, Ctx> = { readonly [K in keyof T]-?: Field<T[K], Ctx> };

/** The table's field names, in the order they are read. */
export function fieldNames<T, Ctx>(table: FieldTable<T, Ctx>): Array<keyof T & string> {
  return Object.keys(table) as Array<keyof T & string>;
}

/**
 * Reads every field of the table from `value` (unknown fields are the caller's to refuse). An
 * absent field takes its value from `base` when given (an inherited policy), else its default.
 */
export function readFields<T, Ctx>(
  c: Checker,
  path: string,
  value: JsonObject,
  table: FieldTable<T, Ctx>,
  ctx: Ctx,
  base?: T,
): T {
  const out: Partial<Record<keyof T, unknown>> = {};
  for (const key of fieldNames(table)) {
    const field = table[key];
    const fallback = base === undefined || base === null ? field.fallback?.(ctx) : base[key];
    out[key] = field.read(c, at(path, key), value[key], ctx, fallback);
  }
  return out as T;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The fields whose values differ from their defaults, as written back: read again over the same
 * defaults, they give the same value.
 */
export function compactFields<T, Ctx>(
  value: T,
  table: FieldTable<T, Ctx>,
  ctx: Ctx,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of fieldNames(table)) {
    const field = table[key];
    const fallback = field.fallback?.(ctx);
    if (fallback !== undefined && sameJson(value[key], fallback)) continue;
    const written = field.compact ? field.compact(value[key], ctx) : value[key];
    if (written !== undefined) out[key] = written;
  }
  return out;
}

/** The default of every field that has one. */
export function defaultsOf<T, Ctx>(table: FieldTable<T, Ctx>, ctx: Ctx): Partial<T> {
  const out: Partial<Record<keyof T, unknown>> = {};
  for (const key of fieldNames(table)) {
    const fallback = table[key].fallback?.(ctx);
    if (fallback !== undefined) out[key] = fallback;
  }
  return out as Partial<T>;
}

/** A number field with its default and bounds. */
export function numberField<Ctx>(fallback: number, bounds: NumberBounds = {}): Field<number, Ctx> {
  return {
    fallback: () => fallback,
    read: (c, path, value, _ctx, base) => c.number(path, value, base ?? fallback, bounds),
  };
}

/** The JSON a user writes for a value of type T: every field optional, nested objects too. */
export type InputOf<T> = T extends readonly (infer E)[]
  ? readonly InputOf<E>[]
  : T extends object
    ? { readonly [K in keyof T]?: InputOf<T[K]> }
    : T;
