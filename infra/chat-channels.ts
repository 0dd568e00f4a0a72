import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { TOPIC_DISPLAY_NAME } from '../lambda/core/gsm.js';
import type { ChatChannelConfig } from './config.js';

/**
 * The chat channels: Amazon Q Developer in chat applications (formerly AWS Chatbot) channel
 * configurations for Slack and Microsoft Teams, fed by a topic of their own.
 *
 * Why a second topic: a chat channel shows only Amazon Q Developer's custom-notification JSON and
 * drops anything else, while email, SMS and https subscribers must never see that JSON. Only the
 * channel configurations subscribe to this topic; the function publishes each notice's chat
 * rendering here and its other renderings to the main topic.
 *
 * Least privilege: channel members only read notifications. The role carries no permissions, and
 * the guardrail is AWS's AWSDenyAll, so no command typed in the channel can act on the account
 * (without a guardrail Amazon Q Developer applies AdministratorAccess).
 */

export interface ChatChannelsProps {
  readonly channels: readonly ChatChannelConfig[];
  /** Prefix of the configuration names (unique per account): the stack name. */
  readonly prefix: string;
}

/** Amazon Q Developer's configuration names: [A-Za-z0-9-_], 1 to 128 characters. */
export const CONFIGURATION_NAME_MAX = 128;

export function configurationName(prefix: string, channel: ChatChannelConfig, index: number): string {
  const suffix = `-${channel.kind}-${index + 1}`;
  const safe = prefix.replace(/[^A-Za-z0-9_-]/g, '-');
  return `${safe.slice(0, CONFIGURATION_NAME_MAX - suffix.length)}${suffix}`;
}

export class ChatChannels extends Construct {
  /** The topic only chat subscribes to. */
  readonly topic: sns.Topic;
  readonly role: iam.Role;
  readonly slack: chatbot.SlackChannelConfiguration[] = [];
  readonly teams: chatbot.CfnMicrosoftTeamsChannelConfiguration[] = [];

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      ...(TOPIC_DISPLAY_NAME === undefined ? {} : { displayName: TOPIC_DISPLAY_NAME }),
      enforceSSL: true,
    });
    this.role = new iam.Role(this, 'ChannelRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'iletiMerkezi balance monitor chat channels: notifications only, no permissions.',
    });
    const guardrail = iam.ManagedPolicy.fromAwsManagedPolicyName('AWSDenyAll');

    props.channels.forEach((channel, index) => {
      const name = configurationName(props.prefix, channel, index);
      if (channel.kind === 'slack') {
        this.slack.push(
          new chatbot.SlackChannelConfiguration(this, `Slack${index + 1}`, {
            slackChannelConfigurationName: name,
            slackWorkspaceId: channel.workspaceId,
            slackChannelId: channel.channelId,
            role: this.role,
            notificationTopics: [this.topic],
            guardrailPolicies: [guardrail],
            loggingLevel: chatbot.LoggingLevel.NONE,
            userRoleRequired: false,
          }),
        );
      } else {
        this.teams.push(
          new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, `Teams${index + 1}`, {
            configurationName: name,
            teamId: channel.teamId,
            teamsChannelId: channel.channelId,
            teamsTenantId: channel.tenantId,
            iamRoleArn: this.role.roleArn,
            snsTopicArns: [this.topic.topicArn],
            guardrailPolicies: [guardrail.managedPolicyArn],
            loggingLevel: 'NONE',
            userRoleRequired: false,
          }),
        );
      }
    });
  }
}
