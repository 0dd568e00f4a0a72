import { describe, expect, it } from 'vitest';
import { DEFAULT_BASE_URL } from '../../lambda/core/config.js';
import {
  type Command,
  DEFAULT_THRESHOLDS,
  DEFAULT_TIMEOUT_MS,
  HELP,
  parseCommand,
} from '../../lambda/entry/cli-args.js';

const CREDENTIALS_ENV = { ILETIMERKEZI_API_KEY: 'abc123', ILETIMERKEZI_API_HASH: 'def456' };

function request(command: Command) {
  if (command.kind !== 'check') throw new Error(`expected a check, got ${JSON.stringify(command)}`);
  return command.request;
}

function problem(command: Command): string {
  if (command.kind !== 'usage-error')
    throw new Error(`expected a usage error, got ${JSON.stringify(command)}`);
  return command.message;
}

describe('which account is checked', () => {
  it('is the sandbox when neither credentials nor --base-url are given', () => {
    expect(request(parseCommand([], {}))).toEqual({
      sandbox: true,
      baseUrl: DEFAULT_BASE_URL,
      thresholds: DEFAULT_THRESHOLDS,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      attemptTimeoutMs: 5_000,
      json: false,
    });
  });

  it('is the real API with the environment’s credentials', () => {
    expect(request(parseCommand([], CREDENTIALS_ENV))).toMatchObject({
      sandbox: false,
      baseUrl: DEFAULT_BASE_URL,
      credentials: { key: 'abc123', hash: 'def456' },
    });
  });

  it('is the given base URL, reduced to its origin', () => {
    expect(request(parseCommand(['--base-url', 'http://127.0.0.1:8080/'], CREDENTIALS_ENV)).baseUrl).toBe(
      'http://127.0.0.1:8080',
    );
  });

  it('never falls back to the sandbox when --base-url is given without credentials', () => {
    expect(problem(parseCommand(['--base-url', 'http://127.0.0.1:8080'], {}))).toContain(
      'ILETIMERKEZI_API_KEY is not set',
    );
  });

  it('names the hash variable when only the hash is missing', () => {
    const message = problem(
      parseCommand(['--base-url', 'http://127.0.0.1:8080'], { ILETIMERKEZI_API_KEY: 'abc' }),
    );
    expect(message).toBe('ILETIMERKEZI_API_HASH is not set (the API hash from the iletiMerkezi panel)');
  });

  it('refuses a variable that is set but empty, naming it', () => {
    const env = { ILETIMERKEZI_API_KEY: '', ILETIMERKEZI_API_HASH: 'def' };
    expect(problem(parseCommand([], env))).toBe(
      'ILETIMERKEZI_API_KEY is set but empty (the API key from the iletiMerkezi panel)',
    );
  });

  it('never runs the sandbox when both variables are set but empty', () => {
    const env = { ILETIMERKEZI_API_KEY: '', ILETIMERKEZI_API_HASH: '' };
    expect(problem(parseCommand([], env))).toBe(
      'ILETIMERKEZI_API_KEY is set but empty (the API key from the iletiMerkezi panel); ' +
        'ILETIMERKEZI_API_HASH is set but empty (the API hash from the iletiMerkezi panel)',
    );
  });

  it('refuses a variable that holds only whitespace, naming it', () => {
    const env = { ILETIMERKEZI_API_KEY: 'abc', ILETIMERKEZI_API_HASH: ' \n\t' };
    expect(problem(parseCommand([], env))).toBe(
      'ILETIMERKEZI_API_HASH is set but empty (the API hash from the iletiMerkezi panel)',
    );
  });

  it('trims whitespace around the key and the hash', () => {
    const env = { ILETIMERKEZI_API_KEY: ' abc123', ILETIMERKEZI_API_HASH: 'def456\n' };
    expect(request(parseCommand([], env)).credentials).toEqual({ key: 'abc123', hash: 'def456' });
  });

  it.each(['http://api.iletimerkezi.com', 'http://192.168.1.10:8080'])(
    'refuses --base-url %s, where the key and hash would travel in clear',
    (url) => {
      expect(problem(parseCommand(['--base-url', url], CREDENTIALS_ENV))).toBe(
        '--base-url: must use https:// (http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])',
      );
    },
  );

  it.each(['http://localhost:8080', 'http://[::1]:8080', 'http://127.0.0.2'])(
    'allows --base-url %s on this machine',
    (url) => {
      expect(request(parseCommand(['--base-url', url], CREDENTIALS_ENV)).sandbox).toBe(false);
    },
  );

  it.each([
    ['--base-url', 'http://user:s3cretPass@127.0.0.1:8080'],
    ['--base-url=https://user:s3cretPass@api.iletimerkezi.com'],
    ['--base-url', 'https://user:s3cretPass@exa mple.com/x'],
    ['https://user:s3cretPass@api.iletimerkezi.com'],
  ])('refuses a URL with a password without ever repeating it: %s', (...argv) => {
    const message = problem(parseCommand(argv, CREDENTIALS_ENV));
    expect(message.length).toBeGreaterThan(0);
    expect(message).not.toContain('s3cretPass');
  });

  it('rejects a base URL with a path, since the path is always added', () => {
    expect(problem(parseCommand(['--base-url', 'https://api.iletimerkezi.com/v1'], CREDENTIALS_ENV))).toMatch(
      /^--base-url: must be an origin only/,
    );
  });
});

