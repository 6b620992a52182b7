/** Every conformance property on IndexedDbBackend in Webkit (see indexeddb.conformance.engine.ts). */
import { describeEngineConformance } from './indexeddb.conformance.engine.js';

describeEngineConformance('webkit');
