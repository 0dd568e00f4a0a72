import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import {
  AFTER_RESET_CONDITION,
  chatMessageExpression,
  DEDUP_KEY_MAX,
  KIND_EXPRESSION,
  MESSAGE_EXPRESSION,
  messageExpression,
  RESET_FROM_ALARM_EXPRESSION,
  SUBJECT_EXPRESSION,
  subjectExpression,
  WITH_ALARM_BEGAN_EXPRESSION,
} from '../../infra/alarm-notices.js';
import { LOCALES, type Locale } from '../../lambda/core/config.js';
import { logicalId, onlyResource, statementsOfRole, synthTemplate, withConfig } from './fixture.js';
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
    region: 'eu-central-1',
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

/**
 * One alarm episode as CloudWatch tells it: entering ALARM at 07:05:00.123, then either ALARM → OK
 * at 08:10 (previousState.timestamp is when ALARM began), or a deploy's reset at 08:00 and
 * INSUFFICIENT_DATA → OK at 08:10, where the history step adds when ALARM began as the history
 * records it (its own timestamp of the change, a few milliseconds after the state's).
 */
const ENTERED_ALARM = '2026-11-27T07:05:00.123+0000';

function episode() {
  const firing = {
    ...stateChange('OK', 'ALARM'),
    time: '2026-11-27T07:05:00Z',
  };
  firing.detail.state.timestamp = ENTERED_ALARM;
  firing.detail.previousState.timestamp = '2026-11-20T10:00:00.000+0000';
  const resolved = { ...stateChange('ALARM', 'OK'), time: '2026-11-27T08:10:00Z' };
  resolved.detail.state.timestamp = '2026-11-27T08:10:00.456+0000';
  resolved.detail.previousState.timestamp = ENTERED_ALARM;
  const reset = { ...stateChange('INSUFFICIENT_DATA', 'OK'), time: '2026-11-27T08:10:00Z' };
  reset.detail.state.timestamp = '2026-11-27T08:10:00.456+0000';
  reset.detail.previousState.timestamp = '2026-11-27T08:00:00.000+0000';
  const historyItems = history(['ALARM', 'INSUFFICIENT_DATA'], ['OK', 'ALARM'], ['INSUFFICIENT_DATA', 'OK']);
  const [resetItem, alarmItem, firstItem] = historyItems.AlarmHistoryItems;
  if (!resetItem || !alarmItem || !firstItem) throw new Error('three history items expected');
  resetItem.Timestamp = '2026-11-27T08:00:00.010Z';
  alarmItem.Timestamp = '2026-11-27T07:05:00.141Z';
  firstItem.Timestamp = '2026-11-20T10:00:00.020Z';
  return { firing, resolved, reset, historyItems };
}

/** The event as the history step hands it on to the publish (its Output over the DescribeAlarmHistory answer). */
async function afterHistory(input: unknown, result: unknown): Promise<unknown> {
  return evaluate(WITH_ALARM_BEGAN_EXPRESSION, { input, result });
}

async function paths(): Promise<Array<[string, unknown]>> {
  const e = episode();
  return [
    ['ALARM', e.firing],
    ['ALARM → OK', e.resolved],
    ['INSUFFICIENT_DATA → OK after ALARM', await afterHistory(e.reset, e.historyItems)],
  ];
}

async function mainMessage(input: unknown, locale: Locale = 'en') {
  return JSON.parse(String(await evaluate(messageExpression(locale), { input }))) as Record<string, string>;
}

async function webhookOf(input: unknown, locale: Locale = 'en') {
  return JSON.parse(String((await mainMessage(input, locale)).https)) as Record<string, unknown>;
}

async function chatOf(input: unknown, locale: Locale = 'en') {
  return JSON.parse(String(await evaluate(chatMessageExpression(locale), { input }))) as {
    content: Record<string, unknown>;
    metadata: Record<string, unknown>;
  };
}

