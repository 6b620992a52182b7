/**
 * The browser room: `sess-conformance --browser [chromium|firefox|webkit]`. The target module and
 * the runner are bundled with rolldown, served from 127.0.0.1, and run in a page that one engine
 * driver drives (`engines/`: Chromium with playwright-core, Firefox with puppeteer-core over
 * WebDriver BiDi, WebKit with WebKitWebDriver over classic WebDriver); each property's report
 * streams back as it is decided. Nothing here prints or picks an exit code: that is the CLI's.
 *
 *   engine-names.ts  the engines and `--browser`'s list      entry.ts        the page's program
 *   bundle.ts        rolldown                                page-server.ts  page, bundle, messages
 *   source-map.ts    stacks mapped back to the user's files  workspace.ts    temp folder, signals
 *   page.ts          a bundle in one engine's page           run.ts          one conformance run
 *   binaries.ts      browser paths and overrides             tools.ts        optional peers
 *   outside.ts       what the room takes from the rest of src/conformance
 */
export { BROWSER_ENGINES, ENGINE_LABEL, parseEngines, type BrowserEngine } from './engine-names.js';
export { runInBrowser, type BrowserOutcome, type BrowserRunEvents, type BrowserRunRequest } from './run.js';
export { runPageModule, type PageModuleRun } from './page-module.js';
