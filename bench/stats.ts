/** Summaries of repeated timings: the minimum is the least disturbed run, the median the typical one. */

export interface Summary {
  readonly runs: number;
  readonly min: number;
  readonly median: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('no samples to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { runs: sorted.length, min: sorted[0] as number, median };
}

/** One decimal: timings below a tenth of a millisecond are noise on a shared machine. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
