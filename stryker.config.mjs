// Mutation testing of the core (issue 18): `npm run mutation`. Not part of `npm test`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: false },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // Stryker 9 calls a TypeScript API at start-up that TypeScript 7 no longer has: a tsconfig that
  // does not exist keeps it from trying.
  tsconfigFile: 'tsconfig.stryker-none.json',
  // Module-load mutants would re-run every test for each of them.
  ignoreStatic: true,
  mutate: [
    'src/manager.ts',
    'src/cookie/*.ts',
    '!src/cookie/*.test.ts',
    'src/backends/memory.ts',
    'src/backends/expiry-heap.ts',
    'src/period.ts',
    'src/keys.ts',
    'src/clock.ts',
    'models/*.ts',
    '!models/*.test.ts',
  ],
  ignorePatterns: ['dist', 'reports', 'coverage', '.vitest', '.vitest-results', 'test-results', 'docs', '.tmp'],
  tempDirName: '.stryker-tmp',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 90, break: null },
};
