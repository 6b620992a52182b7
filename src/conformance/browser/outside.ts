/**
 * Everything the browser room takes from the rest of `src/conformance`, in one place: the rooms
 * around it are being moved (issue 11), and then only these lines change.
 *
 * The page entry imports the runner, the factory picker and the errors by absolute path (it is
 * bundled from a temp folder), so those are paths here; the Node side imports types and errors.
 */
import { fileURLToPath } from 'node:url';

export { ConformanceUsageError } from '../errors.js';
export { firstLine } from '../../error-text.js';
export type { Target } from '../load/targets.js';
export type { ConformanceReport, PropertySummary } from '../run/runner.js';
export type { PropertyReport } from '../../../properties/property.js';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** What the page entry imports, by absolute path (`.js`: in `src/`, rolldown finds the `.ts`). */
export const PAGE_IMPORTS = {
  /** `runConformance`. */
  runner: here('../run/runner.js'),
  /** `pickFactory`, `builtinExportName`. */
  factoryExport: here('../load/factory-export.js'),
  /** `BackendFactoryError`, `ConformanceUsageError`. */
  errors: here('../errors.js'),
} as const;
