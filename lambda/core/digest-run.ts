import type { MonitorConfig } from './config.js';
import { DIGEST_ACTION } from './contract.js';
import { describeError } from './delivery-error.js';
import { digestFigures, renderDigest } from './digest.js';
import type { DigestLedger, DigestMark, Notifier, StateStore, StoredState } from './ports.js';

/**
 * The weekly digest's delivery. It reads every account's state (batched) and changes none. It is
 * delivered exactly once per digest id (the schedule's scheduled time) through a conditional mark:
 *  1. the mark is claimed by a conditional write (a duplicate delivery finds it done and stops;
 *     one that finds it claimed by a live invocation, or keeps losing the write, fails, so that
 *     Lambda retries it: if that invocation dies, the retry takes its claim over);
 *  2. each channel not yet marked sent is published, and marked sent once accepted;
 *  3. all sent: the mark is done. A refused publish releases the claim and fails the invocation,
 *     so Lambda's asynchronous retry (same event, same id) publishes the channels still missing.
 * A claim older than the claim TTL belongs to an invocation that died, and is taken over: the TTL
 * must outlast one invocation (the function's timeout) and end before Lambda's first retry of a
 * failed asynchronous invocation (about a minute later), or that retry finds the claim still live.
 */

export interface DigestChannel {
  readonly name: 'topic' | 'chat';
  readonly notifier: Notifier;
}

export interface DigestDeps {
  readonly store: StateStore;
  readonly ledger: DigestLedger;
  readonly channels: readonly DigestChannel[];
  /** The claim's clock: when this invocation runs. */
  readonly clock: () => Date;
  /** What the figures are as of (the schedule's scheduled time); the clock's time when absent. */
  readonly asOf?: Date;
  readonly newClaimId: () => string;
  readonly claimTtlMs?: number;
}

export interface DigestResult {
  readonly action: typeof DIGEST_ACTION;
  readonly digestId: string;
  /**
   * sent: published by this invocation; duplicate: already delivered; busy: another invocation
   * holds it, or the claim could not be written (a problem: the invocation fails and is retried).
   */
  readonly outcome: 'sent' | 'duplicate' | 'busy' | 'failed';
  readonly accounts: number;
  readonly published: readonly string[];
  readonly problems: number;
  readonly error?: string;
}

/** Beyond the default function timeout (30 s) and within Lambda's first retry delay (1 minute). */
const DEFAULT_DIGEST_CLAIM_TTL_MS = 45_000;
const SAVE_ATTEMPTS = 5;

async function loadStates(
  store: StateStore,
  accounts: readonly string[],
): Promise<ReadonlyMap<string, StoredState | undefined>> {
  const batched = store.loadMany
    ? await store.loadMany(accounts)
    : new Map<string, StoredState | undefined>();
  const missing = accounts.filter((account) => !batched.has(account));
  if (missing.length === 0) return batched;
  const states = new Map(batched);
  for (const account of missing) states.set(account, await store.load(account));
  return states;
}

/** Claims the digest for this invocation; undefined with the reason when it is not ours to send. */
async function claim(
  ledger: DigestLedger,
  digestId: string,
  claimId: string,
  now: number,
  ttlMs: number,
): Promise<{ mark: DigestMark; version: number } | 'duplicate' | { busy: string }> {
  for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
    const stored = await ledger.load(digestId);
    if (stored?.mark.status === 'done') return 'duplicate';
    if (stored?.mark.status === 'claimed' && now - (stored.mark.claimedAt ?? 0) < ttlMs)
      return {
        busy: `claimed by another invocation at ${new Date(stored.mark.claimedAt ?? 0).toISOString()}`,
      };
    const mark: DigestMark = { status: 'claimed', claimId, claimedAt: now, sent: stored?.mark.sent ?? [] };
    const version = stored?.version ?? 0;
    if ((await ledger.save(digestId, mark, version)) === 'saved') return { mark, version: version + 1 };
  }
  return { busy: `the claim was lost to other writes ${SAVE_ATTEMPTS} times` };
}

export async function sendDigest(
  config: MonitorConfig,
  deps: DigestDeps,
  digestId: string,
): Promise<DigestResult> {
  const now = deps.clock();
  const base = { action: DIGEST_ACTION, digestId, accounts: config.accounts.length } as const;
  const states = await loadStates(
    deps.store,
    config.accounts.map((a) => a.name),
  );
  const message = renderDigest(
    digestFigures(config.accounts, states, deps.asOf ?? now),
    config.locale,
    config.timeZone,
  );

  const claimed = await claim(
    deps.ledger,
    digestId,
    deps.newClaimId(),
    now.getTime(),
    deps.claimTtlMs ?? DEFAULT_DIGEST_CLAIM_TTL_MS,
  );
  if (claimed === 'duplicate') return { ...base, outcome: claimed, published: [], problems: 0 };
  // Not ours to send now, but not sent either: a problem, so that the invocation fails and Lambda's
  // retry finds the digest done, or takes over the claim of an invocation that died.
  if ('busy' in claimed) return { ...base, outcome: 'busy', published: [], problems: 1, error: claimed.busy };

  let { mark, version } = claimed;
  const published: string[] = [];
  let error: string | undefined;
  for (const channel of deps.channels) {
    if (mark.sent.includes(channel.name)) continue;
    try {
      await channel.notifier.publish(message);
    } catch (e) {
      error = describeError(e);
      continue;
    }
    published.push(channel.name);
    const next: DigestMark = { ...mark, sent: [...mark.sent, channel.name] };
    // Our claim holds the mark: a lost write here means a takeover, which then sends it again.
    if ((await deps.ledger.save(digestId, next, version)) === 'saved') {
      mark = next;
      version++;
    }
  }
  const done = deps.channels.every((c) => mark.sent.includes(c.name));
  const { claimId: _ours, claimedAt: _at, ...rest } = mark;
  const settled: DigestMark = done
    ? { ...rest, status: 'done' }
    : { ...rest, status: 'released', ...(error ? { lastError: error } : {}) };
  await deps.ledger.save(digestId, settled, version);
  return done
    ? { ...base, outcome: 'sent', published, problems: 0 }
    : { ...base, outcome: 'failed', published, problems: 1, ...(error ? { error } : {}) };
}
