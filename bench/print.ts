/** The bench's report on stdout: headings, aligned figures, and the closing `name: value` lines. */

export function heading(title: string): void {
  print(`\n== ${title}`);
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1).padStart(6)} KB`;
}

export function bytes(value: number): string {
  return value.toLocaleString('en-US');
}

/** The machine-readable results, in this order, exactly these names. */
export const RESULT_NAMES = [
  'init_overhead_ms_min',
  'init_overhead_ms_median',
  'peer_init_overhead_ms_min',
  'bundle_bytes',
  'bundle_gzip_bytes',
  'peak_rss_mb',
  'cold_invocation_ms',
  'scale_1_ms',
  'scale_10_ms',
  'scale_50_ms',
  'scale_50_over_1',
  'scale_500_ms',
  'scale_500_over_1',
  'peak_rss_mb_500',
  'dynamodb_requests_per_account_run',
  'read_units_per_account_run',
  'monthly_cost_usd',
  'monthly_cost_usd_50',
  'monthly_cost_usd_500',
  'marginal_account_usd',
  'dashboard_monthly_usd',
] as const;

export type ResultName = (typeof RESULT_NAMES)[number];

export function printResults(results: ReadonlyMap<ResultName, number>): void {
  heading('Results');
  for (const name of RESULT_NAMES) {
    const value = results.get(name);
    if (value === undefined) throw new Error(`result ${name} was not measured`);
    print(`${name}: ${value}`);
  }
}
