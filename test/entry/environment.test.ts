import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/config.js';
import { readEnvironment } from '../../lambda/entry/environment.js';

const valid = {
  MONITOR_CONFIG: JSON.stringify({ accounts: [{ name: 'main', thresholds: { warning: { amount: 100 } } }] }),
  TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:balance-alerts',
  TABLE_NAME: 'balance-monitor-state',
};

function messageOf(env: Record<string, string | undefined>): string {
  try {
    readEnvironment(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('readEnvironment', () => {
  it('reads a valid environment', () => {
    const environment = readEnvironment(valid);
    expect(environment.topicArn).toBe(valid.TOPIC_ARN);
    expect(environment.tableName).toBe(valid.TABLE_NAME);
    expect(environment.config.accounts[0]?.name).toBe('main');
  });

  it('reads the chat topic when chat channels are configured, and leaves it out otherwise', () => {
    const chat = 'arn:aws:sns:eu-central-1:123456789012:balance-chat';
    expect(readEnvironment({ ...valid, CHAT_TOPIC_ARN: chat }).chatTopicArn).toBe(chat);
    expect(readEnvironment(valid).chatTopicArn).toBeUndefined();
  });

  it('names CHAT_TOPIC_ARN when it is set but not a topic ARN', () => {
    expect(messageOf({ ...valid, CHAT_TOPIC_ARN: '' })).toContain(
      'CHAT_TOPIC_ARN: must be an SNS topic ARN when set, got ""',
    );
  });

  it('names MONITOR_CONFIG when it is missing', () => {
    expect(messageOf({ ...valid, MONITOR_CONFIG: undefined })).toContain('MONITOR_CONFIG: is not set');
  });

  it('names MONITOR_CONFIG when it is not JSON', () => {
    expect(messageOf({ ...valid, MONITOR_CONFIG: '{accounts' })).toContain(
      'MONITOR_CONFIG: is not valid JSON',
    );
  });

  it('names the field inside MONITOR_CONFIG that is wrong', () => {
    const config = JSON.stringify({ accounts: [{ name: 'main', thresholds: { warning: { amount: -5 } } }] });
    expect(messageOf({ ...valid, MONITOR_CONFIG: config })).toContain(
      'MONITOR_CONFIG accounts[0].thresholds.warning.amount: must be at least 0',
    );
  });

  it('names TOPIC_ARN when it is not a topic ARN', () => {
    expect(messageOf({ ...valid, TOPIC_ARN: 'balance-alerts' })).toContain(
      'TOPIC_ARN: must be an SNS topic ARN',
    );
  });

  it('names TABLE_NAME when it is missing', () => {
    expect(messageOf({ ...valid, TABLE_NAME: undefined })).toContain(
      'TABLE_NAME: must be a DynamoDB table name',
    );
  });

  it('lists every bad variable in one message', () => {
    const message = messageOf({});
    expect(message).toContain('MONITOR_CONFIG');
    expect(message).toContain('TOPIC_ARN');
    expect(message).toContain('TABLE_NAME');
  });
});
