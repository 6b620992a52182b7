/**
 * What a run did, step by step, so that a failure reads as a story a person can follow and replay:
 * each step is a human sentence plus the TypeScript line that does the same against the factory.
 * A property records its steps here and, on the first wrong answer, throws a {@link PropertyFailure}
 * carrying them; `checkProperty` turns the one thrown on the shrunk counterexample into the report.
 */

/** One step that ran. */
export interface TraceStep {
  /** What happened, e.g. `get(k1) -> not_found`. */
  readonly text: string;
  /** The same step as TypeScript lines (a `backend`, a `clock` and earlier keys in scope). */
  readonly code: readonly string[];
}

/** The root cause a failure shows: the same wherever it is found, so a run lists it once. */
export interface RootCause {
  /**
   * Stable kebab-case id of the rule broken, the same from every property that can see it:
   * e.g. 'expiry-early', 'expiry-late', 'period-rounding', 'revives-cleared', 'key-format',
   * 'not-linearizable', 'call-rejected', 'call-never-settles', 'unhandled-rejection'.
   */
  readonly id: string;
  /** The rule in one sentence with its SPEC section: what the finding list prints. */
  readonly rule: string;
  /**
   * How big the deviation is, measured, when it can be: 'expiry is 1 ms early',
   * 'expiry is up to 999 ms late (whole seconds)', 'the remaining period is 1 s too long'.
   */
  readonly measured?: string;
}

/** What a failure may say beyond its rule: the root cause id (else a slug of the rule) and the measured size. */
export interface RootCauseOptions {
  readonly id?: string | undefined;
  readonly measured?: string | undefined;
}

/** A rule sentence as a kebab-case id: its words before the SPEC citation, at most eight of them. */
export function slugOf(rule: string): string {
  const words = rule
    .replace(/\(?SPEC §.*$/s, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  return words.slice(0, 8).join('-') || 'rule-broken';
}

/** The root cause of a failure of `rule`, as {@link RootCauseOptions} name it. */
export function rootCauseOf(rule: string, options: RootCauseOptions = {}): RootCause {
  return {
    id: options.id ?? slugOf(rule),
    rule,
    ...(options.measured === undefined ? {} : { measured: options.measured }),
  };
}

/**
 * The root cause of a backend or manager call that rejected where it must resolve: the call never
 * settling (the harness's watchdog rejects with a `CallTimeoutError`) is its own cause.
 */
export function rejectionCause(error: unknown): 'call-rejected' | 'call-never-settles' {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'CallTimeoutError'
    ? 'call-never-settles'
    : 'call-rejected';
}

/**
 * The error a property throws when the implementation broke a rule. `message` names the rule and
 * says what was expected and what came back; `steps` and `snippet` tell how to get there.
 * Other properties (concurrency, faults) may throw it too: `checkProperty` reads any error (or
 * `cause`) that has `steps` and `snippet`.
 */
export class PropertyFailure extends Error {
  override readonly name = 'PropertyFailure';
  /** The broken rule, one sentence with its SPEC section. */
  readonly rule: string;
  /** Numbered human-readable steps that ran, the failing one last with expected vs actual. */
  readonly steps: string[];
  /** Runnable TypeScript reproducing the failure against `factory`. */
  readonly snippet: string;
  /** For concurrent histories. */
  readonly timeline: string | undefined;
  /** The root cause: the same id from every property that sees this deviation. */
  readonly rootCause: RootCause;

  constructor(rule: string, detail: string, steps: string[], snippet: string, timeline?: string, options: RootCauseOptions = {}) {
    super(`${rule}\n${detail}`);
    this.rule = rule;
    this.steps = steps;
    this.snippet = snippet;
    this.timeline = timeline;
    this.rootCause = rootCauseOf(rule, options);
  }
}

/** The steps of one run, and how to write them as a snippet. */
export class Trace {
  readonly #title: string;
  readonly #setup: readonly string[];
  readonly #steps: TraceStep[] = [];

  /**
   * @param title what the snippet reproduces, e.g. `backend-model`
   * @param setup the snippet's first lines: creating the clock and the backend from `factory`
   */
  constructor(title: string, setup: readonly string[]) {
    this.#title = title;
    this.#setup = setup;
  }

  /** What the snippet reproduces, e.g. `backend-model`. */
  get title(): string {
    return this.#title;
  }

  /** Records a step that went as the model said. */
  record(text: string, ...code: string[]): void {
    this.#steps.push({ text, code });
  }

  /** The steps so far, numbered. */
  numberedSteps(): string[] {
    return this.#steps.map((step, index) => `${index + 1}. ${step.text}`);
  }

  /**
   * Throws the failure: the step that went wrong is added last, with what the model expected and
   * what the implementation did. The code lines may be followed by one {@link RootCauseOptions}.
   */
  fail(rule: string, step: string, expected: string, actual: string, ...codeThenOptions: Array<string | RootCauseOptions>): never {
    const options = codeThenOptions.find((item): item is RootCauseOptions => typeof item === 'object');
    const code = codeThenOptions.filter((item): item is string => typeof item === 'string');
    const failing = { text: `${step}\n   expected: ${expected}\n   actual:   ${actual}`, code };
    const steps = [...this.#steps, failing];
    const numbered = steps.map((s, index) => `${index + 1}. ${s.text}`);
    const lines = [
      `// Reproduces the ${this.#title} failure: ${rule}`,
      '// `factory` is the BackendFactory under test.',
      ...this.#setup,
      ...steps.flatMap((s, index) =>
        index === steps.length - 1
          ? [...s.code, `// expected: ${oneLine(expected)}`, `// actual:   ${oneLine(actual)}`]
          : s.code,
      ),
    ];
    throw new PropertyFailure(
      rule,
      `at step ${steps.length}: ${step}\n  expected: ${expected}\n  actual:   ${actual}`,
      numbered,
      lines.join('\n'),
      undefined,
      options,
    );
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** A string shown to a person: quoted, cut in the middle when long, with its length. */
export function showString(value: string): string {
  if (value.length <= 60) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, 24))}…${JSON.stringify(value.slice(-8))} (${value.length} UTF-16 units)`;
}

/** Any value shown to a person, strings shortened as {@link showString} does. */
export function show(value: unknown): string {
  if (typeof value === 'string') return showString(value);
  if (value === undefined) return 'undefined';
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'object' && value !== null) {
    const parts = Object.entries(value).map(([name, inner]) => `${name}: ${show(inner)}`);
    return Array.isArray(value) ? `[${(value as unknown[]).map(show).join(', ')}]` : `{ ${parts.join(', ')} }`;
  }
  return String(value);
}

/**
 * A string as a TypeScript expression that evaluates to it, short even for 1 MiB values made of a
 * repeated unit (`'ab'.repeat(524288)`).
 */
export function codeString(value: string): string {
  if (value.length > 200) {
    for (let unit = 1; unit <= 64 && unit * 2 <= value.length; unit++) {
      if (value.length % unit !== 0) continue;
      const head = value.slice(0, unit);
      if (head.repeat(value.length / unit) === value) return `${JSON.stringify(head)}.repeat(${value.length / unit})`;
    }
  }
  return JSON.stringify(value);
}
