/**
 * Every conformance property, in report order. The suite that `sess-conformance`, the vitest helper
 * and the tests run.
 */
import { backendModelProperty } from './backend-model.js';
import { managerModelProperty } from './manager-model.js';
import type { ConformanceProperty } from './property.js';

export { checkProperty } from './check.js';
export type { CheckOptions, ConformanceProperty, FailureReport, PreparedProperty, PropertyReport } from './property.js';

/**
 * In report order. The sequential properties come first; the concurrency properties
 * (`linearizability`, `manager-races`, `faults`, in properties/concurrency*.ts and faults*.ts) are
 * appended at the end of this array.
 */
export const conformanceProperties: ConformanceProperty[] = [
  backendModelProperty,
  managerModelProperty,
];
