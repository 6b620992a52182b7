import { relative } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
// @ts-expect-error: a plain .mjs config without types; MUTATION_GROUPS is { [group]: { mutate, tests } }.
import { MUTATION_GROUPS } from './stryker.config.mjs';

// The Node tests of one mutation group (SESS_MUTATION_GROUP, see stryker.config.mjs); nothing that
// spawns processes or browsers.
const group = (MUTATION_GROUPS as Record<string, { tests: string[] }>)[process.env.SESS_MUTATION_GROUP ?? 'core'];

/**
 * Test files in the order the group lists them, cheapest first. Vitest's own order runs the files
 * that took longest first, and Stryker stops a mutant's run at its first failing test: in that
 * order a mutant a unit test kills in milliseconds still waited for the gallery or the
 * conformance suite to finish.
 */
class ListedOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = group.tests.indexOf(relative(this.ctx.config.root, file.moduleId));
      return index === -1 ? group.tests.length : index;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    name: 'node',
    environment: 'node',
    include: group.tests,
    sequence: { sequencer: ListedOrder },
    exclude: [...configDefaults.exclude],
    setupFiles: ['fake-indexeddb/auto'],
    // Read by src/cookie/parse.test.ts: smaller adversarial inputs under instrumentation.
    env: { SESS_MUTATION: '1' },
  },
});
