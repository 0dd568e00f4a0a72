import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { messageExpression, subjectExpression } from '../../infra/alarm-notices.js';
import { BalanceMonitorStack } from '../../infra/balance-monitor-stack.js';
import { LOCALES, type Locale } from '../../lambda/core/config.js';
import {
  gsm7Length,
  isGsm7,
  SMS_BUDGET,
  SMS_SEGMENT,
  smsPrefix,
  TOPIC_DISPLAY_NAME,
} from '../../lambda/core/gsm.js';
import { appContext, ENV, EXAMPLE_CONFIG } from './fixture.js';

/**
 * The relay's alarm SMS as delivered: the state machine's own JSONata expression, evaluated on
 * alarm state change events for the longest alarm names the stack can make (a 128-character stack
 * name, the longest CloudFormation allows, and a 64-character account name), with what SNS
 * prepends, fits one GSM-7 segment, in every locale.
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

async function evaluated(expression: string, event: unknown): Promise<unknown> {
  const body = expression.replace(/^\{%/, '').replace(/%\}$/, '');
  return jsonata(body).evaluate({}, { states: { input: event } });
}

async function smsOf(event: unknown, locale: Locale): Promise<string> {
  const parsed = JSON.parse(String(await evaluated(messageExpression(locale), event))) as { sms: string };
  return parsed.sms;
}

/** The first word of the SMS, firing and resolved, as the relay words it in each locale. */
const WORDS: Readonly<Record<Locale, readonly [string, string]>> = {
  en: ['ALARM ', 'OK '],
  tr: ['ALARM ', 'DUZELDI '],
};

/** The subject's first word, firing and resolved: ASCII in every locale. */
const SUBJECT_WORDS: Readonly<Record<Locale, readonly [string, string]>> = {
  en: ['ALARM: ', 'RESOLVED: '],
  tr: ['ALARM: ', 'DUZELDI: '],
};

const NAMES = alarmNames();
const CASES = LOCALES.flatMap((locale) => NAMES.map((name) => [locale, name] as const));

describe("the relay's alarm SMS", () => {
  const names = NAMES;

  it('is checked on the longest alarm names the stack makes', () => {
    expect(names.length).toBeGreaterThanOrEqual(3);
    // Every alarm name starts with the stack name, so these are the longest the relay can meet.
    for (const name of names) expect(name.startsWith(LONGEST_STACK_NAME)).toBe(true);
  });

  it.each(CASES)(
    'fits one GSM-7 segment as delivered, firing and resolved, in %s, for %s',
    async (locale, name) => {
      const [firing, resolved] = WORDS[locale];
      for (const [event, word] of [
        [stateChange(name, 'ALARM', 'OK'), firing],
        [stateChange(name, 'OK', 'ALARM'), resolved],
      ] as const) {
        const sms = await smsOf(event, locale);
        expect(sms.startsWith(`${word}${name.slice(0, 20)}`)).toBe(true);
        expect(sms).toBe(`${word}${name}`.slice(0, SMS_BUDGET));
        const delivered = `${smsPrefix(TOPIC_DISPLAY_NAME)}${sms}`;
        expect(isGsm7(delivered)).toBe(true);
        expect(gsm7Length(delivered)).toBeLessThanOrEqual(SMS_SEGMENT);
      }
    },
  );

  it.each(CASES)(
    'has an ASCII subject under 100 characters, firing and resolved, in %s, for %s',
    async (locale, name) => {
      const [firing, resolved] = SUBJECT_WORDS[locale];
      for (const [event, word] of [
        [stateChange(name, 'ALARM', 'OK'), firing],
        [stateChange(name, 'OK', 'ALARM'), resolved],
      ] as const) {
        const subject = String(await evaluated(subjectExpression(locale), event));
        expect(subject).toBe(`${word}${name}`.slice(0, 99));
        expect(subject).toMatch(/^[\x20-\x7e]{1,99}$/);
      }
    },
  );
});
