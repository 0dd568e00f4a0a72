import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { MESSAGE_EXPRESSION } from '../../infra/alarm-notices.js';
import { BalanceMonitorStack } from '../../infra/balance-monitor-stack.js';
import { gsm7Length, isGsm7, SMS_SEGMENT, smsPrefix, TOPIC_DISPLAY_NAME } from '../../lambda/core/gsm.js';
import { appContext, ENV, EXAMPLE_CONFIG } from './fixture.js';

/**
 * The relay's alarm SMS as delivered: the state machine's own JSONata expression, evaluated on
 * alarm state change events for the longest alarm names the stack can make (a 128-character stack
 * name, the longest CloudFormation allows, and a 64-character account name), with what SNS
 * prepends, fits one GSM-7 segment.
 */

const LONGEST_STACK_NAME = `B${'x'.repeat(127)}`;
const LONGEST_ACCOUNT = `a${'b'.repeat(63)}`;

function alarmNames(): string[] {
  const config = {
    ...EXAMPLE_CONFIG,
    accounts: [{ name: LONGEST_ACCOUNT, thresholds: { warning: { amount: 100 } } }],
  };
  const app = new App({ context: appContext(config) });
  const stack = new BalanceMonitorStack(app, LONGEST_STACK_NAME, { env: ENV });
  const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm') as Record<
    string,
    { Properties: { AlarmName: string } }
  >;
  return Object.values(alarms).map((a) => a.Properties.AlarmName);
}

function stateChange(alarmName: string, state: 'ALARM' | 'OK', previous: 'ALARM' | 'OK') {
  return {
    time: '2026-11-27T11:05:00Z',
    detail: {
      alarmName,
      state: {
        value: state,
        reason: 'Threshold Crossed: 1 datapoint [0.0] was less than the threshold (1.0).',
      },
      previousState: { value: previous },
      configuration: { description: 'No successful balance check.' },
    },
  };
}

async function smsOf(event: unknown): Promise<string> {
  const body = MESSAGE_EXPRESSION.replace(/^\{%/, '').replace(/%\}$/, '');
  const message = (await jsonata(body).evaluate({}, { states: { input: event } })) as string;
  const parsed = JSON.parse(message) as { sms: string };
  return parsed.sms;
}

describe("the relay's alarm SMS", () => {
  const names = alarmNames();

  it('is checked on the longest alarm names the stack makes', () => {
    expect(names.length).toBeGreaterThanOrEqual(3);
    // Every alarm name starts with the stack name, so these are the longest the relay can meet.
    for (const name of names) expect(name.startsWith(LONGEST_STACK_NAME)).toBe(true);
  });

  it.each(names)('fits one GSM-7 segment as delivered, firing and resolved, for %s', async (name) => {
    for (const [event, word] of [
      [stateChange(name, 'ALARM', 'OK'), 'ALARM '],
      [stateChange(name, 'OK', 'ALARM'), 'OK '],
    ] as const) {
      const sms = await smsOf(event);
      expect(sms.startsWith(`${word}${name.slice(0, 20)}`)).toBe(true);
      const delivered = `${smsPrefix(TOPIC_DISPLAY_NAME)}${sms}`;
      expect(isGsm7(delivered)).toBe(true);
      expect(gsm7Length(delivered)).toBeLessThanOrEqual(SMS_SEGMENT);
    }
  });
});
