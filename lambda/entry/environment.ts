import { ConfigError, type MonitorConfig, parseMonitorConfig } from '../core/config.js';

/** What the function needs from its environment, validated once per cold start. */
export interface Environment {
  readonly config: MonitorConfig;
  readonly topicArn: string;
  /** The topic only the chat channels subscribe to; absent when no chat channel is configured. */
  readonly chatTopicArn?: string;
  readonly tableName: string;
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** Throws a ConfigError naming each variable that is missing or malformed. */
export function readEnvironment(env: Readonly<Record<string, string | undefined>>): Environment {
  const errors: string[] = [];
  let config: MonitorConfig | undefined;
  const rawConfig = env.MONITOR_CONFIG;
  if (!rawConfig) {
    errors.push('MONITOR_CONFIG: is not set (the JSON monitor configuration the stack writes)');
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawConfig);
    } catch {
      errors.push('MONITOR_CONFIG: is not valid JSON');
    }
    if (parsed !== undefined) {
      const result = parseMonitorConfig(parsed);
      if (result.ok) config = result.value;
      else errors.push(...result.errors.map((e) => `MONITOR_CONFIG ${e}`));
    }
  }
  const topicArn = env.TOPIC_ARN ?? '';
  if (!TOPIC_ARN.test(topicArn))
    errors.push(`TOPIC_ARN: must be an SNS topic ARN, got ${JSON.stringify(topicArn)}`);
  const chatTopicArn = env.CHAT_TOPIC_ARN;
  if (chatTopicArn !== undefined && !TOPIC_ARN.test(chatTopicArn))
    errors.push(`CHAT_TOPIC_ARN: must be an SNS topic ARN when set, got ${JSON.stringify(chatTopicArn)}`);
  const tableName = env.TABLE_NAME ?? '';
  if (!TABLE_NAME.test(tableName))
    errors.push(`TABLE_NAME: must be a DynamoDB table name, got ${JSON.stringify(tableName)}`);
  if (errors.length > 0 || !config) throw new ConfigError('function environment', errors);
  return { config, topicArn, ...(chatTopicArn === undefined ? {} : { chatTopicArn }), tableName };
}
