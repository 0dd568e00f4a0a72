import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMonitorConfig } from '../../lambda/core/config.js';
import type { CredentialSource } from '../../lambda/core/ports.js';
import { createRedactor, createSecretRegistry, MASK, registeringSecrets } from '../../lambda/core/redact.js';
import type { Credentials, Outcome } from '../../lambda/core/types.js';

/**
 * The redactor against every encoding a server, a proxy or an SDK might echo a secret in. The
 * encodings are produced here with the platform's own encoders (Buffer, encodeURIComponent,
 * URLSearchParams), not with the redactor's code, and the check is that the encoded text is gone.
 */

const KEY = '5ec12e7a9b3c4d5e6f708192a3b4c5d6';
const HASH = 'a7f3c9e1b5d2f8a4c6e0b9d3f7a1c5e9d2b6f0a8c4e7b1d5f9a3c7e2b8d4f6a0';
const parsed = parseMonitorConfig({ accounts: [{ name: 'main', thresholds: { warning: { amount: 1 } } }] });
if (!parsed.ok || !parsed.value.accounts[0]) throw new Error('the test account must be valid');
const ACCOUNT = parsed.value.accounts[0];

/** Each way a secret can be written, applied to the secret alone. */
const ENCODINGS: Record<string, (secret: string) => string> = {
  plain: (s) => s,
  'upper case': (s) => s.toUpperCase(),
  'lower case': (s) => s.toLowerCase(),
  encodeURIComponent: (s) => encodeURIComponent(s),
  'encodeURIComponent, lower-case hex': (s) =>
    encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
  'form encoding': (s) => new URLSearchParams({ v: s }).toString().slice(2),
  'every byte percent-encoded': (s) =>
    [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
  base64: (s) => Buffer.from(s).toString('base64'),
  base64url: (s) => Buffer.from(s).toString('base64url'),
  'base64 of the upper case': (s) => Buffer.from(s.toUpperCase()).toString('base64'),
};

describe('the redactor', () => {
  it.each(Object.entries(ENCODINGS))('masks a key written %s', (_name, encode) => {
    const redact = createRedactor([KEY, HASH]);
    const out = redact(`provider said: ${encode(KEY)} (retry)`);
    expect(out).not.toContain(encode(KEY));
    expect(out).toContain(MASK);
  });

  it.each([
    ['key:hash', `${KEY}:${HASH}`],
    ['key+hash', `${KEY}${HASH}`],
    ['a JSON body', JSON.stringify({ request: { authentication: { key: KEY, hash: HASH } } })],
    ['HTTP Basic credentials', `user:${KEY}`],
  ])('masks both secrets inside base64 of %s', (_name, combined) => {
    const redact = createRedactor([KEY, HASH]);
    for (const encoded of [
      Buffer.from(combined).toString('base64'),
      Buffer.from(combined).toString('base64url'),
    ]) {
      const out = redact(`Authorization: Basic ${encoded}`);
      // Decoding what is left must not give either secret back, at any offset.
      const decoded = Buffer.from(out.replace(/^Authorization: Basic /, ''), 'base64').toString('latin1');
      expect(decoded).not.toContain(KEY);
      expect(decoded).not.toContain(HASH);
      expect(out).not.toContain(encoded);
    }
  });

  it('leaves text without a secret as it was', () => {
    const text = `HTTP 401: invalid credentials (${KEY.slice(0, 5)}, ${Buffer.from('hello world').toString('base64')})`;
    expect(createRedactor([KEY, HASH])(text)).toBe(text);
  });

  it('ignores empty secrets', () => {
    expect(createRedactor(['', ''])('anything at all')).toBe('anything at all');
  });

  it('masks any secret in any encoding inside any text (property)', () => {
    const secret = fc.string({ unit: 'binary', minLength: 8, maxLength: 40 });
    const around = fc.string({ maxLength: 30 });
    fc.assert(
      fc.property(
        secret,
        fc.constantFrom(...Object.keys(ENCODINGS)),
        around,
        around,
        (s, encoding, before, after) => {
          const encode = ENCODINGS[encoding] ?? ((x: string) => x);
          const encoded = encode(s);
          const out = createRedactor([s])(`${before}${encoded}${after}`);
          expect(out).not.toContain(encoded);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('masks a secret inside base64 of any surrounding bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 8, maxLength: 40 }),
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 20 }),
        fc.boolean(),
        (s, before, after, urlSafe) => {
          const encoded = Buffer.from(`${before}${s}${after}`).toString(urlSafe ? 'base64url' : 'base64');
          const out = createRedactor([s])(encoded);
          // Whatever decodes from the masked text, the secret's bytes are not in it.
          const bytes = Buffer.from(out.replaceAll(MASK, ''), 'base64');
          expect(bytes.includes(Buffer.from(s))).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the secret registry', () => {
  it('masks nothing until a secret is added, then masks it in every later call', () => {
    const registry = createSecretRegistry();
    expect(registry.redact(`x ${KEY}`)).toBe(`x ${KEY}`);
    registry.add(KEY);
    expect(registry.redact(`x ${KEY}`)).toBe(`x ${MASK}`);
  });

  it('learns the credentials a wrapped source hands out', async () => {
    const registry = createSecretRegistry();
    const source: CredentialSource = {
      load: async () =>
        new Map<string, Outcome<Credentials>>([['main', { ok: true, value: { key: KEY, hash: HASH } }]]),
    };
    const loaded = await registeringSecrets(source, registry).load([]);

    expect(loaded.get('main')).toEqual({ ok: true, value: { key: KEY, hash: HASH } });
    expect(registry.redact(`${HASH.toUpperCase()} ${Buffer.from(KEY).toString('base64')}`)).toBe(
      `${MASK} ${MASK}`,
    );
  });

  it("keeps the wrapped source's re-read, and learns the credentials it hands out", async () => {
    const registry = createSecretRegistry();
    const rotated = 'rotatedKey0123456789';
    const source: CredentialSource = {
      load: async () => new Map<string, Outcome<Credentials>>(),
      reload: async () => ({ ok: true, value: { key: rotated, hash: HASH } }),
    };
    const wrapped = registeringSecrets(source, registry);

    const again = await wrapped.reload?.(ACCOUNT);

    expect(again).toEqual({ ok: true, value: { key: rotated, hash: HASH } });
    expect(registry.redact(`${rotated} ${HASH}`)).toBe(`${MASK} ${MASK}`);
  });

  it('offers no re-read when the wrapped source has none', () => {
    const source: CredentialSource = { load: async () => new Map() };
    expect(registeringSecrets(source, createSecretRegistry()).reload).toBeUndefined();
  });
});
