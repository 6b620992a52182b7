/**
 * The page `indexeddb.engines.test.ts` runs in each engine: the engine-dependent IndexedDB unit
 * checks, then the browser gallery (fixtures/browser). One page for both spares a browser start.
 */
import { runBrowserGallery } from '../../fixtures/browser/gallery.js';
import { runEngineChecks } from './indexeddb.engine-checks.js';

const checks = await runEngineChecks();
const gallery = await runBrowserGallery();
await (globalThis as unknown as { __sessPost(message: unknown): Promise<void> }).__sessPost({ type: 'done', value: { checks, gallery } });
