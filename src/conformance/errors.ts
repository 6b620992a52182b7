/**
 * The two ways a conformance run can fail to start. Both are the caller's to fix (the CLI exits 2
 * on them), as opposed to a property failing, which is the backend's to fix (exit 1).
 */

/** The options asked for something that does not exist or does not make sense together. */
export class ConformanceUsageError extends Error {
  override readonly name = 'ConformanceUsageError';
}

/**
 * The target gives no usable backend: the module has no factory under the export asked for, the
 * factory throws (or rejects), or what it returns is not a {@link Backend}.
 */
export class BackendFactoryError extends Error {
  override readonly name = 'BackendFactoryError';
}
