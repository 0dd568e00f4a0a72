import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type Issue, type MonitorConfig, parseMonitorConfig } from '../core/config.js';
import { ENV, MONITOR_CONFIG_FILE } from '../core/contract.js';

/** What the function needs from its environment, validated once per cold start. */
export interface Environment {
  readonly config: MonitorConfig;
  readonly topicArn: string;
  /** The topic only the chat channels subscribe to; absent when no chat channel is configured. */
  readonly chatTopicArn?: string;
  readonly tableName: string;
}

const TOPIC_ARN_SHAPE = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const TABLE_NAME_SHAPE = /^[A-Za-z0-9_.-]{3,255}$/;

/** Reads a file as UTF-8, or undefined when there is none. */
export type ReadText = (file: string) => string | undefined;

const readText: ReadText = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

/**
 * Throws a ConfigError naming each variable, file or field that is missing or malformed. The file
 * is read from LAMBDA_TASK_ROOT, where Lambda unpacks the function's code.
 */
export function readEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  read: ReadText = readText,
): Environment {
  const issues: Issue[] = [];
  let config: MonitorConfig | undefined;
  const taskRoot = env[ENV.taskRoot];
  if (!taskRoot) {
    issues.push({
      path: ENV.taskRoot,
      message: `is not set (Lambda sets it to the directory holding ${MONITOR_CONFIG_FILE})`,
    });
  } else {
    const rawConfig = read(path.join(taskRoot, MONITOR_CONFIG_FILE));
    if (rawConfig === undefined) {
      issues.push({
        path: MONITOR_CONFIG_FILE,
        message: `is missing from the function's code (the stack writes it at synth)`,
      });
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawConfig);
      } catch {
        issues.push({ path: MONITOR_CONFIG_FILE, message: `is not valid JSON` });
      }
      if (parsed !== undefined) {
        const result = parseMonitorConfig(parsed);
        if (result.ok) config = result.value;
        else
          issues.push(
            ...result.issues.map((i) => ({ ...i, path: `${MONITOR_CONFIG_FILE} ${i.path}`.trim() })),
          );
      }
    }
  }
  const topicArn = env[ENV.topicArn] ?? '';
  if (!TOPIC_ARN_SHAPE.test(topicArn))
    issues.push({ path: ENV.topicArn, message: `must be an SNS topic ARN, got ${JSON.stringify(topicArn)}` });
  const chatTopicArn = env[ENV.chatTopicArn];
  if (chatTopicArn !== undefined && !TOPIC_ARN_SHAPE.test(chatTopicArn))
    issues.push({
      path: ENV.chatTopicArn,
      message: `must be an SNS topic ARN when set, got ${JSON.stringify(chatTopicArn)}`,
    });
  const tableName = env[ENV.tableName] ?? '';
  if (!TABLE_NAME_SHAPE.test(tableName))
    issues.push({
      path: ENV.tableName,
      message: `must be a DynamoDB table name, got ${JSON.stringify(tableName)}`,
    });
  if (issues.length > 0 || !config) throw new ConfigError('function environment', issues);
  return { config, topicArn, ...(chatTopicArn === undefined ? {} : { chatTopicArn }), tableName };
}
