/**
 * Any module of one's own run to its end in one engine's page, through the same bundle, server and
 * drivers as a conformance run: the IndexedDB engine tests and the benchmarks use it. The module
 * posts messages with `globalThis.__sessPost(message)` and ends with `{ type: 'done', value }`
 * (or `{ type: 'fatal', message, stack }`).
 */
import { tmpdir } from 'node:os';
import { bundleForBrowser } from './bundle.js';
import { firstLine } from './outside.js';
import { ENGINE_LABEL, type BrowserEngine } from './engine-names.js';
import { openPage, prepareEngine } from './page.js';
import { makeStackMapper } from './source-map.js';
import { loadBundleTools } from './tools.js';
import { Workspace } from './workspace.js';

/** What a page module's run gave. */
export interface PageModuleRun<T> {
  /** The browser's name and version. */
  version: string;
  /** The `value` of the page's `done` message. */
  value: T;
  /** The page's console lines, as `level: text`. */
  console: string[];
}

/**
 * Bundles `input` (an absolute path), runs it in `engine`'s page and resolves what it posted last.
 *
 * @param options.onMessage every other message the page posts, in order.
 * @throws when the page reports `fatal` or an uncaught error, the browser goes away, or nothing
 *   ends within `timeoutMs`; stacks are mapped to the original files.
 */
export async function runPageModule<T>(
  engine: BrowserEngine,
  input: string,
  options: { cwd: string; timeoutMs: number; env?: Record<string, string | undefined>; onMessage?: (message: unknown) => void },
): Promise<PageModuleRun<T>> {
  const env = options.env ?? process.env;
  const label = ENGINE_LABEL[engine];
  const tools = await loadBundleTools(`a page in ${label}`);
  const launcher = await prepareEngine(engine, env);
  const workspace = new Workspace(env['TMPDIR'] ?? tmpdir());
  try {
    const bundle = await bundleForBrowser(tools.rolldown, input, options.cwd, workspace.dir, input);
    const mapStack = makeStackMapper(tools.decode, bundle.map);
    const lines: string[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = new Promise<{ version: string; value: T }>((resolve, reject) => {
      const fail = (text: string, stack?: string) => {
        const error = new Error(`${label}: ${firstLine(mapStack(text))}`);
        if (stack !== undefined) error.stack = `${error.message}\n${mapStack(stack)}`;
        reject(error);
      };
      timer = setTimeout(() => fail(`the page did not finish within ${options.timeoutMs / 1000} s`), options.timeoutMs);
      let version = label;
      openPage(engine, launcher, bundle, workspace, env, {
        message(raw) {
          const message = raw as { type?: string; value?: T; message?: string; stack?: string };
          if (message.type === 'done') resolve({ version, value: message.value as T });
          else if (message.type === 'fatal') fail(String(message.message), message.stack);
          else options.onMessage?.(raw);
        },
        console: (level, text) => lines.push(`${level}: ${mapStack(text)}`),
        pageError: (message, stack) => fail(`uncaught error in the page: ${message}`, stack),
        crash: (reason) => fail(reason),
      }).then(
        (page) => {
          version = page.version;
          page.loaded.catch((error: unknown) => fail(`the page did not load: ${(error as Error).message}`));
        },
        reject,
      );
    });
    try {
      const { version, value } = await ended;
      return { version, value, console: lines };
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await workspace.dispose();
  }
}
