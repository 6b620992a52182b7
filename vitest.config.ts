import { configDefaults, defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

import { CHROMIUM_ARGS, chromiumPath } from './src/conformance/browser/binaries.js';

// Debian's Chromium (RECIPE.md); CHROMIUM_PATH points to another one.
const executablePath = chromiumPath(process.env);

export default defineConfig({
  test: {
    // Property suites run 100+ generated sequences per test: seconds, not milliseconds, on a
    // shared 2-core machine. A hang still fails, just later.
    testTimeout: 120_000,
    // The one concurrent block (the CLI over the fixture gallery, src/conformance/cli/cli.test.ts)
    // spawns a child process per test: two at a time keep both cores busy without crowding them.
    maxConcurrency: 2,
    hookTimeout: 60_000,
    // vitest's default is one worker less than the cores: a single worker on this 2-core machine,
    // which runs every Node test file one after the other. Many of them mostly wait (child
    // processes, Redis, Chromium), so two workers per project use the machine better. Both
    // projects must have the same value (they run side by side in one group).
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['{src,models,properties,fixtures,examples,bench}/**/*.test.ts'],
          exclude: [...configDefaults.exclude, '**/*.browser.test.ts'],
          setupFiles: ['fake-indexeddb/auto'],
        },
      },
      {
        extends: true,
        // Pre-bundle the browser-side dependencies up front: discovering one mid-run makes Vite
        // re-optimize and reload the page, which kills the tests running in it.
        optimizeDeps: { include: ['idb', 'fast-check', 'cookie'] },
        test: {
          name: 'chromium',
          include: ['{src,models,properties,fixtures}/**/*.browser.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath,
                args: [...CHROMIUM_ARGS],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
