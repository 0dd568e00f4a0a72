/**
 * The schedule sends `{ "scheduledTime": "<aws.scheduler.scheduled-time>" }`: every delivery of one
 * scheduled run, and every retry of it, carries the same time, which makes it the run's id.
 * Anything else (a manual `aws lambda invoke`, a test event) has no run id.
 */
export function runIdOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const time = (event as { scheduledTime?: unknown }).scheduledTime;
  return typeof time === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(time) ? time : undefined;
}
