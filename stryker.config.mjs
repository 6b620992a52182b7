// Mutation testing of the core (issue 18): `npm run mutation` (scripts/mutation.mjs). Not part of
// `npm test`.
//
// The run is split in groups, each one Stryker run that mutates some files and runs only the tests
// that exercise them: one run of everything against every test spent most of its time re-running
// the fixture gallery (40 s) for mutants that a unit test kills or that the gallery never reaches.
// Each group's tests are the whole truth for its files, so a score here is a lower bound of what
// the full Node suite would give, never more. SESS_MUTATION_GROUP picks the group; the same list
// feeds vitest.stryker.config.ts, so a group's tests are named once, cheapest first: a mutant's run
// stops at its first failing test, and files run in this order.
export const MUTATION_GROUPS = {
  // The unit tests beside each file, the conformance suites on memory and the cookie jar.
  core: {
    mutate: [
      'src/manager.ts',
      'src/cookie/*.ts',
      '!src/cookie/*.test.ts',
      'src/backends/memory.ts',
      'src/backends/expiry-heap.ts',
      'src/period.ts',
      'src/keys.ts',
      'src/clock.ts',
      'models/linearizability.ts',
      'models/manager-model.ts',
      'models/real-time.ts',
    ],
    tests: [
      'src/period.test.ts',
      'src/clock.test.ts',
      'src/manager.test.ts',
      'src/manager-timeout.test.ts',
      'models/manager-model.test.ts',
      'models/linearizability.test.ts',
      'models/real-time.test.ts',
      'src/backends/expiry-heap.test.ts',
      'src/backends/memory.test.ts',
      'src/cookie/parse.test.ts',
      'src/keys.test.ts',
      'src/cookie/set-cookie.test.ts',
      'properties/cookie-jar.test.ts',
      'properties/conformance.test.ts',
    ],
  },
  // The backend model is what the conformance suite judges every store by: its own tests, the
  // fixture gallery (every good backend must pass, every broken one be named by its rule) and the
  // conformance suites on memory and IndexedDB.
  'backend-model': {
    mutate: ['models/backend-model.ts'],
    tests: [
      'models/backend-model.test.ts',
      'properties/conformance.test.ts',
      'src/backends/indexeddb.conformance.test.ts',
      'fixtures/backends/gallery.test.ts',
    ],
  },
};

const groupName = process.env.SESS_MUTATION_GROUP ?? 'core';
const group = MUTATION_GROUPS[groupName];
if (group === undefined) throw new Error(`SESS_MUTATION_GROUP: no group ${groupName}; groups: ${Object.keys(MUTATION_GROUPS).join(', ')}`);
// The second pass of scripts/mutation.mjs: only the places of the group's static mutants (code that
// runs at module load), each run against every test of the group.
const staticPlaces = process.env.SESS_MUTATION_STATIC === undefined ? undefined : JSON.parse(process.env.SESS_MUTATION_STATIC);
const pass = staticPlaces === undefined ? groupName : `${groupName}-static`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: false },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // Stryker 9 calls a TypeScript API at start-up that TypeScript 7 no longer has: a tsconfig that
  // does not exist keeps it from trying.
  tsconfigFile: 'tsconfig.stryker-none.json',
  // A module-load mutant re-runs every test of the group: the main pass leaves them for the second.
  ignoreStatic: staticPlaces === undefined,
  mutate: staticPlaces ?? group.mutate,
  ignorePatterns: ['dist', 'reports', 'coverage', '.vitest', '.vitest-results', 'test-results', 'docs', '.tmp'],
  tempDirName: `.stryker-tmp/${pass}`,
  reporters: ['progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${pass}.json` },
  thresholds: { high: 95, low: 90, break: null },
};
