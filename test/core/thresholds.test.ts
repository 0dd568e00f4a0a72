import { describe, expect, it } from 'vitest';
import { levelFor, levelWithHysteresis } from '../../lambda/core/thresholds.js';

const thresholds = { warning: { amount: 100, sms: 500 }, critical: { amount: 25, sms: 100 } };

describe('levelFor', () => {
  it.each([
    ['above every threshold is OK', { amount: 150, sms: 900 }, 'OK'],
    ['exactly at the warning amount is WARNING', { amount: 100, sms: 900 }, 'WARNING'],
    ['a low SMS count alone reaches WARNING', { amount: 150, sms: 400 }, 'WARNING'],
    ['a low amount with a high SMS count reaches CRITICAL', { amount: 20, sms: 900 }, 'CRITICAL'],
    ['the worse of the two measures wins', { amount: 90, sms: 50 }, 'CRITICAL'],
    ['a zero balance is CRITICAL', { amount: 0, sms: 0 }, 'CRITICAL'],
  ] as const)('%s', (_name, balance, level) => {
    expect(levelFor(balance, thresholds)).toBe(level);
  });

  it('a level without thresholds is never reached', () => {
    expect(levelFor({ amount: 0, sms: 0 }, { warning: { amount: 10 } })).toBe('WARNING');
  });
});

describe('levelWithHysteresis', () => {
  it('getting worse takes effect at once', () => {
    expect(levelWithHysteresis({ amount: 99, sms: 900 }, thresholds, 'OK', 5)).toBe('WARNING');
  });

  it('a balance just above the warning threshold stays WARNING inside the margin', () => {
    expect(levelWithHysteresis({ amount: 104, sms: 900 }, thresholds, 'WARNING', 5)).toBe('WARNING');
  });

  it('a balance past the margin recovers to OK', () => {
    expect(levelWithHysteresis({ amount: 106, sms: 900 }, thresholds, 'WARNING', 5)).toBe('OK');
  });

  it('from CRITICAL a balance inside the critical margin stays CRITICAL', () => {
    expect(levelWithHysteresis({ amount: 26, sms: 900 }, thresholds, 'CRITICAL', 5)).toBe('CRITICAL');
  });

  it('from CRITICAL a balance past the critical margin but under warning becomes WARNING', () => {
    expect(levelWithHysteresis({ amount: 50, sms: 900 }, thresholds, 'CRITICAL', 5)).toBe('WARNING');
  });

  it('a zero margin recovers as soon as the threshold is cleared', () => {
    expect(levelWithHysteresis({ amount: 100.01, sms: 900 }, thresholds, 'WARNING', 0)).toBe('OK');
  });
});