const schema = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true });
const validWebhook = ajv.compile(schema('webhook-notice.v1.schema.json'));
const validChat = ajv.compile(schema('chat-notice.schema.json'));
const PATH_NAMES = ['ALARM', 'ALARM → OK', 'INSUFFICIENT_DATA → OK after ALARM'] as const;
const MATRIX = PATH_NAMES.flatMap((path) => LOCALES.map((locale) => [path, locale] as const));

async function inputOf(path: (typeof PATH_NAMES)[number]): Promise<unknown> {
  const found = (await paths()).find(([name]) => name === path);
  if (!found) throw new Error(`no path ${path}`);
  return found[1];
}

const SLACK = { slack: { workspaceId: 'T012ABCDEFG', channelId: 'C0123456789' } };

const EPISODE_KEY = `${ALARM_NAME}/alarm/2026-11-27T07:05:00Z`;

describe('the relayed notice on every channel', () => {
  it.each(MATRIX)(
    'gives https subscribers a webhook notice valid against its schema, %s, in %s',
    async (path, locale) => {
      const notice = await webhookOf(await inputOf(path), locale);
      expect(validWebhook(notice), JSON.stringify(validWebhook.errors)).toBe(true);
    },
  );

  it.each(MATRIX)(
    'gives chat a custom notification valid against its schema, %s, in %s',
    async (path, locale) => {
      const notice = await chatOf(await inputOf(path), locale);
      expect(validChat(notice), JSON.stringify(validChat.errors)).toBe(true);
    },
  );

  it('keys the firing and its resolution, after ALARM → OK or after a reset, to one episode: the alarm and when it entered ALARM', async () => {
    for (const [, input] of await paths()) {
      expect((await webhookOf(input)).dedupKey).toBe(EPISODE_KEY);
      expect((await chatOf(input)).metadata.threadId).toBe(EPISODE_KEY);
    }
  });

  it('keys a resolution after a reset on the reset when the history does not reach back to ALARM', async () => {
    const { reset } = episode();
    const input = await afterHistory(reset, history(['ALARM', 'INSUFFICIENT_DATA']));
    expect((await webhookOf(input)).dedupKey).toBe(`${ALARM_NAME}/alarm/2026-11-27T08:00:00Z`);
  });

  it('sends https subscribers the firing as the webhook notice, with no account and no figures', async () => {
    expect(await webhookOf(episode().firing)).toEqual({
      schema: 'iletimerkezi-balance-monitor/notice/v1',
      dedupKey: EPISODE_KEY,
      status: 'firing',
      kind: 'monitor-alarm',
      severity: 'CRITICAL',
      account: null,
      level: null,
      previousLevel: null,
      amount: null,
      sms: null,
      balanceAt: null,
      thresholds: { warning: null, critical: null },
      forecast: null,
      failure: null,
      episodeSince: '2026-11-27T07:05:00.123Z',
      decidedAt: '2026-11-27T07:05:00.123Z',
      subject: `ALARM: ${ALARM_NAME}`,
      text:
        `${ALARM_NAME} is in ALARM.\n\nThe latest balance check run failed. What to do: read the log.\n\n` +
        'Reason: Threshold Crossed: now ALARM\nSince: 2026-11-27T07:05:00Z',
    });
  });

  it('sends https subscribers the resolution as resolved, dated when it cleared, in the episode that began at ALARM', async () => {
    const notice = await webhookOf(episode().resolved);
    expect(notice).toMatchObject({
      status: 'resolved',
      kind: 'monitor-alarm-resolved',
      severity: 'CRITICAL',
      account: null,
      episodeSince: '2026-11-27T07:05:00.123Z',
      decidedAt: '2026-11-27T08:10:00.456Z',
      subject: `RESOLVED: ${ALARM_NAME}`,
      text: `RESOLVED: ${ALARM_NAME} is OK again: Threshold Crossed: now OK`,
    });
  });

  it('keeps email, SMS and the other protocols as they were beside the https key', async () => {
    const message = await mainMessage(episode().firing);
    expect(Object.keys(message)).toEqual(['default', 'email', 'sms', 'https']);
    expect(message.default).toBe(message.email);
    expect(message.sms).toBe(`ALARM ${ALARM_NAME}`);
  });

  it('sends chat the firing as a custom notification threaded on the episode', async () => {
    expect(await chatOf(episode().firing)).toEqual({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: `:rotating_light: ALARM: ${ALARM_NAME}`,
        description:
          `${ALARM_NAME} is in ALARM.\n\nThe latest balance check run failed. What to do: read the log.\n\n` +
          'Reason: Threshold Crossed: now ALARM\nSince: 2026-11-27T07:05:00Z',
        nextSteps: [
          'Do what the alarm description says.',
          'The alarm in the CloudWatch console: https://eu-central-1.console.aws.amazon.com/cloudwatch/home' +
            `?region=eu-central-1#alarmsV2:alarm/${ALARM_NAME}`,
        ],
        keywords: [ALARM_NAME, 'CRITICAL', 'monitor-alarm'],
      },
      metadata: {
        threadId: EPISODE_KEY,
        summary: `ALARM: ${ALARM_NAME}`,
        eventType: 'monitor-alarm',
        additionalContext: { alarm: ALARM_NAME, state: 'ALARM', since: '2026-11-27T07:05:00.123Z' },
      },
    });
  });

  it('sends chat the resolution with nothing to do, in the same thread', async () => {
    const notice = await chatOf(episode().resolved);
    expect(notice.content).toMatchObject({
      title: `:white_check_mark: RESOLVED: ${ALARM_NAME}`,
      nextSteps: ['Nothing to do.'],
      keywords: [ALARM_NAME, 'CRITICAL', 'monitor-alarm-resolved'],
    });
    expect(notice.metadata).toMatchObject({ threadId: EPISODE_KEY, eventType: 'monitor-alarm-resolved' });
  });

  it('keeps the key within the schema for the longest alarm names, with their start and their end', async () => {
    const input = episode().firing;
    const name = `${'S'.repeat(128)}-alarm-function-errors`;
    input.detail.alarmName = name;
    const notice = await webhookOf(input);
    const key = String(notice.dedupKey);
    expect(key.length).toBeLessThanOrEqual(DEDUP_KEY_MAX);
    expect(key.startsWith('SSSSSSSSSS')).toBe(true);
    expect(key.endsWith('-alarm-function-errors/alarm/2026-11-27T07:05:00Z')).toBe(true);
    expect(validWebhook(notice), JSON.stringify(validWebhook.errors)).toBe(true);
    expect(validChat(await chatOf(input)), JSON.stringify(validChat.errors)).toBe(true);
  });
});

