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
 * A local stand-in for iletiMerkezi's get-balance endpoint on 127.0.0.1 that speaks the provider's
 * contract: the local command's sandbox mode runs a real check against it. The tests and the bench
 * add their fault cues on top of it (support/provider-server.ts) through `answer`.
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

export interface SandboxProvider {
  /** http://127.0.0.1:<port>, to be used as the base URL. */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Stops listening and ends every open connection, hanging ones included. */
  close(): Promise<void>;
}

export interface SandboxProviderOptions {
  readonly credentials?: Credentials;
  readonly balance?: BalanceFields;
  /** Answers each recorded request; by default as the provider's contract. */
  readonly answer?: (request: RecordedRequest, res: ServerResponse) => void;
}

export const PROVIDER_MESSAGES: Readonly<Record<number, string>> = {
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

/** Starts `server` on a free port of 127.0.0.1 (never another address) and gives its origin. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export async function startSandboxProvider(options: SandboxProviderOptions = {}): Promise<SandboxProvider> {
  const credentials = options.credentials ?? SANDBOX_CREDENTIALS;
  const balance = options.balance ?? SANDBOX_BALANCE;
  const answer = options.answer ?? ((request, res) => answerByContract(request, res, credentials, balance));
  const requests: RecordedRequest[] = [];
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
        answer(record, res);
      },
      () => res.socket?.destroy(),
    );
  });

  const origin = await listenOnLoopback(server);

  return {
    origin,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' } as const;

/** Answers as the real endpoint does: 404 off the endpoint, 400 for a bad body, 401 for bad credentials, else 200. */
export function answerByContract(
  request: RecordedRequest,
  res: ServerResponse,
  credentials: Credentials,
  balance: unknown,
): void {
  const reply = contract(request, credentials, balance);
  sendJson(res, reply.status, reply.body);
}

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

export function statusBody(code: number, message?: string): unknown {
  return { response: { status: { code, message: message ?? PROVIDER_MESSAGES[code] ?? 'Hata' } } };
}

export function successBody(balance: unknown): unknown {
  return { response: { status: { code: 200, message: PROVIDER_MESSAGES[200] }, balance } };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, JSON.stringify(body), { ...JSON_TYPE, ...headers });
}

export function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>>,
): void {
  res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
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
