import { expect } from 'vitest';
import type { Publish } from '../../support/local-aws.js';
import {
  type FunctionProcess,
  type Invocation,
  type LogLine,
  leakedSecrets,
  type RunSummary,
} from './harness.js';

/**
 * What every run must show whatever the fault: the process did not crash (no unhandled rejection,
 * no uncaught exception), every stdout line is structured JSON, and neither the key nor the hash
 * appears in any output, error or published message.
 */
export function expectClean(fn: FunctionProcess, publishes: readonly Publish[] = []): void {
  expect(fn.crashes()).toEqual([]);
  expect(fn.strayStdout).toEqual([]);
  expect(leakedSecrets([...fn.transcript(), ...publishes.map((p) => JSON.stringify(p))])).toEqual([]);
}

export function expectReturned(invocation: Invocation): RunSummary {
  if (invocation.outcome !== 'returned') {
    throw new Error(`expected the handler to return, it ${describeInvocation(invocation)}`);
  }
  return invocation.value;
}

/** The handler threw a plain error (the function-errors alarm sees it); returns its message. */
export function expectThrew(invocation: Invocation): string {
  if (invocation.outcome !== 'threw') {
    throw new Error(`expected the handler to throw, it ${describeInvocation(invocation)}`);
  }
  return invocation.error.message;
}

function describeInvocation(invocation: Invocation): string {
  switch (invocation.outcome) {
    case 'returned':
      return `returned ${JSON.stringify(invocation.value)}`;
    case 'threw':
      return `threw ${invocation.error.name}: ${invocation.error.message}`;
    case 'timed-out':
      return `ran into the function's timeout after ${invocation.durationMs} ms`;
    case 'init-failed':
      return `failed at init: ${invocation.error.message}`;
    case 'died':
      return `died with exit code ${invocation.code}`;
  }
}

/** The last "account checked" line of the account: the one of the latest invocation. */
export function lastAccountLine(fn: FunctionProcess, account = 'main'): LogLine {
  const line = fn.accountLines(account).at(-1);
  if (!line) throw new Error(`no "account checked" line for ${account}`);
  return line;
}

/** The single publish of a run, decoded: subject, attributes and the per-protocol texts. */
export function onlyPublish(publishes: readonly Publish[]): DecodedPublish {
  expect(publishes).toHaveLength(1);
  const [publish] = publishes;
  if (!publish) throw new Error('no publish');
  return decode(publish);
}

export interface DecodedPublish {
  readonly subject: string;
  readonly kind: string;
  readonly severity: string;
  readonly account: string;
  readonly email: string;
  readonly sms: string;
  readonly default: string;
}

export function decode(publish: Publish): DecodedPublish {
  expect(publish.messageStructure).toBe('json');
  const texts = JSON.parse(publish.message) as { default: string; email: string; sms: string };
  return {
    subject: publish.subject ?? '',
    kind: publish.messageAttributes.kind?.value ?? '',
    severity: publish.messageAttributes.severity?.value ?? '',
    account: publish.messageAttributes.account?.value ?? '',
    email: texts.email,
    sms: texts.sms,
    default: texts.default,
  };
}
