/**
 * The vitest helper, used the way a store author uses it: these tests are the ones it declares.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { memoryBackendFactory } from '../backends/memory.js';
import { conformanceProperties } from '../../properties/index.js';
import { describeConformance } from './vitest.js';

describeConformance('MemoryBackend through describeConformance', memoryBackendFactory, { runs: 5, notChecked: 'fail' });

describe('describeConformance', () => {
  it('declares one test per property', ({ task }) => {
    const suite = task.file.tasks.find((t) => t.name === 'MemoryBackend through describeConformance');
    expect(suite?.type).toBe('suite');
    const names = suite?.type === 'suite' ? suite.tasks.map((t) => t.name) : [];
    expect(names).toEqual(conformanceProperties.map((p) => p.name));
  });

  it('rejects an unknown property name when declaring', () => {
    expect(() => describeConformance('x', memoryBackendFactory, { only: ['nope'] })).toThrow("unknown property 'nope'");
  });

  it('fails a broken backend with the broken rule, the steps and a describeConformance replay line', async () => {
    // A nested vitest run on a store author's test file, as their CI would run it.
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const dir = join(root, '.tmp', `vitest-helper-${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['*.test.ts'] } };\n");
      writeFileSync(
        join(dir, 'store.test.ts'),
        [
          "import { describeConformance } from '../../src/conformance/vitest.js';",
          "import factory from '../../fixtures/backends/boundary-live-check.js';",
          "describeConformance('boundary store', factory, { only: ['backend-model'] });",
          '',
        ].join('\n'),
      );
      const run = await promisify(execFile)(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--config', join(dir, 'vitest.config.mjs')], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      }).then(
        () => ({ exitCode: 0, output: '' }),
        (error: { code: number; stdout: string; stderr: string }) => ({ exitCode: error.code, output: error.stdout + error.stderr }),
      );
      expect(run.exitCode).toBe(1);
      // Which operation meets the boundary first (get, set, touch) depends on the random seed;
      // the rule it breaks is the same one.
      expect(run.output).toContain('live at now == expiresAt (SPEC §1: live while now <= expiresAt)');
      expect(run.output).toMatch(/Shortest sequence found/);
      expect(run.output).toMatch(/describeConformance\("boundary store", factory, \{ only: \["backend-model"\], seed: -?\d+, path: "[\d:]+" \}\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