describe('the relayed notice in Turkish', () => {
  it('words the firing in Turkish: an ASCII subject, the text, and the SMS', async () => {
    const input = episode().firing;
    expect(await evaluate(subjectExpression('tr'), { input })).toBe(`ALARM: ${ALARM_NAME}`);
    const message = await mainMessage(input, 'tr');
    expect(message.email).toBe(
      `${ALARM_NAME} ALARM durumunda.\n\nThe latest balance check run failed. What to do: read the log.\n\n` +
        'Neden: Threshold Crossed: now ALARM\nBaşlangıç: 2026-11-27T07:05:00Z',
    );
    expect(message.sms).toBe(`ALARM ${ALARM_NAME}`);
    expect((await chatOf(input, 'tr')).content.nextSteps).toEqual([
      'Alarm açıklamasındaki adımları izleyin.',
      'CloudWatch konsolunda alarm: https://eu-central-1.console.aws.amazon.com/cloudwatch/home' +
        `?region=eu-central-1#alarmsV2:alarm/${ALARM_NAME}`,
    ]);
  });

  it('words the resolution in Turkish, folded to ASCII in the subject and to GSM-7 in the SMS', async () => {
    const input = episode().resolved;
    expect(await evaluate(subjectExpression('tr'), { input })).toBe(`DUZELDI: ${ALARM_NAME}`);
    const message = await mainMessage(input, 'tr');
    expect(message.email).toBe(`DÜZELDİ: ${ALARM_NAME} yeniden OK durumunda: Threshold Crossed: now OK`);
    expect(message.sms).toBe(`DUZELDI ${ALARM_NAME}`);
    expect(JSON.parse(message.https ?? '').subject).toBe(`DUZELDI: ${ALARM_NAME}`);
    expect((await chatOf(input, 'tr')).content.nextSteps).toEqual(['Yapmanız gereken bir şey yok.']);
  });

  it.each(LOCALES)(
    'keeps the subject ASCII and under the 100 characters SNS accepts, in %s',
    async (locale) => {
      for (const input of [episode().firing, episode().resolved]) {
        input.detail.alarmName = `${'x'.repeat(200)}-alarm-not-running`;
        const subject = String(await evaluate(subjectExpression(locale), { input }));
        expect(subject.length).toBe(99);
        expect(subject).toMatch(/^[\x20-\x7e]+$/);
      }
    },
  );
});

