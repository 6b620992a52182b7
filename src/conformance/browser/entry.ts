/**
 * The page's program, generated per run: import the runner and the target, run, and post every
 * event back to the page server (`globalThis.__sessPost`, defined by the page's first script).
 * The user's module is imported dynamically so that, bundled with code splitting off, a throw at
 * import time is a rejection caught here (RECIPE.md).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAGE_IMPORTS, type PropertyReport, type ConformanceReport, type PropertySummary, type Target } from './outside.js';

/** A message the page entry posts. */
export type PageMessage =
  | { type: 'start'; property: PropertySummary; index: number; total: number }
  | { type: 'result'; report: PropertyReport }
  | { type: 'done'; report: ConformanceReport }
  | { type: 'fatal'; kind: 'usage' | 'factory' | 'load' | 'error'; message: string; stack: string };

/**
 * Writes the entry module into `dir` and returns its path.
 *
 * @param runOptions handed to `runConformance` as they are (JSON).
 */
export function writeEntry(dir: string, target: Target, exportName: string | undefined, runOptions: Record<string, unknown>): string {
  const modulePath = target.kind === 'builtin' ? target.backend.modulePath : target.path;
  const pick =
    target.kind === 'builtin'
      ? `pickFactory(module, builtinExportName(module, ${JSON.stringify({ exportName: target.backend.exportName })}), ${JSON.stringify(`the built-in backend '${target.backend.name}'`)})`
      : `pickFactory(module, ${JSON.stringify(exportName ?? 'default')}, ${JSON.stringify(target.given)})`;
  const source = `
import { runConformance } from ${JSON.stringify(PAGE_IMPORTS.runner)};
import { builtinExportName, pickFactory } from ${JSON.stringify(PAGE_IMPORTS.factoryExport)};
import { BackendFactoryError, ConformanceUsageError } from ${JSON.stringify(PAGE_IMPORTS.errors)};

// Posts are chained so that the server receives them in order, and "done" last.
let posted = Promise.resolve();
const post = (message) => { posted = posted.then(() => globalThis.__sessPost(message)); return posted; };
const stackOf = (error) => {
  const parts = [];
  for (let current = error; current !== undefined && current !== null && parts.length < 5; current = current.cause) {
    parts.push(current instanceof Error ? String(current.stack) : String(current));
  }
  return parts.join('\\ncaused by: ');
};
const fatal = (kind, error) => post({ type: 'fatal', kind, message: error instanceof Error ? error.message : String(error), stack: stackOf(error) });

let module;
try {
  module = await import(${JSON.stringify(modulePath)});
} catch (error) {
  await fatal('load', error);
}
if (module !== undefined) {
  try {
    const factory = ${pick};
    const report = await runConformance(factory, {
      ...${JSON.stringify(runOptions)},
      onStart: (property, index, total) => void post({ type: 'start', property, index, total }),
      onResult: (report) => void post({ type: 'result', report }),
    });
    await post({ type: 'done', report });
  } catch (error) {
    await fatal(error instanceof BackendFactoryError ? 'factory' : error instanceof ConformanceUsageError ? 'usage' : 'error', error);
  }
}
`;
  const entry = join(dir, 'entry.mjs');
  writeFileSync(entry, source);
  return entry;
}