describe('thresholds', () => {
  it('default to warning at 100 TL and critical at 20 TL', () => {
    expect(DEFAULT_THRESHOLDS).toEqual({ warning: { amount: 100 }, critical: { amount: 20 } });
  });

  it('are exactly the flags given, replacing the defaults', () => {
    const args = ['--warning-sms', '500', '--critical-amount=5.5'];
    expect(request(parseCommand(args, {})).thresholds).toEqual({
      warning: { sms: 500 },
      critical: { amount: 5.5 },
    });
  });

  it('must not put critical above warning', () => {
    const args = ['--warning-amount', '10', '--critical-amount', '50'];
    expect(problem(parseCommand(args, {}))).toBe(
      '--critical-amount: must not be above --warning-amount (50 > 10)',
    );
  });

  it('must not be negative', () => {
    expect(problem(parseCommand(['--warning-amount', '-5'], {}))).toBe(
      '--warning-amount: must be at least 0, got -5',
    );
  });

  it('on SMS must be whole numbers', () => {
    expect(problem(parseCommand(['--warning-sms', '2.5'], {}))).toBe(
      '--warning-sms: must be a whole number, got 2.5',
    );
  });

  it('must be numbers', () => {
    expect(problem(parseCommand(['--critical-sms', 'lots'], {}))).toBe(
      '--critical-sms needs a number, got "lots"',
    );
  });
});

describe('flags', () => {
  it('--json asks for the JSON output', () => {
    expect(request(parseCommand(['--json'], {})).json).toBe(true);
  });

  it('--timeout-ms sets the time for the whole check', () => {
    expect(request(parseCommand(['--timeout-ms', '2500'], {})).timeoutMs).toBe(2500);
  });

  it('--timeout-ms must be a whole number in range', () => {
    expect(problem(parseCommand(['--timeout-ms', '5'], {}))).toBe(
      '--timeout-ms needs a whole number from 100 to 120000, got "5"',
    );
  });

  it('--help asks for the help', () => {
    expect(parseCommand(['--help'], {})).toEqual({ kind: 'help', json: false });
    expect(HELP).toContain('--warning-amount 100 --critical-amount 20');
  });

  it('an unknown flag is a usage error naming it', () => {
    expect(parseCommand(['--verbose', '--json'], {})).toEqual({
      kind: 'usage-error',
      json: true,
      message: 'unknown option "--verbose"',
    });
  });

  it('a stray argument is a usage error', () => {
    expect(problem(parseCommand(['main'], {}))).toBe('unexpected argument "main"');
  });

  it('a flag without its value is a usage error', () => {
    expect(problem(parseCommand(['--base-url'], {}))).toBe('--base-url needs a value');
  });

  it('a flag followed by another flag has no value, and the other flag still counts', () => {
    expect(parseCommand(['--warning-amount', '--json'], {})).toEqual({
      kind: 'usage-error',
      json: true,
      message: '--warning-amount needs a value',
    });
  });

  it('a value never starts with --, even after =', () => {
    expect(problem(parseCommand(['--base-url=--json'], {}))).toBe('--base-url needs a value');
  });

  it('--json anywhere asks for JSON, also with --help', () => {
    expect(parseCommand(['--help', '--json'], {})).toEqual({ kind: 'help', json: true });
    expect(parseCommand(['--json', 'stray', '--timeout-ms'], {})).toMatchObject({
      kind: 'usage-error',
      json: true,
    });
  });

  it('derives the time of one attempt from --timeout-ms, so a long budget allows a slow answer', () => {
    expect(request(parseCommand(['--timeout-ms', '30000'], {}))).toMatchObject({
      timeoutMs: 30_000,
      attemptTimeoutMs: 15_000,
    });
    expect(request(parseCommand(['--timeout-ms', '2500'], {})).attemptTimeoutMs).toBe(2_500);
    expect(request(parseCommand([], {})).attemptTimeoutMs).toBe(5_000);
  });

  it('--attempt-timeout-ms sets the time of one attempt within the budget', () => {
    expect(
      request(parseCommand(['--timeout-ms', '30000', '--attempt-timeout-ms', '25000'], {})),
    ).toMatchObject({
      timeoutMs: 30_000,
      attemptTimeoutMs: 25_000,
    });
    expect(problem(parseCommand(['--timeout-ms', '3000', '--attempt-timeout-ms', '4000'], {}))).toBe(
      '--attempt-timeout-ms must not be above --timeout-ms (4000 > 3000)',
    );
    expect(problem(parseCommand(['--attempt-timeout-ms', '10'], {}))).toBe(
      '--attempt-timeout-ms needs a whole number from 100 to 120000, got "10"',
    );
  });

  it('a flag given twice is a usage error', () => {
    expect(problem(parseCommand(['--timeout-ms', '200', '--timeout-ms', '300'], {}))).toBe(
      '--timeout-ms is given twice',
    );
  });

  it('reports every problem at once', () => {
    expect(problem(parseCommand(['--x', '--y'], {}))).toBe('unknown option "--x"; unknown option "--y"');
  });
});
