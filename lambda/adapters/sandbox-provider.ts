import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { isObject, parseJson } from '../core/json.js';
import type { Credentials } from '../core/types.js';

/**
 * A local stand-in for iletiMerkezi's get-balance endpoint on 127.0.0.1: it speaks the provider's
 * contract, and misbehaves on cue the way a real API, proxy or network can. The tests check the
 * client against it, and the local command's sandbox mode runs a real check against it.
 */

/** Obviously fake, hex like the panel's: the sandbox answers only to these by default. */
export const SANDBOX_CREDENTIALS: Credentials = {
  key: '0123456789abcdef0123456789abcdef',
  hash: 'fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210',
};

export const SANDBOX_BALANCE = { amount: 842.35, sms: 5615 } as const;

export interface BalanceFields {
  readonly amount: unknown;
  readonly sms: unknown;
}

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

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly body: unknown;
  /** Date.now() when the request had been read. */
  readonly receivedAt: number;
}

export interface ProviderServer {
  /** http://127.0.0.1:<port>, to be used as the base URL. */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  setBalance(balance: BalanceFields): void;
  enqueue(...cues: Cue[]): void;
  setDefault(cue: Cue): void;
  /** Stops listening and ends every open connection, hanging ones included. */
  close(): Promise<void>;
}

export interface ProviderServerOptions {
  readonly credentials?: Credentials;
  readonly balance?: BalanceFields;
}

const MESSAGES: Readonly<Record<number, string>> = {
  200: 'İşlem başarılı',
  400: 'İstek çözümlenemedi',
  401: 'Üyelik bilgileri hatalı',
  402: 'Bakiye yetersiz',
  404: 'API istek yapılan yönteme sahip değil',
  422: 'İstek doğrulanamadı',
  429: 'Çok fazla istek',
  503: 'Sunucu geçici olarak servis dışı',
};

const MAX_REQUEST_BYTES = 1024 * 1024;
const DEFAULT_HUGE_BYTES = 10 * 1024 * 1024;

/** Starts `server` on a free port of 127.0.0.1 (never another address) and gives its origin. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export async function startProviderServer(options: ProviderServerOptions = {}): Promise<ProviderServer> {
  const credentials = options.credentials ?? SANDBOX_CREDENTIALS;
  let balance: BalanceFields = options.balance ?? SANDBOX_BALANCE;
  const queue: Cue[] = [];
  let fallback: Cue = { kind: 'contract' };
  const requests: RecordedRequest[] = [];
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
      case 'contract': {
        const reply = contract(request, credentials, balance);
        sendJson(res, reply.status, reply.body);
        break;
      }
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
        const echoed = `${MESSAGES[401]}: ${JSON.stringify(request.body ?? request.rawBody)}`;
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

  const server = createServer((req, res) => {
    readRequestBody(req, MAX_REQUEST_BYTES).then(
      (bytes) => {
        const rawBody = bytes.toString('utf8');
        const record: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          rawBody,
          body: parseJson(rawBody),
          receivedAt: Date.now(),
        };
        requests.push(record);
        answer(queue.shift() ?? fallback, record, res);
      },
      () => res.socket?.destroy(),
    );
  });

  const origin = await listenOnLoopback(server);

  return {
    origin,
    requests,
    setBalance: (next) => {
      balance = next;
    },
    enqueue: (...cues) => {
      queue.push(...cues);
    },
    setDefault: (cue) => {
      fallback = cue;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' } as const;

/** What the real endpoint answers to this request. */
function contract(
  request: RecordedRequest,
  credentials: Credentials,
  balance: unknown,
): { status: number; body: unknown } {
  if (request.method !== 'POST' || request.path.split('?')[0] !== '/v1/get-balance/json') {
    return { status: 404, body: statusBody(404) };
  }
  if (!isObject(request.body)) return { status: 400, body: statusBody(400) };
  const authentication = isObject(request.body.request) ? request.body.request.authentication : undefined;
  const given = isObject(authentication) ? authentication : {};
  if (given.key !== credentials.key || given.hash !== credentials.hash)
    return { status: 401, body: statusBody(401) };
  return { status: 200, body: successBody(balance) };
}

function statusBody(code: number, message?: string): unknown {
  return { response: { status: { code, message: message ?? MESSAGES[code] ?? 'Hata' } } };
}

function successBody(balance: unknown): unknown {
  return { response: { status: { code: 200, message: MESSAGES[200] }, balance } };
}

function htmlPage(status: number): string {
  return `<!DOCTYPE html>\n<html><head><title>${status} Error</title></head><body><h1>${status}</h1><p>The upstream server is not available.</p></body></html>\n`;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, JSON.stringify(body), { ...JSON_TYPE, ...headers });
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>>,
): void {
  res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
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

/** The request body, refused (and the request destroyed) beyond `maxBytes`. */
export function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.destroy();
        reject(new Error('request body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
