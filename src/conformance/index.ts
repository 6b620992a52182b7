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
  type Finding,
  type NotCheckedPart,
  type PropertyReport,
  type PropertySummary,
  type RootCause,
} from './run/runner.js';
export { BackendFactoryError, ConformanceUsageError } from './errors.js';
export { formatFailure, formatFinding, formatNotChecked, formatResultLine, formatSummary, replayCommand, type ReplayTarget } from './report/text.js';
export { findingsOf } from './report/findings.js';
