/**
 * The shape of the house (STYLE.md, issue 11): data flows one way, so no module imports itself
 * back through others, and each folder imports only what its row of the table allows. Checked on
 * the source text of src/, models/ and properties/, type-only imports included (a circle of types
 * is still two files that cannot be read apart).
 *
 * Written here rather than with madge or dpdm: both read TypeScript through the compiler's JS
 * API, which TypeScript 7 no longer has (RECIPE.md), and what is needed is thirty lines.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const FOLDERS = ['src', 'models', 'properties'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Import {
  readonly to: string;
  readonly typeOnly: boolean;
}

/** The relative imports of a file (static, re-exports and literal dynamic ones), resolved to .ts files. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
  const found: Import[] = [];
  // import x from '...'; import type { X } from '...'; export { x } from '...'; import('...')
  const pattern = /(?:^|[;\s])(import|export)(\s+type)?\s[^'"`;]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const match of text.matchAll(pattern)) {
    const specifier = match[3] ?? match[4]!;
    const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
    if (existsSync(target)) found.push({ to: target, typeOnly: match[2] !== undefined });
  }
  return found;
}

const files = FOLDERS.flatMap((folder) => sourceFiles(join(root, folder)));
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const name = (file: string) => relative(root, file);

/** Every circle, as the files on it (Tarjan's strongly connected components of more than one file, or a file importing itself). */
function circles(graph: ReadonlyMap<string, readonly Import[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const { to } of graph.get(file) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)!.some((i) => i.to === file)) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

/** The imports from files matching `from` into files matching `to`, as `a -> b` lines. */
function importsBetween(from: RegExp, to: RegExp, { valuesOnly = false } = {}): string[] {
  return [...graph].flatMap(([file, imports]) =>
    from.test(name(file)) ? imports.filter((i) => to.test(name(i.to)) && !(valuesOnly && i.typeOnly)).map((i) => `${name(file)} -> ${name(i.to)}`) : [],
  );
}

describe('the house', () => {
  it('reads the imports it checks', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(graph.get(join(root, 'src/conformance/cli/main.ts'))?.map((i) => name(i.to))).toContain('src/conformance/run/runner.ts');
  });

  it('finds a circle when there is one (the check can fail)', () => {
    const edge = (to: string): Import => ({ to, typeOnly: false });
    const sample = new Map([['a', [edge('b')]], ['b', [edge('c')]], ['c', [edge('a')]], ['d', [edge('d')]], ['e', [edge('a')]]]);
    expect(circles(sample)).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('has no import circle in src/, models/ or properties/', () => {
    expect(circles(graph).map((circle) => circle.map(name))).toEqual([]);
  });

  it('models/ uses nothing of src/ but types, and nothing of properties/', () => {
    expect(importsBetween(/^models\//, /^src\//, { valuesOnly: true })).toEqual([]);
    expect(importsBetween(/^models\//, /^properties\//)).toEqual([]);
  });

  it('the library outside the conformance runner imports neither models/ nor properties/', () => {
    expect(importsBetween(/^src\/(?!conformance\/)/, /^(models|properties)\//)).toEqual([]);
  });

  it('properties/ never reaches up into the conformance runner', () => {
    expect(importsBetween(/^properties\//, /^src\/conformance\//)).toEqual([]);
  });

  it('nothing but the CLI imports the CLI (the browser room included), and the browser room reaches the rest only through outside.ts', () => {
    expect(importsBetween(/^src\/conformance\/browser\/(?!outside\.ts$)/, /^src\/(?!conformance\/browser\/)/)).toEqual([]);
    expect(importsBetween(/^src\/conformance\/(?!cli\/|bin\.ts$)/, /^src\/conformance\/cli\//)).toEqual([]);
  });
});
