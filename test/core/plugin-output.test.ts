import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Thresholds } from '../../lambda/core/config.js';
import { AUTH_CAUSES, type CheckReport, checkOutput, usageOutput } from '../../lambda/core/plugin-output.js';
import { fail, failure, succeed } from '../../lambda/core/types.js';

const THRESHOLDS: Thresholds = { warning: { amount: 100, sms: 500 }, critical: { amount: 20 } };

function report(overrides: Partial<CheckReport> = {}): CheckReport {
  return {
    sandbox: false,
    thresholds: THRESHOLDS,
    outcome: succeed({ amount: 842.35, sms: 5615 }),
    ...overrides,
  };
}

function lines(text: string): string[] {
  return text.trimEnd().split('\n');
}

describe('the plugin text', () => {
  it('is OK with exit 0 above every threshold', () => {
    expect(checkOutput(report(), false)).toEqual({
      exitCode: 0,
      text: 'ILETIMERKEZI OK - balance 842.35 TL, 5615 SMS | amount=842.35;100;20;0 sms=5615;500;;0\n',
    });
  });

  it('is WARNING with exit 1 and names the measure that reached the threshold', () => {
    const output = checkOutput(report({ outcome: succeed({ amount: 150, sms: 400 }) }), false);
    expect(output).toEqual({
      exitCode: 1,
      text: 'ILETIMERKEZI WARNING - balance 150 TL, 400 SMS (sms 400 <= 500) | amount=150;100;20;0 sms=400;500;;0\n',
    });
  });

  it('is CRITICAL with exit 2 at the critical threshold', () => {
    const output = checkOutput(report({ outcome: succeed({ amount: 20, sms: 9000 }) }), false);
    expect(output.exitCode).toBe(2);
    expect(lines(output.text)[0]).toBe(
      'ILETIMERKEZI CRITICAL - balance 20 TL, 9000 SMS (amount 20 TL <= 20 TL) | amount=20;100;20;0 sms=9000;500;;0',
    );
  });

  it('is UNKNOWN with exit 3 when the check failed, with U for the unknown values', () => {
    const outcome = fail(
      failure('transient', 'HTTP 503: provider temporarily unavailable (non-JSON body)', 503),
    );
    expect(checkOutput(report({ outcome }), false)).toEqual({
      exitCode: 3,
      text: 'ILETIMERKEZI UNKNOWN - balance check failed (transient): HTTP 503: provider temporarily unavailable (non-JSON body) | amount=U;100;20;0 sms=U;500;;0\n',
    });
  });

  it('lists the three causes of a 401 after the first line', () => {
    const outcome = fail(failure('auth', 'HTTP 401: authentication failed', 401));
    expect(lines(checkOutput(report({ outcome }), false).text).slice(1)).toEqual([
      'A 401 has three usual causes:',
      ...AUTH_CAUSES.map((cause, i) => `${i + 1}. ${cause}`),
    ]);
  });

  it('leaves a threshold field empty when it is not set', () => {
    const output = checkOutput(report({ thresholds: { critical: { sms: 10 } } }), false);
    expect(output.text).toContain('| amount=842.35;;;0 sms=5615;;10;0');
  });

  it('says sandbox on every line in sandbox mode', () => {
    const outcome = fail(failure('auth', 'HTTP 401: authentication failed', 401));
    for (const text of [
      checkOutput(report({ sandbox: true }), false).text,
      checkOutput(report({ sandbox: true, outcome }), false).text,
    ]) {
      for (const line of lines(text)) expect(line).toContain('sandbox');
    }
  });

  it('keeps a | in a failure message out of the performance data', () => {
    const outcome = fail(failure('invalid-response', 'HTTP 200: a|b'));
    expect(checkOutput(report({ outcome }), false).text.split('|')).toHaveLength(2);
  });

  it('writes thresholds of 1e21 and above as plain decimals, which plugin hosts can parse', () => {
    const huge = { warning: { amount: 1e21 }, critical: { amount: 2.5e22, sms: 1e21 } };
    const text = checkOutput(
      report({ thresholds: huge, outcome: succeed({ amount: 150, sms: 7 }) }),
      false,
    ).text;
    expect(lines(text)[0]).toBe(
      'ILETIMERKEZI CRITICAL - balance 150 TL, 7 SMS (amount 150 TL <= 25000000000000000000000 TL, sms 7 <= 1000000000000000000000) | ' +
        'amount=150;1000000000000000000000;25000000000000000000000;0 sms=7;;1000000000000000000000;0',
    );
  });

  it('never writes exponent notation, whatever the number (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e300, noNaN: true }),
        fc.double({ min: 0, max: 1e300, noNaN: true }),
        (a, w) => {
          const text = checkOutput(
            report({ thresholds: { warning: { amount: w } }, outcome: succeed({ amount: a, sms: 1 }) }),
            false,
          ).text;
          const perf = text.split('|')[1] ?? '';
          expect(perf).not.toMatch(/e/i);
          const [value, warn] = (perf.trim().split(' ')[0] ?? '').slice('amount='.length).split(';');
          expect(Number(value)).toBe(a);
          expect(Number(warn)).toBe(w);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes tiny amounts without exponent notation', () => {
    expect(checkOutput(report({ outcome: succeed({ amount: 1e-7, sms: 0 }) }), false).text).toContain(
      'amount=0.0000001;',
    );
  });
});

describe('the JSON output', () => {
  it('is one object with the status, parsed numbers and thresholds', () => {
    const output = checkOutput(report(), true);
    expect(output.text.endsWith('\n')).toBe(true);
    expect(JSON.parse(output.text)).toEqual({
      status: 'OK',
      exitCode: 0,
      sandbox: false,
      summary: 'balance 842.35 TL, 5615 SMS',
      amount: 842.35,
      sms: 5615,
      thresholds: THRESHOLDS,
    });
  });

  it('carries the failure kind, message and status, and null values', () => {
    const outcome = fail(failure('invalid-response', 'HTTP 200: response has no balance', 200));
    expect(JSON.parse(checkOutput(report({ outcome }), true).text)).toMatchObject({
      status: 'UNKNOWN',
      exitCode: 3,
      amount: null,
      sms: null,
      error: { kind: 'invalid-response', message: 'HTTP 200: response has no balance', status: 200 },
    });
  });

  it('carries the causes of a 401', () => {
    const outcome = fail(failure('auth', 'HTTP 401: authentication failed', 401));
    expect(JSON.parse(checkOutput(report({ outcome }), true).text).error.causes).toEqual(AUTH_CAUSES);
  });

  it('says sandbox in sandbox mode', () => {
    expect(JSON.parse(checkOutput(report({ sandbox: true }), true).text)).toMatchObject({
      sandbox: true,
      summary: 'sandbox: balance 842.35 TL, 5615 SMS',
    });
  });
});

describe('a usage error', () => {
  it('is UNKNOWN with the problem, then the usage line', () => {
    expect(usageOutput('unknown option "--x"', 'Usage: check', false)).toEqual({
      exitCode: 3,
      text: 'ILETIMERKEZI UNKNOWN - unknown option "--x" | amount=U;;;0 sms=U;;;0\nUsage: check\n',
    });
  });

  it('in JSON is one object with a config error', () => {
    expect(JSON.parse(usageOutput('bad', 'Usage: check', true).text)).toMatchObject({
      status: 'UNKNOWN',
      exitCode: 3,
      amount: null,
      sms: null,
      error: { kind: 'config', message: 'bad' },
    });
  });
});
