/** The weekly digest's figures, as the webhook carries them (TL unless named SMS; null: not known). */
export interface DigestAccountFigures {
  readonly account: string;
  readonly spent: number | null;
  readonly spentSms: number | null;
  readonly topUps: number | null;
  readonly toppedUp: number | null;
  readonly lowest: number | null;
  readonly current: number | null;
  readonly daysToEmpty: number | null;
  readonly notices: number | null;
  readonly silenced: boolean;
}

export interface DigestTotals {
  readonly accounts: number;
  readonly spent: number;
  readonly spentSms: number;
  readonly topUps: number;
  readonly toppedUp: number;
  readonly current: number;
  readonly notices: number;
  readonly silenced: number;
}

export interface DigestFigures {
  /** ISO time of the digest. */
  readonly weekOf: string;
  /** The accounts closest to empty first, at most DIGEST_LISTED. */
  readonly accounts: readonly DigestAccountFigures[];
  /** Over every account, listed or not. */
  readonly totals: DigestTotals;
}
