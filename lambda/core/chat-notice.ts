import { episodeKey, type NoticeText, type Notification, RESOLVING_KINDS } from './notification.js';

/**
 * The notice as an Amazon Q Developer (formerly AWS Chatbot) custom notification: the only shape
 * a chat channel shows; plain text is dropped there as an unsupported event. Schema: "Custom
 * notifications using Amazon Q Developer in chat applications" (version "1.0", source "custom").
 */

/**
 * Length limits kept. title and description are the service's documented limits; the others are
 * this project's own bounds, well inside what a chat message shows.
 */
export const CHAT_LIMITS = {
  title: 250,
  description: 8000,
  nextSteps: 10,
  nextStep: 500,
  keywords: 5,
  keyword: 75,
  threadId: 128,
  summary: 250,
  eventType: 100,
  additionalContext: 5,
  contextValue: 200,
} as const;

export interface ChatNotice {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    /** Stable per account episode: a firing, its reminders and its resolution form one thread. */
    readonly threadId: string;
    readonly summary: string;
    /** The notice kind (pattern [a-zA-Z0-9-]+, what custom actions match on). */
    readonly eventType: string;
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

/** Cut to `max` characters (code points), marking the cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function badge(n: Notification): string {
  if (RESOLVING_KINDS.includes(n.kind)) return ':white_check_mark:';
  return n.severity === 'CRITICAL' ? ':rotating_light:' : ':warning:';
}

export interface ChatParts {
  readonly badge: string;
  readonly threadId: string;
  readonly eventType: string;
  readonly keywords: readonly string[];
  readonly additionalContext: Readonly<Record<string, string>>;
}

/** The custom notification from its parts; every field held to CHAT_LIMITS. */
export function chatNoticeOf(text: NoticeText, parts: ChatParts): ChatNotice {
  const description = [text.headline, '', ...text.facts, '', ...text.footer].join('\n');
  return {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: clip(`${parts.badge} ${text.subject}`, CHAT_LIMITS.title),
      description: clip(description, CHAT_LIMITS.description),
      nextSteps: text.nextSteps.slice(0, CHAT_LIMITS.nextSteps).map((s) => clip(s, CHAT_LIMITS.nextStep)),
      keywords: parts.keywords.slice(0, CHAT_LIMITS.keywords).map((k) => clip(k, CHAT_LIMITS.keyword)),
    },
    metadata: {
      threadId: clip(parts.threadId, CHAT_LIMITS.threadId),
      summary: clip(text.subject, CHAT_LIMITS.summary),
      eventType: parts.eventType,
      additionalContext: Object.fromEntries(
        Object.entries(parts.additionalContext)
          .slice(0, CHAT_LIMITS.additionalContext)
          .map(([key, value]) => [key, clip(value, CHAT_LIMITS.contextValue)]),
      ),
    },
  };
}

export function chatNotice(n: Notification, text: NoticeText): ChatNotice {
  const context: Record<string, string> = { account: n.account, level: n.level };
  if (n.balance) {
    context.amount = String(n.balance.amount);
    context.sms = String(n.balance.sms);
  }
  if (n.forecast) context.daysToEmpty = String(Math.round(n.forecast.daysToEmpty * 10) / 10);
  return chatNoticeOf(text, {
    badge: badge(n),
    threadId: episodeKey(n),
    eventType: n.kind,
    keywords: [n.account, n.level, n.kind],
    additionalContext: context,
  });
}

export function renderChatNotice(n: Notification, text: NoticeText): string {
  return JSON.stringify(chatNotice(n, text));
}
