import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BalanceMonitorStack } from '../../infra/balance-monitor-stack.js';
import { configurationName } from '../../infra/chat-channels.js';
import { parseStackConfig } from '../../infra/config.js';
import { formatIssue } from '../../lambda/core/config.js';
import {
  buildStack,
  EXAMPLE_CONFIG,
  logicalId,
  onlyResource,
  statementsOfRole,
  synthTemplate,
  withConfig,
} from './fixture.js';

const SLACK = { slack: { workspaceId: 'T012ABCDEFG', channelId: 'C0123456789' } };
const TEAMS = {
  teams: {
    teamId: '74361522-da01-538d-aa2e-ac7918c6bb92',
    channelId: '19:0a1b2c3d4e5f@thread.tacv2',
    tenantId: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
  },
};
const WITH_CHAT = withConfig({ subscriptions: [{ email: 'ops@example.com' }], chat: [SLACK, TEAMS] });

let template: Template;
let stack: BalanceMonitorStack;
let chatTopic: string;

beforeAll(() => {
  ({ template, stack } = synthTemplate(WITH_CHAT));
  const chat = stack.monitor.chat;
  if (!chat) throw new Error('the chat channels were not built');
  chatTopic = logicalId(chat.topic);
});

describe('chat channels', () => {
  it('configure the Slack channel, subscribed to the chat topic', () => {
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T012ABCDEFG',
      SlackChannelId: 'C0123456789',
      SnsTopicArns: [{ Ref: chatTopic }],
      ConfigurationName: 'IletiMerkeziBalanceMonitor-slack-1',
    });
  });

  it('configure the Teams channel with its URL-encoded channel ID, subscribed to the chat topic', () => {
    template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      TeamId: TEAMS.teams.teamId,
      TeamsTenantId: TEAMS.teams.tenantId,
      TeamsChannelId: '19%3a0a1b2c3d4e5f%40thread.tacv2',
      SnsTopicArns: [{ Ref: chatTopic }],
      ConfigurationName: 'IletiMerkeziBalanceMonitor-teams-2',
    });
  });

  it('deny every action from the channel: the AWSDenyAll guardrail on both', () => {
    const denyAll = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AWSDenyAll']],
    };
    for (const type of [
      'AWS::Chatbot::SlackChannelConfiguration',
      'AWS::Chatbot::MicrosoftTeamsChannelConfiguration',
    ]) {
      template.hasResourceProperties(type, {
        GuardrailPolicies: [denyAll],
        UserRoleRequired: false,
        LoggingLevel: 'NONE',
      });
    }
  });

  it('share one role that only Amazon Q Developer may assume and that carries no permissions', () => {
    const roleId = logicalId(stack.monitor.chat?.role ?? stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Principal: { Service: 'chatbot.amazonaws.com' }, Action: 'sts:AssumeRole' }),
        ],
      },
      ManagedPolicyArns: Match.absent(),
      Policies: Match.absent(),
    });
    expect(statementsOfRole(template, roleId)).toEqual([]);
  });

  it('have a topic nobody else subscribes to, so no other subscriber sees the chat JSON', () => {
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')) as {
      Properties: { TopicArn: unknown };
    }[];
    expect(subscriptions.length).toBeGreaterThan(0);
    expect(subscriptions.filter((s) => JSON.stringify(s.Properties.TopicArn).includes(chatTopic))).toEqual(
      [],
    );
  });

  it('refuse publishing to the chat topic without TLS, and let only the relay-failed alarm publish as CloudWatch', () => {
    const relayFailed = logicalId(stack.monitor.alarmNotices.relayFailedAlarm);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: chatTopic }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'RelayFailedAlarmPublishes',
            Action: 'sns:Publish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: {
              ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [relayFailed, 'Arn'] } },
              StringEquals: { 'aws:SourceAccount': '123456789012' },
            },
            Resource: { Ref: chatTopic },
          },
        ],
      },
    });
  });

  it('receive the relay-failed alarm straight from CloudWatch, which Amazon Q Developer renders as it is', () => {
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties.AlarmName === 'IletiMerkeziBalanceMonitor-relay-failed',
    );
    expect(alarm?.Properties.AlarmActions).toEqual([
      { Ref: logicalId(stack.monitor.topic) },
      { Ref: chatTopic },
    ]);
  });

  it("give the function the chat topic's ARN and the right to publish to it", () => {
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.properties.Environment).toMatchObject({ Variables: { CHAT_TOPIC_ARN: { Ref: chatTopic } } });
    const fnRole = logicalId(stack.monitor.fn.role ?? stack.monitor.fn);
    const publish = statementsOfRole(template, fnRole).filter((st) => st.Action === 'sns:Publish');
    expect(publish).toEqual([
      {
        Action: 'sns:Publish',
        Effect: 'Allow',
        Resource: expect.arrayContaining([{ Ref: chatTopic }, { Ref: logicalId(stack.monitor.topic) }]),
      },
    ]);
  });

  it("name the chat topic in the stack's outputs", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const chatOutputs = Object.entries(outputs).filter(([key]) => key.includes('ChatTopicArn'));
    expect(chatOutputs.map(([, o]) => o.Value)).toEqual([{ Ref: chatTopic }]);
  });

  it('are absent without chat configuration: no chat topic, no variable', () => {
    const { template: plain } = synthTemplate(EXAMPLE_CONFIG);
    expect(Object.keys(plain.findResources('AWS::SNS::Topic'))).toHaveLength(1);
    plain.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    const fn = onlyResource(plain, 'AWS::Lambda::Function');
    expect(JSON.stringify(fn.properties.Environment)).not.toContain('CHAT_TOPIC_ARN');
  });

  it('pass cdk-nag with a Slack and a Teams channel', () => {
    const { app, packs } = buildStack(WITH_CHAT);
    const violations = packs.flatMap((pack) =>
      pack
        .validateScope(app)
        .violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`),
    );
    expect(violations).toEqual([]);
  });
});

describe('chat configuration names', () => {
  it('stay within the 128 characters Amazon Q Developer allows, and its character set', () => {
    const name = configurationName(
      `A${'b'.repeat(127)}`,
      { kind: 'slack', workspaceId: 'T1', channelId: 'C1' },
      9,
    );
    expect(name.length).toBeLessThanOrEqual(128);
    expect(name).toMatch(/^[A-Za-z0-9_-]+-slack-10$/);
  });
});

describe('chat configuration', () => {
  const errorsOf = (chat: unknown) => {
    const result = parseStackConfig({ ...EXAMPLE_CONFIG, chat });
    return result.ok ? [] : result.issues.map((issue) => formatIssue(issue));
  };

  it('accepts a Slack and a Teams channel', () => {
    expect(errorsOf([SLACK, TEAMS])).toEqual([]);
  });

  it('accepts a Teams channel ID already URL-encoded', () => {
    expect(errorsOf([{ teams: { ...TEAMS.teams, channelId: '19%3aabc%40thread.tacv2' } }])).toEqual([]);
  });

  it('names the field of a malformed Slack workspace and channel', () => {
    expect(errorsOf([{ slack: { workspaceId: 't012-abc', channelId: '#alerts' } }])).toEqual([
      expect.stringMatching(/^chat\[0\]\.slack\.workspaceId: must be the Slack workspace ID/),
      expect.stringMatching(/^chat\[0\]\.slack\.channelId: must be the Slack channel ID/),
    ]);
  });

  it('names each missing or malformed Teams field', () => {
    expect(errorsOf([{ teams: { teamId: 'my-team', channelId: 'general' } }])).toEqual([
      expect.stringMatching(/^chat\[0\]\.teams\.teamId: must be the team ID .* \(a UUID\)/),
      'chat[0].teams.tenantId: is required',
      expect.stringMatching(/^chat\[0\]\.teams\.channelId: must be the Teams channel ID/),
    ]);
  });

  it('refuses an entry that is neither Slack nor Teams, or both', () => {
    expect(errorsOf([{ discord: {} }, { ...SLACK, ...TEAMS }])).toEqual([
      expect.stringMatching(/^chat\[0\]: must be \{ "slack"/),
      expect.stringMatching(/^chat\[1\]: must be \{ "slack"/),
    ]);
  });

  it('refuses unknown fields, naming them', () => {
    expect(errorsOf([{ slack: { ...SLACK.slack, channelName: 'alerts' } }])).toEqual([
      'chat[0].slack.channelName: unknown field (allowed: workspaceId, channelId)',
    ]);
  });

  it('refuses the same channel twice', () => {
    expect(errorsOf([SLACK, SLACK])).toEqual(['chat[1]: duplicate chat channel slack C0123456789']);
  });

  it('refuses more channels than one stack configures', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({
      slack: { workspaceId: 'T012ABCDEFG', channelId: `C${i}` },
    }));
    expect(errorsOf(many)).toEqual(['chat: at most 10 chat channels, got 11']);
  });

  it('must be an array', () => {
    expect(errorsOf(SLACK)).toEqual([expect.stringMatching(/^chat: must be an array/)]);
  });
});
