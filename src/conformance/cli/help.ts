/**
 * `sess-conformance --help`.
 */
import { BUILTIN_BACKENDS } from '../load/targets.js';

export const HELP = `Usage: sess-conformance [target] [options]

Checks a session storage backend against the sess conformance suite (SPEC §8).

target
  a module path (.ts .mts .cts .js .mjs .cjs, ESM or CommonJS) whose default export
  is a BackendFactory; or a built-in backend: ${BUILTIN_BACKENDS.map((b) => b.name).join(', ')}.
  No target checks memory (with --browser: indexeddb).

options
  --runs N             runs (sequences) per property, instead of each property's default
  --seed N             fast-check seed (random by default; every failure prints its own)
  --path P             replay path of one failure (with --seed and one --only name)
  --only A,B           run only these properties (see --list)
  --export NAME        take the factory from this export instead of the default one
  --call-timeout MS    how long one backend call may take before it counts as never
                       settling (default 10000); such a call fails its property
  --require-all        fail the run when a property, or part of one, could not be checked
  --fake-date          make the global Date follow the run's simulated clock while a
                       property runs (for stores that read the time from Date
                       themselves; Node only)
  --real-time          run on the system clock with real waits instead of a simulated
                       clock, for stores whose expiry runs on a server's clock (Redis
                       EX/PX, SQL NOW()): only backend-model runs (10 runs, lifetimes of
                       0-3 s, at most 4.5 s of waits per run; about 15-60 s), the other
                       properties are left to the simulated run; an answer within
                       50 ms before or 1050 ms after an expiry instant may go either
                       way; --seed/--path replay the same steps, but real time is not
                       exactly reproducible (Node only)
  --browser [ENGINES]  run the suite in a browser, the module bundled for it: chromium
                       (the default), firefox, webkit, or a comma list of them
  --json               print the report as JSON on stdout, and nothing else
  --list               list the properties and what each checks
  --verbose            show stack traces and the page's console (--browser)
  -h, --help           this help
  -v, --version        the version of sess

exit codes
  0 every property checked held (what was not checked is listed)
  1 the backend broke a rule; or nothing could be checked; or, with --require-all,
    something was not checked
  2 the run could not start (bad option, missing file, no factory, missing tool)
  3 sess itself failed (a bug in the harness): the report so far is printed first

environment
  SESS_RUNS                  runs per property when --runs is not given
  REDIS_URL                  the Redis that the built-in redis target uses
                             (default redis://127.0.0.1:6379)
  REDIS_CLUSTER_NODES        comma-separated node URLs: the built-in redis target runs
                             on that Redis Cluster instead (wins over REDIS_URL)
  CHROMIUM_PATH              the Chromium that --browser launches
  SESS_CONFORMANCE_TIMEOUT   seconds the page may stay silent before --browser
                             calls the run hung (default 300)

example
  npx sess-conformance ./my-store.ts
  npx sess-conformance ./my-store.ts --only backend-model --seed 42 --path 3:0:1
`;
