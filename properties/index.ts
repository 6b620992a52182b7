/**
 * Every conformance property, in report order. The suite that `sess-conformance`, the vitest helper
 * and the tests run.
 */
import { backendModelProperty } from './backend-model.js';
import { derivedKeysProperty } from './derived-keys.js';
import { errorsSurfacedProperty } from './errors-surfaced.js';
import { garbageKeysProperty } from './garbage-keys.js';
import { keyQualityProperty } from './key-quality.js';
import { managerModelProperty } from './manager-model.js';
import { namespaceIsolationProperty } from './namespace-isolation.js';
import { reclaimingProperty } from './reclaiming.js';
import { valuesProperty } from './values.js';
import type { ConformanceProperty } from './property.js';
import { linearizability } from './concurrency.js';
import { managerRaces } from './concurrency-races.js';
import { faults } from './faults-property.js';

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
  keyQualityProperty,
  garbageKeysProperty,
  derivedKeysProperty,
  valuesProperty,
  namespaceIsolationProperty,
  reclaimingProperty,
  errorsSurfacedProperty,
  linearizability,
  managerRaces,
  faults,
];
