import type { ServerResponse } from 'node:http';
import {
  answerByContract,
  type BalanceFields,
  JSON_TYPE,
  PROVIDER_MESSAGES,
  type RecordedRequest,
  SANDBOX_BALANCE,
  SANDBOX_CREDENTIALS,
  type SandboxProvider,
  type SandboxProviderOptions,
  send,
  sendJson,
  startSandboxProvider,
  statusBody,
  successBody,
} from '../lambda/adapters/sandbox-provider.js';

/**
 * The sandbox provider of the local command, misbehaving on cue the way a real API, proxy or
 * network can: the tests check the client against it, and the bench runs the function against it.
 */

/** One way to answer the next request; a queue of them is consumed in order, then the default. */
export type Cue =
  /** Behave as the provider does: 404 off the endpoint, 400 for a bad body, 401 for bad credentials, else 200. */
  | { readonly kind: 'contract' }
  /** The provider's JSON error shape with `code`, sent with HTTP `httpStatus` (default: `code`). */
  | {
      readonly kind: 'status';
      readonly code: number;
      readonly message?: string;
      readonly httpStatus?: number;
    }
  /** 429 (or `status`) with a Retry-After header. */
  | { readonly kind: 'retry-after'; readonly retryAfter: string; readonly status?: number }
  /** An HTML error page, as a proxy or load balancer sends it. */
  | { readonly kind: 'html'; readonly status: number }
  | { readonly kind: 'malformed-json'; readonly status?: number }
  /** Any body and status, verbatim. */
  | {
      readonly kind: 'raw';
      readonly status: number;
      readonly body: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** HTTP 200, status 200, with this `balance` value (anything: missing fields, null, strings…). */
  | { readonly kind: 'balance'; readonly balance: unknown }
  /** HTTP 200, status 200, and no `balance` at all. */
  | { readonly kind: 'missing-balance' }
  /** The request's key and hash written back into the status message, as a careless server might. */
  | { readonly kind: 'echo-credentials'; readonly status?: number }
  /** Wait, then answer as `then` (default: the contract). */
  | { readonly kind: 'delay'; readonly ms: number; readonly then?: Cue }
  /** Never answer; the socket stays open until the client gives up or the server closes. */
  | { readonly kind: 'hang' }
  /** Destroy the connection before any byte of the answer. */
  | { readonly kind: 'reset' }
  /** Send the headers and part of a valid body, then destroy the connection. */
  | { readonly kind: 'reset-mid-body' }
  /** Stream a body of `bytes` bytes (default 10 MB) with HTTP `status` (default 200). */
  | { readonly kind: 'huge-body'; readonly bytes?: number; readonly status?: number };

export interface ProviderServer extends SandboxProvider {
  setBalance(balance: BalanceFields): void;
  enqueue(...cues: Cue[]): void;
  setDefault(cue: Cue): void;
}

export type ProviderServerOptions = Pick<SandboxProviderOptions, 'credentials' | 'balance'>;

const DEFAULT_HUGE_BYTES = 10 * 1024 * 1024;

export async function startProviderServer(options: ProviderServerOptions = {}): Promise<ProviderServer> {
  const credentials = options.credentials ?? SANDBOX_CREDENTIALS;
  let balance: BalanceFields = options.balance ?? SANDBOX_BALANCE;
  const queue: Cue[] = [];
  let fallback: Cue = { kind: 'contract' };
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const answer = (cue: Cue, request: RecordedRequest, res: ServerResponse): void => {
    switch (cue.kind) {
      case 'contract':
        answerByContract(request, res, credentials, balance);
        break;
      case 'status':
        sendJson(res, cue.httpStatus ?? cue.code, statusBody(cue.code, cue.message));
        break;
      case 'retry-after':
        sendJson(res, cue.status ?? 429, statusBody(cue.status ?? 429), { 'Retry-After': cue.retryAfter });
        break;
      case 'html':
        send(res, cue.status, htmlPage(cue.status), { 'Content-Type': 'text/html; charset=utf-8' });
        break;
      case 'malformed-json':
        send(res, cue.status ?? 200, '{"response":{"status":{"code":200,"message":"İşlem', JSON_TYPE);
        break;
      case 'raw':
        send(res, cue.status, cue.body, cue.headers ?? JSON_TYPE);
        break;
      case 'balance':
        sendJson(res, 200, successBody(cue.balance));
        break;
      case 'missing-balance':
        sendJson(res, 200, statusBody(200));
        break;
      case 'echo-credentials': {
        const echoed = `${PROVIDER_MESSAGES[401]}: ${JSON.stringify(request.body ?? request.rawBody)}`;
        sendJson(res, cue.status ?? 401, statusBody(cue.status ?? 401, echoed));
        break;
      }
      case 'delay':
        later(cue.ms, () => answer(cue.then ?? { kind: 'contract' }, request, res));
        break;
      case 'hang':
        break;
      case 'reset':
        res.socket?.destroy();
        break;
      case 'reset-mid-body': {
        const full = JSON.stringify(successBody(balance));
        res.writeHead(200, { ...JSON_TYPE, 'Content-Length': String(Buffer.byteLength(full)) });
        res.write(full.slice(0, Math.floor(full.length / 2)));
        later(20, () => res.socket?.destroy());
        break;
      }
      case 'huge-body':
        streamHugeBody(res, cue.status ?? 200, cue.bytes ?? DEFAULT_HUGE_BYTES);
        break;
    }
  };

  const sandbox = await startSandboxProvider({
    credentials,
    answer: (request, res) => answer(queue.shift() ?? fallback, request, res),
  });

  return {
    origin: sandbox.origin,
    requests: sandbox.requests,
    setBalance: (next) => {
      balance = next;
    },
    enqueue: (...cues) => {
      queue.push(...cues);
    },
    setDefault: (cue) => {
      fallback = cue;
    },
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return sandbox.close();
    },
  };
}

function htmlPage(status: number): string {
  return `<!DOCTYPE html>\n<html><head><title>${status} Error</title></head><body><h1>${status}</h1><p>The upstream server is not available.</p></body></html>\n`;
}

/** Streams without a Content-Length, so the client can only learn the size by reading. */
function streamHugeBody(res: ServerResponse, status: number, bytes: number): void {
  res.writeHead(status, JSON_TYPE);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = bytes;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const size = Math.min(left, chunk.length);
      left -= size;
      if (!res.write(chunk.subarray(0, size))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}
