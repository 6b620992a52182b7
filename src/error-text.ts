/**
 * Errors as text for people: the one copy of each helper that the backends, the conformance
 * runner, its loaders and its CLI use to put an error into a message. No Node imports: the core
 * runs in browsers too.
 */

/**
 * A failure as one line: its message (or its name when it has none), each message of an
 * `AggregateError` (a dual-stack connect fails once per address), `String(error)` for a
 * non-Error. DOMExceptions are Errors in browsers and in Node.
 */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeError).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** The first line of `text` that is not blank, trimmed (a bundler's or loader's message runs over several). */
export function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? text;
}

/** The stack of an error and of each `cause` below it (at most five deep), for `--verbose`. */
export function stackWithCauses(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}
