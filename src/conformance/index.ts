/**
 * `sess/conformance`: run the conformance suite on a backend from code.
 */
export {
  listProperties,
  probeFactory,
  runConformance,
  selectProperties,
  type ConformanceOptions,
  type ConformanceProperty,
  type ConformanceReport,
  type FailureReport,
  type PropertyReport,
  type PropertySummary,
} from './run/runner.js';
export { BackendFactoryError, ConformanceUsageError } from './errors.js';
export { formatFailure, formatResultLine, formatSummary, replayCommand, type ReplayTarget } from './report/text.js';
