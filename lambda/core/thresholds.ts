import type { LevelThreshold, Thresholds } from './config.js';
import { type Balance, betterOf, type Level, severityOf } from './types.js';

function reaches(balance: Balance, limit: LevelThreshold | undefined, scale: number): boolean {
  if (!limit) return false;
  if (limit.amount !== undefined && balance.amount <= limit.amount * scale) return true;
  if (limit.sms !== undefined && balance.sms <= limit.sms * scale) return true;
  return false;
}

/** The worst level the balance reaches on either measure. A level is reached at or below its threshold. */
export function levelFor(balance: Balance, thresholds: Thresholds, scale = 1): Level {
  if (reaches(balance, thresholds.critical, scale)) return 'CRITICAL';
  if (reaches(balance, thresholds.warning, scale)) return 'WARNING';
  return 'OK';
}

/**
 * The level with hysteresis: getting worse takes effect at once, getting better only when the
 * balance clears the thresholds by `marginPercent`, so a balance hovering at a threshold does
 * not flap between low and recovered on every run.
 */
export function levelWithHysteresis(
  balance: Balance,
  thresholds: Thresholds,
  previous: Level,
  marginPercent: number,
): Level {
  const raw = levelFor(balance, thresholds);
  if (severityOf(raw) >= severityOf(previous)) return raw;
  const strict = levelFor(balance, thresholds, 1 + marginPercent / 100);
  return betterOf(strict, previous);
}
