import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mainSilence } from '../../tools/silence.js';
import { mainStatus } from '../../tools/status.js';
import { mainTestNotice } from '../../tools/test-notice.js';

/** How the operator tools end: the same exit code and the same --json promise for all three. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

const noClients = (): never => {
  throw new Error('a usage error must not reach AWS');
};

describe('usage and help of the operator tools', () => {
  it('status --json --help prints the usage as one JSON object and exits 0', async () => {
    const { out, err, output } = capture();
    expect(await mainStatus(['--json', '--help'], output, noClients)).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({
      ok: true,
      usage: expect.stringMatching(/^Usage: npm run status/),
    });
    expect(err).toEqual([]);
  });

  it('status --json with an unknown flag prints one JSON usage error and exits 1', async () => {
    const { out, err, output } = capture();
    expect(await mainStatus(['--verbose', '--json'], output, noClients)).toBe(1);
    expect(JSON.parse(out.join(''))).toMatchObject({
      ok: false,
      error: { kind: 'usage', message: expect.stringContaining('--verbose') },
    });
    expect(err).toEqual([]);
  });

  it('silence --json with a usage error prints one JSON object naming the flag and exits 1', async () => {
    const { out, err, output } = capture();
    expect(await mainSilence(['main', '--for', '2h', '--json'], output, noClients)).toBe(1);
    expect(JSON.parse(out.join(''))).toMatchObject({
      ok: false,
      error: { kind: 'usage', message: expect.stringContaining('--reason') },
    });
    expect(err).toEqual([]);
  });

  it('silence --help --json prints the usage as one JSON object and exits 0', async () => {
    const { out, output } = capture();
    expect(await mainSilence(['--help', '--json'], output, noClients)).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({
      ok: true,
      usage: expect.stringMatching(/^Usage: npm run silence/),
    });
  });

  it('test-notice --json with an unknown argument prints one JSON usage error and exits 1', async () => {
    const { out, err, output } = capture();
    expect(await mainTestNotice(['--json', '--bogus'], output, noClients)).toBe(1);
    expect(JSON.parse(out.join(''))).toMatchObject({
      ok: false,
      error: { kind: 'usage', message: 'unknown argument "--bogus"' },
    });
    expect(err).toEqual([]);
  });

  it('status, silence and test-notice all exit 1 on a usage error, the usage on stderr', async () => {
    const runs = [
      [mainStatus, ['--table']],
      [mainSilence, ['main', '--for', '2h']],
      [mainTestNotice, ['--bogus']],
    ] as const;
    for (const [main, argv] of runs) {
      const { out, err, output } = capture();
      expect(await main(argv, output, noClients)).toBe(1);
      expect(out).toEqual([]);
      expect(err.join('')).toMatch(/^error: .*\n(.*\n)*Usage: npm run /);
    }
  });
});

describe('an operator tool with no AWS region', () => {
  it('status --json says to pass --region or set AWS_REGION, as one JSON object on stdout', async () => {
    // No region anywhere: an empty home and no AWS config or credentials files.
    const home = mkdtempSync(join(tmpdir(), 'no-region-'));
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'tools/status.ts', '--json'],
        {
          cwd: ROOT,
          timeout: 20_000,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: home,
            AWS_CONFIG_FILE: join(home, 'config'),
            AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
        (error, stdout) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout }),
      );
    });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: {
        kind: 'aws',
        message: expect.stringMatching(/Region is missing: pass --region R .* or set AWS_REGION$/),
      },
    });
  });
});