describe('the relay state machine', () => {
  it.each([
    ['without chat channels', withConfig({})],
    ['with chat channels', withConfig({ chat: [SLACK] })],
  ])('is valid Amazon States Language, as synthesized with its references resolved, %s', (_name, config) => {
    const { template } = synthTemplate(config);
    const machine = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    const resources = template.toJSON().Resources;
    const definition = JSON.parse(String(resolveTokens(machine.properties.DefinitionString, resources)));
    const result = validateAsl(definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('publishes only to the main topic without chat channels', () => {
    const definition = definitionOf(withConfig({}));
    expect(Object.keys(definition.States).sort()).toEqual([
      'AfterReset',
      'NothingToResolve',
      'Publish',
      'ReadAlarmHistory',
      'WasInAlarm',
    ]);
  });

  it('words its notices in the configured locale', () => {
    const definition = definitionOf(withConfig({ locale: 'tr', chat: [SLACK] }));
    const [main, chat] = definition.States.PublishEverywhere.Branches;
    expect(main.States.Publish.Arguments.Subject).toBe(subjectExpression('tr'));
    expect(main.States.Publish.Arguments.Message).toBe(messageExpression('tr'));
    expect(chat.States.PublishChat.Arguments.Message).toBe(chatMessageExpression('tr'));
  });
});

/** The relay's definition as synthesized, references resolved: parsed JSON, walked by state name. */
function definitionOf(config: unknown) {
  const { template } = synthTemplate(config);
  const machine = onlyResource(template, 'AWS::StepFunctions::StateMachine');
  const resources = template.toJSON().Resources;
  return JSON.parse(String(resolveTokens(machine.properties.DefinitionString, resources)));
}

describe('the relay with chat channels', () => {
  const { template, stack } = synthTemplate(withConfig({ chat: [SLACK] }));
  const chat = stack.monitor.chat;
  if (!chat) throw new Error('the chat channels were not built');
  const machine = onlyResource(template, 'AWS::StepFunctions::StateMachine');
  const definition = JSON.parse(
    String(resolveTokens(machine.properties.DefinitionString, template.toJSON().Resources)),
  );
  const RETRY = [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 5, BackoffRate: 2 }];

  it('publishes to the main topic and the chat topic side by side, after the same choices', () => {
    expect(definition.States.AfterReset.Default).toBe('PublishEverywhere');
    expect(definition.States.WasInAlarm.Choices).toEqual([
      { Condition: '{% $resetFromAlarm %}', Next: 'PublishEverywhere' },
    ]);
    const everywhere = definition.States.PublishEverywhere;
    expect(everywhere.Type).toBe('Parallel');
    expect(everywhere.Branches.map((b: { StartAt: string }) => b.StartAt)).toEqual([
      'Publish',
      'PublishChat',
    ]);
    expect(everywhere.Next).toBe('AllPublished');
  });

  it('sends the chat topic the custom notification alone, with the severity and kind attributes', () => {
    const publishChat = definition.States.PublishEverywhere.Branches[1].States.PublishChat;
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toContain(logicalId(chat.topic));
    expect(publishChat.Resource).toBe('arn:aws:states:::sns:publish');
    expect(publishChat.Arguments).toEqual({
      TopicArn: resolveTokens({ Ref: logicalId(chat.topic) }, template.toJSON().Resources),
      Message: chatMessageExpression('en'),
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'CRITICAL' },
        kind: { DataType: 'String', StringValue: KIND_EXPRESSION },
      },
    });
  });

  it('retries each publish on its own and catches a refusal, so the other publish goes on', () => {
    const [main, chatBranch] = definition.States.PublishEverywhere.Branches;
    expect(main.States.Publish.Retry).toEqual(RETRY);
    expect(chatBranch.States.PublishChat.Retry).toEqual(RETRY);
    expect(main.States.Publish.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], Output: '{% $states.errorOutput %}', Next: 'TopicRefused' },
    ]);
    expect(chatBranch.States.PublishChat.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], Output: '{% $states.errorOutput %}', Next: 'ChatRefused' },
    ]);
    expect(main.States.TopicRefused).toMatchObject({ Type: 'Pass', End: true });
    expect(chatBranch.States.ChatRefused).toMatchObject({ Type: 'Pass', End: true });
  });

  it('fails the execution when either publish was refused after its retries, so relay-failed tells it', async () => {
    const [main, chatBranch] = definition.States.PublishEverywhere.Branches;
    const refusal = { Error: 'SNS.AuthorizationErrorException', Cause: 'not authorized' };
    const chatRefused = await evaluate(chatBranch.States.ChatRefused.Output, { input: refusal });
    const topicRefused = await evaluate(main.States.TopicRefused.Output, { input: refusal });
    expect(chatRefused).toEqual({ refused: 'chat', ...refusal });
    const published = { MessageId: 'c0ffee' };
    const allPublished = definition.States.AllPublished;
    const [rule] = allPublished.Choices;
    expect(rule.Next).toBe('NotDelivered');
    expect(allPublished.Default).toBe('Published');
    for (const [outputs, fails] of [
      [[published, published], false],
      [[published, chatRefused], true],
      [[topicRefused, published], true],
      [[topicRefused, chatRefused], true],
    ] as const) {
      expect(await evaluate(rule.Condition, { input: outputs })).toBe(fails);
    }
    expect(definition.States.NotDelivered).toMatchObject({ Type: 'Fail', Error: 'AlarmNoticeRefused' });
    expect(
      JSON.parse(
        String(await evaluate(definition.States.NotDelivered.Cause, { input: [published, chatRefused] })),
      ),
    ).toEqual({ refused: 'chat', ...refusal });
  });

  it('may publish to both topics, and read its own alarms history, nothing else', () => {
    const roleId = logicalId(stack.monitor.alarmNotices.stateMachine.role);
    expect(statementsOfRole(template, roleId)).toEqual([
      {
        Action: 'cloudwatch:DescribeAlarmHistory',
        Effect: 'Allow',
        Resource: 'arn:aws:cloudwatch:eu-central-1:123456789012:alarm:IletiMerkeziBalanceMonitor-alarm-*',
      },
      {
        Action: 'sns:Publish',
        Effect: 'Allow',
        Resource: [{ Ref: logicalId(chat.topic) }, { Ref: logicalId(stack.monitor.topic) }],
      },
    ]);
  });
});
