import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBalanceResponse } from '../../lambda/adapters/iletimerkezi-response.js';
import type { Balance, Outcome } from '../../lambda/core/types.js';

/**
 * The parser against random and mutated bodies. The oracle below restates the rules of
 * NOTES.md on its own, so the test does not just replay the parser's code.
 */

const KINDS = ['auth', 'transient', 'invalid-response', 'config'];

function oracleAmount(value: unknown): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^-?[0-9]+(?:\.[0-9]+)?$/.test(value)) n = Number.parseFloat(value);
  else return undefined;
  return Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER ? n : undefined;
}

function oracleSms(value: unknown): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^-?[0-9]+(?:\.0+)?$/.test(value)) n = Number.parseFloat(value);
  else return undefined;
  return Number.isSafeInteger(n) ? n : undefined;
}

function plainObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The balance the rules allow for this answer, or undefined when the answer must be a failure. */
function oracle(httpStatus: number, body: string): Balance | undefined {
  if (httpStatus < 200 || httpStatus >= 300) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return undefined;
  }
  const response = plainObject(plainObject(document)?.response);
  const code = plainObject(response?.status)?.code;
  if (code !== 200 && code !== '200') return undefined;
  const balance = plainObject(response?.balance);
  const amount = oracleAmount(balance?.amount);
  const sms = oracleSms(balance?.sms);
  // A zero is a zero: "-0" must not reach a threshold comparison or a JSON output as -0.
  return amount === undefined || sms === undefined ? undefined : { amount: amount + 0, sms: sms + 0 };
}

function expectWellFormed(outcome: Outcome<Balance>): void {
  if (outcome.ok) return;
  expect(KINDS).toContain(outcome.failure.kind);
  expect(outcome.failure.message.length).toBeGreaterThan(0);
  expect(outcome.failure.message.length).toBeLessThan(250);
  expect(outcome.failure.message).not.toMatch(/[\r\n]/);
}

const oddNumerals = fc.constantFrom(
  'NaN',
  'Infinity',
  '-Infinity',
  '1e3',
  ' 1',
  '1 ',
  '+1',
  '0x10',
  '.5',
  '5.',
  '1,5',
  '',
  '١٢٣',
  '１２',
  '-',
  '--1',
);

/** Values a balance field might hold: numbers, numbers as strings, huge numbers, junk, unicode. */
const fieldValue = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.integer().map(String),
  fc.double().map(String),
  fc.stringMatching(/^-?\d{1,20}(\.\d{1,8})?$/),
  fc.stringMatching(/^-?[1-9]\d{15,60}(\.0{1,3})?$/),
  oddNumerals,
  fc.string({ unit: 'binary' }),
  fc.constant(null),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 2 }),
);

const statusValue = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ code: 200, message: 'İşlem başarılı' }) },
  fc.record(
    {
      code: fc.oneof(
        fc.constantFrom(200, '200', 400, 401, 402, 404, 422, 429, 500, 503, 200.5),
        fc.integer(),
        fc.string(),
      ),
      message: fc.string({ unit: 'binary' }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 1 }),
);

const balanceValue = fc.oneof(
  { weight: 3, arbitrary: fc.record({ amount: fieldValue, sms: fieldValue }, { requiredKeys: [] }) },
  fc.jsonValue({ maxDepth: 2 }),
);

const responseDocument = fc.record(
  {
    response: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({ status: statusValue, balance: balanceValue }, { requiredKeys: [] }),
      },
      fc.jsonValue({ maxDepth: 2 }),
    ),
  },
  { requiredKeys: [] },
);

/** Numerals JSON.stringify cannot produce: exponents, hundreds of digits, beyond a double. */
const rawNumeral = fc.stringMatching(/^-?(0|[1-9]\d{0,400})(\.\d{1,20})?([eE][+-]?\d{1,3})?$/);
const rawNumeralBody = fc
  .tuple(rawNumeral, rawNumeral)
  .map(([amount, sms]) => `{"response":{"status":{"code":200},"balance":{"amount":${amount},"sms":${sms}}}}`);

/** A serialised document, sometimes cut short or with junk spliced in, as a broken proxy might send. */
const mutatedBody = fc
  .tuple(responseDocument, fc.nat(), fc.string({ unit: 'binary' }), fc.constantFrom('keep', 'cut', 'splice'))
  .map(([document, at, junk, mutation]) => {
    const text = JSON.stringify(document);
    const i = text.length === 0 ? 0 : at % text.length;
    if (mutation === 'cut') return text.slice(0, i);
    if (mutation === 'splice') return `${text.slice(0, i)}${junk}${text.slice(i)}`;
    return text;
  });

const anyBody = fc.oneof(
  { weight: 4, arbitrary: mutatedBody },
  rawNumeralBody,
  fc.jsonValue().map((value) => JSON.stringify(value) ?? ''),
  fc.string({ unit: 'binary' }),
);

const httpStatus = fc.oneof({ weight: 3, arbitrary: fc.constant(200) }, fc.integer({ min: 100, max: 599 }));

describe('parseBalanceResponse on random bodies', () => {
  it('never throws and always returns an outcome with one of the four failure kinds', () => {
    fc.assert(
      fc.property(httpStatus, anyBody, (status, body) => {
        expectWellFormed(parseBalanceResponse(status, body));
      }),
      { numRuns: 2_000 },
    );
  });

  it('returns a balance exactly when the rules allow one, and that balance', () => {
    fc.assert(
      fc.property(httpStatus, anyBody, (status, body) => {
        const outcome = parseBalanceResponse(status, body);
        const expected = oracle(status, body);
        expect(outcome.ok ? outcome.value : undefined).toEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads every well-formed balance, whichever of the two shapes it comes in', () => {
    const amount = fc.oneof(
      fc.double({ min: -1e9, max: 1e12, noNaN: true }),
      fc.stringMatching(/^-?\d{1,12}(\.\d{1,6})?$/),
    );
    const sms = fc.oneof(
      fc.integer({ min: -1_000, max: 10_000_000 }),
      fc.stringMatching(/^\d{1,9}(\.0{1,4})?$/),
    );
    fc.assert(
      fc.property(amount, sms, (a, s) => {
        const body = JSON.stringify({
          response: { status: { code: 200, message: 'İşlem başarılı' }, balance: { amount: a, sms: s } },
        });
        const outcome = parseBalanceResponse(200, body);
        expect(outcome).toEqual({ ok: true, value: { amount: Number(a) + 0, sms: Number(s) + 0 } });
      }),
    );
  });

  it('never turns a failing status into a balance, whatever balance comes with it', () => {
    const failingCode = fc.integer({ min: 100, max: 599 }).filter((code) => code !== 200);
    fc.assert(
      fc.property(failingCode, fc.boolean(), balanceValue, (code, inBody, balance) => {
        const body = JSON.stringify({ response: { status: { code }, balance } });
        const outcome = parseBalanceResponse(inBody ? 200 : code, body);
        expect(outcome.ok).toBe(false);
        expectWellFormed(outcome);
      }),
    );
  });
});
