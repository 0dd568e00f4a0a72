import type { AlertState } from './alert-state.js';
import type { AccountConfig } from './config.js';
import type { History } from './history.js';
import type { Notification, RenderedMessage } from './notification.js';
import type { Balance, Credentials, Outcome } from './types.js';

/**
 * The small interfaces the orchestration (core/run-checks.ts) receives. The Lambda handler wires
 * the AWS adapters, the CLI wires local ones, the tests wire fakes or local servers.
 */

export interface BalanceReader {
  /** Never throws: every problem comes back as a typed failure. */
  read(account: AccountConfig, credentials: Credentials, deadlineAt: number): Promise<Outcome<Balance>>;
}

export interface CredentialSource {
  /** One entry per account name; a missing parameter is a `config` failure naming it. Never throws. */
  load(accounts: readonly AccountConfig[]): Promise<ReadonlyMap<string, Outcome<Credentials>>>;
  /**
   * The account's credentials read again, past any cache: after the provider refused cached ones
   * (a key rotated since). Never throws. A source without a cache leaves it out.
   */
  reload?(account: AccountConfig): Promise<Outcome<Credentials>>;
}

export interface StoredState {
  readonly state: AlertState;
  readonly version: number;
  /** The account's balance history, kept in the same item; absent until the first reading. */
  readonly history?: History;
}

/**
 * One item per account: its alert state and its balance history, read and written together, so a
 * quiet run costs one read and one conditional write whatever the length of the history.
 */
export interface StateStore {
  load(account: string): Promise<StoredState | undefined>;
  /**
   * The items of many accounts in as few round trips as the store allows: each account read maps
   * to its state (undefined: no item yet). An account left out of the map could not be read this
   * way (a failed or unanswered batch, an unreadable item) and is loaded alone. Never rejects.
   */
  loadMany?(accounts: readonly string[]): Promise<ReadonlyMap<string, StoredState | undefined>>;
  /**
   * Writes `state` and `history` as version `expectedVersion + 1` only if the stored version is
   * still `expectedVersion` (0: no item yet). 'conflict' means another run got there first. The
   * item is replaced whole: a save without `history` stores none.
   */
  save(
    account: string,
    state: AlertState,
    expectedVersion: number,
    history?: History,
  ): Promise<'saved' | 'conflict'>;
}

export interface Notifier {
  /** Resolves once SNS accepted the message; rejects otherwise. */
  publish(message: RenderedMessage): Promise<void>;
}

export interface Renderer {
  render(notification: Notification, account: AccountConfig): RenderedMessage;
}

/** One structured line per account per run, and the metrics for it. */
export interface Telemetry {
  accountChecked(report: AccountReport): void;
}

export interface AccountReport {
  readonly account: string;
  readonly outcome: 'ok' | 'failed';
  /** The balance level, when known (a failed check with no stored state leaves it unknown). */
  readonly level?: import('./types.js').Level;
  readonly balance?: Balance;
  readonly failure?: import('./types.js').Failure;
  readonly forecast?: import('./forecast-types.js').Forecast;
  /** The notification this run published (accepted by at least one channel), if any. */
  readonly notified?: Notification['kind'];
  /** The notification decided but held by a silence (not claimed, not published). */
  readonly held?: Notification['kind'];
  /**
   * Set when SNS refused a publish, each error prefixed with its channel (`topic: …; chat: …`);
   * the next run retries those channels only.
   */
  readonly publishError?: string;
  /** The channels that refused, when some did. */
  readonly failedChannels?: readonly import('./alert-state.js').DeliveryChannel[];
  /** Set when the state store failed; no notification is decided without state. */
  readonly storeError?: string;
  /** The store and publish errors behind `storeError` and `publishError`, as values. */
  readonly errors?: readonly import('./delivery-error.js').DeliveryError[];
  readonly durationMs: number;
}

/** Where a digest stands: claimed by an invocation, released for a retry, or delivered everywhere. */
export interface DigestMark {
  readonly status: 'claimed' | 'released' | 'done';
  readonly claimId?: string;
  /** Epoch ms of the claim. */
  readonly claimedAt?: number;
  /** The channels that accepted it already ('topic', 'chat'): a retry publishes only the others. */
  readonly sent: readonly string[];
  readonly lastError?: string;
}

/**
 * One mark per digest (named by its scheduled time): what makes a digest delivered exactly once
 * when the event comes twice, and retried when a publish is refused.
 */
export interface DigestLedger {
  load(digestId: string): Promise<{ readonly mark: DigestMark; readonly version: number } | undefined>;
  /** Writes `mark` as version `expectedVersion + 1` only if the stored one is still `expectedVersion` (0: none). */
  save(digestId: string, mark: DigestMark, expectedVersion: number): Promise<'saved' | 'conflict'>;
}
