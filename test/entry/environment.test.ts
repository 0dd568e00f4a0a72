import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/config.js';
import { MONITOR_CONFIG_FILE } from '../../lambda/core/contract.js';
import { readEnvironment } from '../../lambda/entry/environment.js';

const TASK_ROOT = path.join(path.sep, 'var', 'task');
const CONFIG_PATH = path.join(TASK_ROOT, MONITOR_CONFIG_FILE);
const VALID_CONFIG = JSON.stringify({
  accounts: [{ name: 'main', thresholds: { warning: { amount: 100 } } }],
});

const valid = {
  LAMBDA_TASK_ROOT: TASK_ROOT,
  TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:balance-alerts',
  TABLE_NAME: 'balance-monitor-state',
};

/** A task root holding exactly these files. */
function files(content: Record<string, string>) {
  const read: string[] = [];
  return {
    read,
    reader: (file: string): string | undefined => {
      read.push(file);
      return content[file];
    },
  };
}

/** `config` null: no file at all. */
function messageOf(env: Record<string, string | undefined>, config: string | null = VALID_CONFIG): string {
  try {
    readEnvironment(env, files(config === null ? {} : { [CONFIG_PATH]: config }).reader);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('readEnvironment', () => {
  it('reads the configuration file from the task root and the variables', () => {
    const { read, reader } = files({ [CONFIG_PATH]: VALID_CONFIG });
    const environment = readEnvironment(valid, reader);
    expect(read).toEqual([CONFIG_PATH]);
    expect(environment.topicArn).toBe(valid.TOPIC_ARN);
    expect(environment.tableName).toBe(valid.TABLE_NAME);
    expect(environment.config.accounts[0]?.name).toBe('main');
    expect(environment.config.accountMetrics).toBe(false);
  });

  it('passes accountMetrics on from the file', () => {
    const config = JSON.stringify({ ...JSON.parse(VALID_CONFIG), accountMetrics: true });
    const environment = readEnvironment(valid, files({ [CONFIG_PATH]: config }).reader);
    expect(environment.config.accountMetrics).toBe(true);
  });

  it('reads the chat topic when chat channels are configured, and leaves it out otherwise', () => {
    const chat = 'arn:aws:sns:eu-central-1:123456789012:balance-chat';
    const reader = files({ [CONFIG_PATH]: VALID_CONFIG }).reader;
    expect(readEnvironment({ ...valid, CHAT_TOPIC_ARN: chat }, reader).chatTopicArn).toBe(chat);
    expect(readEnvironment(valid, reader).chatTopicArn).toBeUndefined();
  });

  it('names CHAT_TOPIC_ARN when it is set but not a topic ARN', () => {
    expect(messageOf({ ...valid, CHAT_TOPIC_ARN: '' })).toContain(
      'CHAT_TOPIC_ARN: must be an SNS topic ARN when set, got ""',
    );
  });

  it('names the configuration file when it is missing', () => {
    expect(messageOf(valid, null)).toContain(`${MONITOR_CONFIG_FILE}: is missing from the function's code`);
  });

  it('names LAMBDA_TASK_ROOT when it is not set', () => {
    expect(messageOf({ ...valid, LAMBDA_TASK_ROOT: undefined })).toContain('LAMBDA_TASK_ROOT: is not set');
  });

  it('names the configuration file when it is not JSON', () => {
    expect(messageOf(valid, '{accounts')).toContain(`${MONITOR_CONFIG_FILE}: is not valid JSON`);
  });

  it('names the field inside the configuration file that is wrong', () => {
    const config = JSON.stringify({ accounts: [{ name: 'main', thresholds: { warning: { amount: -5 } } }] });
    expect(messageOf(valid, config)).toContain(
      `${MONITOR_CONFIG_FILE} accounts[0].thresholds.warning.amount: must be at least 0`,
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

  it('lists every bad variable and the missing file in one message', () => {
    const message = messageOf({ LAMBDA_TASK_ROOT: TASK_ROOT }, null);
    expect(message).toContain(MONITOR_CONFIG_FILE);
    expect(message).toContain('TOPIC_ARN');
    expect(message).toContain('TABLE_NAME');
  });
});
