/**
 * The optional peer dependencies `--browser` needs, loaded only when a browser run starts, so that
 * the library itself stays plain JavaScript: rolldown (native) and the source-map decoder for
 * every engine, playwright-core for Chromium, puppeteer-core for Firefox. WebKit needs none (its
 * WebDriver is spoken over `fetch`).
 */
import { ConformanceUsageError } from './outside.js';

/** The exact versions checked on Node 20 (RECIPE.md), for the install hint. */
const PINNED: Record<string, string> = {
  rolldown: '1.3.2',
  '@jridgewell/sourcemap-codec': '1.6.0',
  'playwright-core': '1.65.1',
  'puppeteer-core': '24.43.1',
};

export type Rolldown = typeof import('rolldown').rolldown;
export type Decode = typeof import('@jridgewell/sourcemap-codec').decode;

/** What every engine's run needs: the bundler and the source-map decoder. */
export interface BundleTools {
  rolldown: Rolldown;
  decode: Decode;
}

export async function loadBundleTools(forWhat: string): Promise<BundleTools> {
  const [rolldown, codec] = await loadOptional(forWhat, [
    ['rolldown', () => import('rolldown')],
    ['@jridgewell/sourcemap-codec', () => import('@jridgewell/sourcemap-codec')],
  ] as const);
  return { rolldown: rolldown.rolldown, decode: codec.decode };
}

type Loaders = readonly (readonly [string, () => Promise<unknown>])[];
type Loaded<L extends Loaders> = { -readonly [K in keyof L]: L[K] extends readonly [string, () => Promise<infer T>] ? T : never };

/**
 * Imports each optional package, or throws one ConformanceUsageError naming every missing one and
 * the `npm install` line that adds them.
 */
export async function loadOptional<L extends Loaders>(forWhat: string, loaders: L): Promise<Loaded<L>> {
  const missing: string[] = [];
  const loaded = await Promise.all(
    loaders.map(async ([name, load]) => {
      try {
        return await load();
      } catch {
        missing.push(name);
        return undefined;
      }
    }),
  );
  if (missing.length > 0) {
    const install = missing.map((name) => `${name}@${PINNED[name] ?? 'latest'}`).join(' ');
    throw new ConformanceUsageError(
      `${forWhat} needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed: npm install --save-dev ${install}`,
    );
  }
  return loaded as Loaded<L>;
}
