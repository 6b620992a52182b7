import { configDefaults, defineConfig } from 'vitest/config';

export const MUTATION_TESTS = [
  'src/manager.test.ts',
  'src/manager-timeout.test.ts',
  'src/cookie/parse.test.ts',
  'src/cookie/set-cookie.test.ts',
  'src/backends/memory.test.ts',
  'src/backends/expiry-heap.test.ts',
  'src/period.test.ts',
  'src/keys.test.ts',
  'src/clock.test.ts',
  'models/backend-model.test.ts',
  'models/linearizability.test.ts',
  'models/manager-model.test.ts',
  'properties/conformance.test.ts',
  'properties/cookie-jar.test.ts',
  'fixtures/backends/gallery.test.ts',
  'src/backends/indexeddb.conformance.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    name: 'node',
    environment: 'node',
    include: MUTATION_TESTS,
    exclude: [...configDefaults.exclude],
    setupFiles: ['fake-indexeddb/auto'],
    // Read by src/cookie/parse.test.ts: smaller adversarial inputs under instrumentation.
    env: { SESS_MUTATION: '1' },
  },
});
