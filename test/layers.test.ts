import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Which directory may import from which, read from the import specifiers of every source file. */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every relative import of the files under `dir`, as "file -> repository path it resolves to". */
function importsUnder(dir: string): { file: string; target: string }[] {
  const files = readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' }).filter((f) =>
    /\.(ts|mjs)$/.test(f),
  );
  return files.flatMap((file) => {
    const source = readFileSync(path.join(ROOT, dir, file), 'utf8');
    return [...source.matchAll(IMPORT)]
      .map((match) => match[1] ?? match[2] ?? '')
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => ({
        file: path.join(dir, file),
        target: path.relative(ROOT, path.resolve(ROOT, dir, path.dirname(file), specifier)),
      }));
  });
}

function reaching(dir: string, forbidden: readonly string[]): string[] {
  return importsUnder(dir)
    .filter(({ target }) => forbidden.some((top) => target === top || target.startsWith(`${top}/`)))
    .map(({ file, target }) => `${file} -> ${target}`);
}

describe('layers', () => {
  it('finds the imports it checks', () => {
    expect(importsUnder('bench').some(({ target }) => target.startsWith('support/'))).toBe(true);
  });

  it('no file under bench/ imports from test/', () => {
    expect(reaching('bench', ['test'])).toEqual([]);
  });

  it('the function and the stack import nothing of the tests, their support or the bench', () => {
    expect([
      ...reaching('lambda', ['test', 'support', 'bench']),
      ...reaching('infra', ['test', 'support', 'bench']),
    ]).toEqual([]);
  });

  it('the core imports nothing outside itself', () => {
    expect(
      importsUnder('lambda/core')
        .filter(({ target }) => !target.startsWith('lambda/core/'))
        .map(({ file, target }) => `${file} -> ${target}`),
    ).toEqual([]);
  });
});
