/** When the balance runs out, judged from the samples since the last top-up. */
export interface Forecast {
  /** Which measure the forecast follows: TL amount, or the SMS count for SMS-billed accounts. */
  readonly measure: 'amount' | 'sms';
  /** Units of the measure used per day (positive while the balance drains). */
  readonly burnPerDay: number;
  readonly daysToEmpty: number;
  /** Days until the critical threshold of the measure, when one is set and not yet reached. */
  readonly daysToCritical?: number;
  /** ISO time at which the balance reaches zero. */
  readonly emptyAt: string;
  readonly samples: number;
  /** ISO time of the first sample used (the last top-up, or the start of history). */
  readonly since: string;
}

export interface Sample {
  /** ISO time of the reading. */
  readonly at: string;
  readonly amount: number;
  readonly sms: number;
}
