/**
 * The library core runs unchanged in browsers (no Node-only API) and reads time only through a
 * Clock (SPEC §1). Checked on the source text, so that a stray import fails here, not in a user's
 * bundler.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const srcDir = new URL('.', import.meta.url).pathname;

/** Node-only by design: the CLI and its runner, and the Redis backend. */
const NODE_ONLY = [/^conformance\//, /^backends\/redis/];

/** The code of a file without its comments, which may name what the code avoids. */
function code(file: string): string {
  return readFileSync(join(srcDir, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [relative(srcDir, path)] : [];
  });
}

describe('the library core', () => {
  const files = sourceFiles(srcDir);
  const core = files.filter((file) => !NODE_ONLY.some((pattern) => pattern.test(file)));

  it('has core files to check', () => {
    expect(core).toEqual(expect.arrayContaining(['manager.ts', 'backends/memory.ts', 'cookie/parse.ts']));
  });

  it.each(core)('%s uses no Node-only API', (file) => {
    expect(code(file)).not.toMatch(/from\s+['"]node:|require\(|\bBuffer\b|\bprocess\./);
  });

  it.each(files.filter((file) => file !== 'clock.ts'))('%s reads time only through a Clock', (file) => {
    expect(code(file)).not.toMatch(/Date\.now\(|new Date\(\)/);
  });
});
