import { describe, expect, it } from 'vitest';
import {
  Checker,
  ConfigError,
  compactFields,
  defaultsOf,
  type FieldTable,
  formatIssue,
  numberField,
  orThrow,
  readFields,
} from '../../lambda/core/validation.js';

interface Sample {
  readonly retries: number;
  readonly label: string;
}

/** What a default may depend on, as an account's name is for its parameter names. */
interface SampleContext {
  readonly owner: string;
}

const SAMPLE_FIELDS: FieldTable<Sample, SampleContext> = {
  retries: numberField(3, { min: 0, max: 10, integer: true }),
  label: {
    fallback: (ctx) => `${ctx.owner}-label`,
    read: (c, path, value, ctx, base) => c.string(path, value, base ?? `${ctx.owner}-label`),
  },
};

describe('an issue', () => {
  it('reads as its path and its message', () => {
    expect(formatIssue({ path: 'policy.forecastDays', message: 'must be at most 60, got 90' })).toBe(
      'policy.forecastDays: must be at most 60, got 90',
    );
  });

  it('about the input as a whole reads as its message alone', () => {
    expect(formatIssue({ path: '', message: 'must be a JSON object, got "x"' })).toBe(
      'must be a JSON object, got "x"',
    );
  });

  it('shows its path under the name the caller gives it', () => {
    const flag = (path: string) => (path === 'warning.sms' ? '--warning-sms' : path);
    expect(formatIssue({ path: 'warning.sms', message: 'must be at least 0, got -1' }, flag)).toBe(
      '--warning-sms: must be at least 0, got -1',
    );
  });
});

describe('a configuration error', () => {
  it('lists every issue as text under the source it came from', () => {
    const error = new ConfigError('cdk.json context "balanceMonitor"', [
      { path: 'schedule', message: 'must be a string, got 5' },
      { path: 'dashboard', message: 'must be true or false, got "no"' },
    ]);
    expect(error.message).toBe(
      'Invalid cdk.json context "balanceMonitor":\n  - schedule: must be a string, got 5\n  - dashboard: must be true or false, got "no"',
    );
  });

  it('keeps the issues as values for a caller that reads them', () => {
    const issues = [{ path: 'locale', message: 'must be one of en, tr, got "de"' }];
    expect(new ConfigError('props', issues).issues).toEqual(issues);
  });

  it('is what orThrow throws for a failed result', () => {
    expect(() => orThrow({ ok: false, issues: [{ path: 'a', message: 'is required' }] }, 'props')).toThrow(
      new ConfigError('props', [{ path: 'a', message: 'is required' }]),
    );
  });
});

describe('the checker', () => {
  it('returns the fallback for an absent number and reports nothing', () => {
    const c = new Checker();
    expect(c.number('n', undefined, 7)).toBe(7);
    expect(c.issues).toEqual([]);
  });

  it('reports every bound a number breaks, in one pass', () => {
    const c = new Checker();
    c.number('n', 1.5, 0, { min: 2, integer: true });
    expect(c.issues).toEqual([
      { path: 'n', message: 'must be a whole number, got 1.5' },
      { path: 'n', message: 'must be at least 2, got 1.5' },
    ]);
  });

  it('refuses a boolean given as text, returning the fallback', () => {
    const c = new Checker();
    expect(c.boolean('dashboard', 'yes', true)).toBe(true);
    expect(c.issues).toEqual([{ path: 'dashboard', message: 'must be true or false, got "yes"' }]);
  });

  it('takes a value that is one of the allowed ones', () => {
    const c = new Checker();
    expect(c.oneOf('policy', 'destroy', ['retain', 'destroy'], 'retain')).toBe('destroy');
    expect(c.ok).toBe(true);
  });

  it('refuses a value that is none of the allowed ones, listing them', () => {
    const c = new Checker();
    expect(c.oneOf('policy', 'delete', ['retain', 'destroy'], 'retain')).toBe('retain');
    expect(c.issues).toEqual([{ path: 'policy', message: 'must be "retain" or "destroy", got "delete"' }]);
  });

  it('words a refused choice as the caller says when it gives a hint', () => {
    const c = new Checker();
    c.oneOf('locale', 'de', ['en', 'tr'], 'en', 'must be one of en, tr');
    expect(c.issues).toEqual([{ path: 'locale', message: 'must be one of en, tr, got "de"' }]);
  });

  it('names each unknown field with the fields allowed', () => {
    const c = new Checker();
    c.unknownKeys('policy', { forecastDays: 2, forcastDays: 3 }, ['forecastDays']);
    expect(c.issues).toEqual([
      { path: 'policy.forcastDays', message: 'unknown field (allowed: forecastDays)' },
    ]);
  });

  it('joins a field to an empty path without a leading dot', () => {
    const c = new Checker();
    c.unknownKeys('', { extra: 1 }, []);
    expect(c.issues[0]?.path).toBe('extra');
  });

  it('shows another field in a message under the caller’s name for it', () => {
    const c = new Checker((path) => `--${path}`);
    expect(c.name('region')).toBe('--region');
  });

  it('gives the value as the result when no issue was found, and the issues otherwise', () => {
    const c = new Checker();
    expect(c.result(1)).toEqual({ ok: true, value: 1 });
    c.issue('x', 'is required');
    expect(c.result(1)).toEqual({ ok: false, issues: [{ path: 'x', message: 'is required' }] });
  });
});

describe('a field table', () => {
  it('fills every absent field with its default', () => {
    const c = new Checker();
    expect(readFields(c, 'sample', {}, SAMPLE_FIELDS, { owner: 'main' })).toEqual({
      retries: 3,
      label: 'main-label',
    });
  });

  it('fills an absent field from the base when one is given, as an account inherits a policy', () => {
    const c = new Checker();
    const base = { retries: 5, label: 'inherited' };
    expect(readFields(c, 'sample', { label: 'own' }, SAMPLE_FIELDS, { owner: 'main' }, base)).toEqual({
      retries: 5,
      label: 'own',
    });
  });

  it('reports each field under its own path', () => {
    const c = new Checker();
    readFields(c, 'accounts[0]', { retries: 11 }, SAMPLE_FIELDS, { owner: 'main' });
    expect(c.issues).toEqual([{ path: 'accounts[0].retries', message: 'must be at most 10, got 11' }]);
  });

  it('lists the defaults it declares', () => {
    expect(defaultsOf(SAMPLE_FIELDS, { owner: 'backup' })).toEqual({ retries: 3, label: 'backup-label' });
  });

  it('compacts a value to the fields that differ from their defaults', () => {
    expect(compactFields({ retries: 3, label: 'custom' }, SAMPLE_FIELDS, { owner: 'main' })).toEqual({
      label: 'custom',
    });
  });

  it('compacts to what reads back as the same value', () => {
    const value = { retries: 0, label: 'main-label' };
    const compact = compactFields(value, SAMPLE_FIELDS, { owner: 'main' });
    expect(readFields(new Checker(), '', compact, SAMPLE_FIELDS, { owner: 'main' })).toEqual(value);
  });
});
