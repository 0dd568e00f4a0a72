import { createRequire } from 'node:module';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import {
  AFTER_RESET_CONDITION,
  KIND_EXPRESSION,
  MESSAGE_EXPRESSION,
  RESET_FROM_ALARM_EXPRESSION,
  SUBJECT_EXPRESSION,
} from '../../infra/alarm-notices.js';
import { onlyResource, synthTemplate } from './fixture.js';
import { resolveTokens } from './quotas.js';

/** asl-validator ships no types: its one export, as its README describes it. */
const validateAsl = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

/**
 * The relay's JSONata, evaluated by the jsonata library (the language Step Functions runs) over
 * the events CloudWatch sends and the DescribeAlarmHistory answers it reads.
 */

const ALARM_NAME = 'IletiMerkeziBalanceMonitor-alarm-function-errors';

/** Evaluates a `{% … %}` expression with $states as Step Functions binds it. */
async function evaluate(expression: string, states: Record<string, unknown>): Promise<unknown> {
  const body = /^\{%([\s\S]*)%\}$/.exec(expression)?.[1];
  if (body === undefined) throw new Error(`not a JSONata expression: ${expression}`);
  return jsonata(body).evaluate({}, { states });
}

function stateChange(previous: string, current: string) {
  return {
    version: '0',
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    time: '2026-11-27T07:05:00Z',
    detail: {
      alarmName: ALARM_NAME,
      state: {
        value: current,
        reason: `Threshold Crossed: now ${current}`,
        timestamp: '2026-11-27T07:05:00Z',
      },
      previousState: { value: previous, reason: 'before', timestamp: '2026-11-27T06:05:00Z' },
      configuration: { description: 'The latest balance check run failed. What to do: read the log.' },
    },
  };
}

/** StateUpdate history items, newest first, as DescribeAlarmHistory returns them. */
function history(...transitions: Array<[string, string]>) {
  return {
    AlarmHistoryItems: transitions.map(([from, to], i) => ({
      AlarmName: ALARM_NAME,
      HistoryItemType: 'StateUpdate',
      Timestamp: `2026-11-27T0${7 - i}:00:00Z`,
      HistorySummary: `Alarm updated from ${from} to ${to}`,
      HistoryData: JSON.stringify({
        version: '1.0',
        oldState: { stateValue: from, stateReason: 'before' },
        newState: { stateValue: to, stateReason: 'after' },
      }),
    })),
  };
}

describe('the relay after INSUFFICIENT_DATA → OK', () => {
  it('looks at the history only for an OK that follows INSUFFICIENT_DATA', async () => {
    expect(await evaluate(AFTER_RESET_CONDITION, { input: stateChange('INSUFFICIENT_DATA', 'OK') })).toBe(
      true,
    );
    expect(await evaluate(AFTER_RESET_CONDITION, { input: stateChange('ALARM', 'OK') })).toBe(false);
    expect(await evaluate(AFTER_RESET_CONDITION, { input: stateChange('OK', 'ALARM') })).toBe(false);
  });

  it('tells RESOLVED when a deploy reset an alarm that was in ALARM', async () => {
    const result = history(['INSUFFICIENT_DATA', 'OK'], ['ALARM', 'INSUFFICIENT_DATA'], ['OK', 'ALARM']);
    expect(await evaluate(RESET_FROM_ALARM_EXPRESSION, { result })).toBe(true);
  });

  it('tells RESOLVED also when the history does not show the current change yet', async () => {
    const result = history(['ALARM', 'INSUFFICIENT_DATA'], ['OK', 'ALARM']);
    expect(await evaluate(RESET_FROM_ALARM_EXPRESSION, { result })).toBe(true);
  });

  it('tells nothing for a new alarm turning OK', async () => {
    expect(
      await evaluate(RESET_FROM_ALARM_EXPRESSION, { result: history(['INSUFFICIENT_DATA', 'OK']) }),
    ).toBe(false);
    expect(await evaluate(RESET_FROM_ALARM_EXPRESSION, { result: { AlarmHistoryItems: [] } })).toBe(false);
  });

  it('tells nothing when a deploy reset an alarm that was OK', async () => {
    const result = history(['INSUFFICIENT_DATA', 'OK'], ['OK', 'INSUFFICIENT_DATA'], ['ALARM', 'OK']);
    expect(await evaluate(RESET_FROM_ALARM_EXPRESSION, { result })).toBe(false);
  });
});

describe('the relayed notice', () => {
  it('says ALARM with the description and reason when an alarm fires', async () => {
    const input = stateChange('OK', 'ALARM');
    expect(await evaluate(SUBJECT_EXPRESSION, { input })).toBe(`ALARM: ${ALARM_NAME}`);
    expect(await evaluate(KIND_EXPRESSION, { input })).toBe('monitor-alarm');
    const message = JSON.parse(String(await evaluate(MESSAGE_EXPRESSION, { input })));
    expect(message.email).toBe(
      `${ALARM_NAME} is in ALARM.\n\nThe latest balance check run failed. What to do: read the log.\n\n` +
        'Reason: Threshold Crossed: now ALARM\nSince: 2026-11-27T07:05:00Z',
    );
    expect(message.sms).toBe(`ALARM ${ALARM_NAME}`);
  });

  it('says RESOLVED for an OK after a reset, as for ALARM → OK', async () => {
    for (const input of [stateChange('INSUFFICIENT_DATA', 'OK'), stateChange('ALARM', 'OK')]) {
      expect(await evaluate(SUBJECT_EXPRESSION, { input })).toBe(`RESOLVED: ${ALARM_NAME}`);
      expect(await evaluate(KIND_EXPRESSION, { input })).toBe('monitor-alarm-resolved');
      const message = JSON.parse(String(await evaluate(MESSAGE_EXPRESSION, { input })));
      expect(message.default).toBe(`RESOLVED: ${ALARM_NAME} is OK again: Threshold Crossed: now OK`);
    }
  });

  it('keeps the subject under the 100 characters SNS accepts and the SMS within 160', async () => {
    const input = stateChange('OK', 'ALARM');
    input.detail.alarmName = `${'x'.repeat(200)}-alarm-not-running`;
    expect(String(await evaluate(SUBJECT_EXPRESSION, { input })).length).toBe(99);
    const message = JSON.parse(String(await evaluate(MESSAGE_EXPRESSION, { input })));
    expect(message.sms.length).toBe(160);
  });
});

describe('the relay state machine', () => {
  it('is valid Amazon States Language, as synthesized with its references resolved', () => {
    const { template } = synthTemplate();
    const machine = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    const resources = template.toJSON().Resources;
    const definition = JSON.parse(String(resolveTokens(machine.properties.DefinitionString, resources)));
    const result = validateAsl(definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });
});
