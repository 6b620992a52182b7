/** Every conformance property on IndexedDbBackend in Webkit (see fixtures/browser/support/indexeddb.conformance.engine.ts). */
import { describeEngineConformance } from '../../fixtures/browser/support/indexeddb.conformance.engine.js';

describeEngineConformance('webkit');
