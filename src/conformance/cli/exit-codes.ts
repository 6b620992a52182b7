/**
 * What `sess-conformance` exits with. The README's table says the same; a store author's CI reads
 * these, so each means one thing.
 */

/** Every property that was checked held, and something was checked. */
export const EXIT_PASSED = 0;
/**
 * The backend broke a rule (a property failed), or the run checked nothing, or (with
 * `--require-all`) something was not checked. The report says which.
 */
export const EXIT_FAILED = 1;
/** The run could not start: a bad option, a missing file, no factory export, a factory that throws at once, a missing tool. */
export const EXIT_USAGE = 2;
/** sess itself failed (a bug in the harness, not in the backend): what was decided before it is printed first. */
export const EXIT_INTERNAL = 3;
