import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The Node versions package.json admits must run everything in the repository: every direct
 * dependency (by its own `engines`) and every newer API the code uses.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  license: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

type Version = [number, number, number];

function parse(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text.replace(/^v/, '').split('.').map(Number);
  return [major, minor, patch];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The subset of semver ranges the engines fields here use: `>=x`, `^x`, `x` alone, joined by `||`. */
function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<|\^)\s+/g, '$1')
      .split(/\s+/)
      .every((part) => {
        const match = /^(>=|<|\^)?v?(\d+(?:\.\d+){0,2})(?:\.x)?$/.exec(part);
        if (!match) throw new Error(`range part not understood: ${part}`);
        const bound = parse(match[2] ?? '');
        if (match[1] === '>=') return compare(version, bound) >= 0;
        if (match[1] === '<') return compare(version, bound) < 0;
        if (match[1] === '^') return version[0] === bound[0] && compare(version, bound) >= 0;
        return version[0] === bound[0];
      }),
  );
}

/** The lowest version of each major line the range lets in (patch 0 of its lower bound). */
function lowestAdmitted(range: string): Version[] {
  return range.split('||').map((alternative) => parse(alternative.trim().replace(/^(>=|\^)\s*/, '')));
}

/** APIs newer than Node 20.0 that the code is allowed to use, with the version that added them. */
const API_MINIMUMS: Record<string, Version> = {
  'import.meta.dirname': [20, 11, 0],
  'import.meta.filename': [20, 11, 0],
};

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mjs)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('package.json', () => {
  it("admits no Node version a direct dependency's engines (or vite's) refuse", () => {
    const refused: string[] = [];
    // vite is not listed, but every test runs on it (under vitest), so its range counts too.
    for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies), 'vite']) {
      const manifest = JSON.parse(
        readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
      );
      const range: string | undefined = manifest.engines?.node;
      if (range === undefined) continue;
      for (const version of lowestAdmitted(pkg.engines.node)) {
        if (!satisfies(version, range)) refused.push(`${name} (${range}) refuses ${version.join('.')}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('admits no Node version without an API the code uses', () => {
    const used = new Set<string>();
    for (const file of ['lambda', 'infra', 'bench', 'test'].flatMap(sources)) {
      const text = readFileSync(file, 'utf8');
      for (const api of Object.keys(API_MINIMUMS))
        if (text.includes(api) && !file.endsWith('package.test.ts')) used.add(api);
    }
    expect(used.size).toBeGreaterThan(0);
    for (const api of used) {
      for (const version of lowestAdmitted(pkg.engines.node)) {
        expect(
          compare(version, API_MINIMUMS[api] ?? [0, 0, 0]),
          `${api} on ${version.join('.')}`,
        ).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('states the same minimum in the README', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const [lowest] = lowestAdmitted(pkg.engines.node);
    expect(readme).toContain(`Node.js ${lowest?.slice(0, 2).join('.')} or later`);
  });

  it('has the LICENSE its license field names', () => {
    const license = readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    expect(pkg.license).toBe('MIT');
    expect(license).toMatch(
      /^MIT License\n\nCopyright \(c\) \d{4} iletimerkezi-balance-monitor contributors\n/,
    );
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });
});
