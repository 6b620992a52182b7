/** Every conformance property on IndexedDbBackend in Firefox (see indexeddb.conformance.engine.ts). */
import { describeEngineConformance } from './indexeddb.conformance.engine.js';

describeEngineConformance('firefox');
