/**
 * IndexedDbBackend over Chromium's own IndexedDB: the unit tests of `indexeddb.test.ts` (which
 * run over fake-indexeddb in the `node` project) run here unchanged, against the real thing.
 */
import './indexeddb.test.js';
