import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Real certificates for TLS tests, made by openssl in a temporary directory: a test CA, and leaf
 * certificates for 127.0.0.1 that are self-signed, signed by the CA, issued for another name, or
 * expired. Nothing is trusted unless a test hands the CA to Node (NODE_EXTRA_CA_CERTS).
 */

export interface Pem {
  readonly key: string;
  readonly cert: string;
}

export interface TestPki {
  /** The CA certificate's file, for NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  readonly ca: string;
  readonly selfSigned: Pem;
  /** Signed by the CA, for IP 127.0.0.1. */
  readonly valid: Pem;
  /** Signed by the CA, for the name other.example only. */
  readonly otherName: Pem;
  /** Signed by the CA, valid for one day in 2020. */
  readonly expired: Pem;
  remove(): void;
}

const CA_CONFIG = `[ca]
default_ca = local
[local]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
`;

export function createTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'balance-monitor-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  writeFileSync(path.join(dir, 'ca.cnf'), CA_CONFIG);
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '01\n');
  openssl(
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=test-ca',
  );
  const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');

  const signed = (name: string, altName: string, dates: string[]): Pem => {
    openssl(
      'req',
      ...ecKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      '/CN=leaf',
      '-addext',
      `subjectAltName=${altName}`,
    );
    openssl(
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      'ca.pem',
      '-keyfile',
      'ca.key',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.pem`,
      ...dates,
    );
    return { key: read(`${name}.key`), cert: read(`${name}.pem`) };
  };

  openssl(
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  return {
    caFile: path.join(dir, 'ca.pem'),
    ca: read('ca.pem'),
    selfSigned: { key: read('self.key'), cert: read('self.pem') },
    valid: signed('valid', 'IP:127.0.0.1', ['-days', '2']),
    otherName: signed('other', 'DNS:other.example', ['-days', '2']),
    expired: signed('expired', 'IP:127.0.0.1', [
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20200102000000Z',
    ]),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsProvider {
  readonly origin: string;
  /** Every HTTP request that got through the handshake; a refused certificate leaves it empty. */
  readonly requests: string[];
  /** Bytes of application data received on any connection, request line and body included. */
  receivedBytes(): number;
  close(): Promise<void>;
}

/** An https server on 127.0.0.1 that answers the provider's contract with a fixed balance. */
export async function startTlsProvider(pem: Pem, chain = ''): Promise<TlsProvider> {
  const requests: string[] = [];
  const server: Server = createServer({ key: pem.key, cert: `${pem.cert}${chain}` }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      requests.push(body);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          response: { status: { code: 200, message: 'OK' }, balance: { amount: '420.5', sms: '2803' } },
        }),
      );
    });
  });
  // A client that gives up on the certificate closes the socket mid-handshake: not a server error.
  server.on('tlsClientError', () => undefined);
  let received = 0;
  server.on('secureConnection', (socket) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    requests,
    receivedBytes: () => received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
