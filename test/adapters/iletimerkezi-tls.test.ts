import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance } from '../../lambda/adapters/iletimerkezi.js';
import type { Credentials } from '../../lambda/core/types.js';
import { createTestPki, type Pem, startTlsProvider, type TestPki, type TlsProvider } from '../support/tls.js';

/**
 * TLS failures against a real https server on 127.0.0.1 with certificates made for the test: the
 * failure names the certificate problem, hints at NODE_EXTRA_CA_CERTS where a proxy may be the
 * cause, and the request (with the key and hash) never reaches the server.
 */

const CREDENTIALS: Credentials = {
  key: '6a1f0c9e8d7b2a3c4e5f60718293a4b5',
  hash: 'b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3',
};
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let pki: TestPki;
const servers: TlsProvider[] = [];

beforeAll(() => {
  pki = createTestPki();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  pki?.remove();
});

async function serve(pem: Pem, chain = ''): Promise<TlsProvider> {
  const server = await startTlsProvider(pem, chain);
  servers.push(server);
  return server;
}

/** The local command in its own process, so NODE_EXTRA_CA_CERTS can be given to Node at start. */
function cli(
  origin: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'lambda/entry/cli.ts', '--base-url', origin, '--json'],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          ILETIMERKEZI_API_KEY: CREDENTIALS.key,
          ILETIMERKEZI_API_HASH: CREDENTIALS.hash,
          ...env,
        },
        timeout: 20_000,
      },
      (error, stdout) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        resolve({ code, stdout });
      },
    );
  });
}

describe('a certificate the client does not trust', () => {
  it.each([
    ['a self-signed certificate', () => serve(pki.selfSigned), 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['a certificate of an unknown CA', () => serve(pki.valid), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['a chain up to an untrusted root', () => serve(pki.valid, pki.ca), 'SELF_SIGNED_CERT_IN_CHAIN'],
  ])('%s names the cause, hints at NODE_EXTRA_CA_CERTS and sends nothing', async (_name, start, code) => {
    const server = await start();
    const outcome = await getBalance(server.origin, CREDENTIALS, { attemptTimeoutMs: 3_000 });

    expect(outcome).toEqual({
      ok: false,
      failure: {
        kind: 'transient',
        message: `certificate: ${code} (not signed by an authority this machine trusts; behind a TLS-intercepting proxy, give Node its CA with NODE_EXTRA_CA_CERTS)`,
      },
    });
    expect([server.requests, server.receivedBytes()]).toEqual([[], 0]);
  });

  it('is not retried within the check: waiting does not change a certificate', async () => {
    const server = await serve(pki.selfSigned);
    let calls = 0;
    await getBalance(server.origin, CREDENTIALS, {
      attemptTimeoutMs: 3_000,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    expect(calls).toBe(1);
  });
});

describe('the local command over TLS, with the test CA given to Node', () => {
  it('checks the balance when the certificate is valid for the host', async () => {
    const server = await serve(pki.valid);
    const result = await cli(server.origin, { NODE_EXTRA_CA_CERTS: pki.caFile });
    expect([result.code, JSON.parse(result.stdout)]).toEqual([
      0,
      expect.objectContaining({ status: 'OK', amount: 420.5 }),
    ]);
    expect(server.requests).toHaveLength(1);
    // The byte count sees a request when one is sent: its zero in the other tests means something.
    expect(server.receivedBytes()).toBeGreaterThan(CREDENTIALS.key.length + CREDENTIALS.hash.length);
  });

  it('names a certificate issued for another host and sends nothing', async () => {
    const server = await serve(pki.otherName);
    const result = await cli(server.origin, { NODE_EXTRA_CA_CERTS: pki.caFile });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout).error.message).toBe(
      'certificate: ERR_TLS_CERT_ALTNAME_INVALID (issued for another host name)',
    );
    expect([server.requests, server.receivedBytes()]).toEqual([[], 0]);
  });

  it('names an expired certificate and sends nothing', async () => {
    const server = await serve(pki.expired);
    const result = await cli(server.origin, { NODE_EXTRA_CA_CERTS: pki.caFile });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout).error.message).toBe(
      "certificate: CERT_HAS_EXPIRED (outside its validity dates; check this machine's clock)",
    );
    expect([server.requests, server.receivedBytes()]).toEqual([[], 0]);
  });

  it('without the CA names the untrusted certificate with the hint, in the plugin text too', async () => {
    const server = await serve(pki.valid);
    const result = await cli(server.origin);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout).summary).toContain('certificate: UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(JSON.parse(result.stdout).summary).toContain('NODE_EXTRA_CA_CERTS');
  });
});
