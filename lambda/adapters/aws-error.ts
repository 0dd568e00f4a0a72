/**
 * What the adapters need to know about an AWS SDK error: its name, and whether waiting helps.
 * Duck-typed on purpose: the SDK's exception classes differ per client package.
 */

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'SlowDown',
]);

/** Expired request signatures heal with the runtime's next credentials. */
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'RequestTimeout']);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  /** Some services model their message as `Message`; the SDK usually copies it to `message`. */
  readonly Message?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

export function awsErrorName(error: unknown): string {
  const name = shape(error).name;
  return typeof name === 'string' && name.length > 0 ? name : 'UnknownError';
}

/**
 * The error's own message, cut short; AWS messages name resources and actions, never values we
 * sent. `redact` runs before the cut, so a value echoed across the cut is still masked whole.
 */
export function awsErrorMessage(
  error: unknown,
  limit = 160,
  redact: (text: string) => string = (t) => t,
): string {
  const { message, Message } = shape(error);
  const text = typeof message === 'string' && message.length > 0 ? message : Message;
  if (typeof text !== 'string') return '';
  const line = redact(text.replace(/\s+/g, ' ').trim());
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}

export function httpStatusOf(error: unknown): number | undefined {
  const status = shape(error).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * True when trying again later may succeed: throttling, a server fault, or no answer at all
 * (network errors and timeouts carry no HTTP status). A client fault means our setup is wrong.
 */
export function isTransientAwsError(error: unknown): boolean {
  const name = awsErrorName(error);
  if (name === 'CredentialsProviderError') return false;
  if (THROTTLING.has(name) || /throttl/i.test(name) || EXPIRED.has(name)) return true;
  const { $fault } = shape(error);
  const status = httpStatusOf(error);
  if ($fault === 'server' || (status !== undefined && status >= 500)) return true;
  if (status === 429) return true;
  return $fault !== 'client' && status === undefined;
}
