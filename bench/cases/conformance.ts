/**
 * Case 6: how fast the conformance suite works on MemoryBackend — backend operations it checks
 * per second, per property — and how long it takes to catch each deliberately broken fixture
 * backend (fixtures/backends/*.ts whose expectation is `fails`).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Backend, BackendFactory } from '../../src/backend.js';
import { memoryBackendFactory } from '../../src/backends/memory.js';
import type { CheckOptions, ConformanceProperty, PropertyReport } from '../../properties/property.js';
import type { BenchCase } from '../case.js';
import { target } from '../case.js';
import type { Figure, Target } from '../report.js';

type CheckProperty = (property: ConformanceProperty, factory: BackendFactory, options?: CheckOptions) => Promise<PropertyReport>;

type Expectation = { verdict: 'passes' } | { verdict: 'fails'; property: string; bug: string };

/** The operations a bench wrapper counts (and delays). */
const BACKEND_OPERATIONS = ['generate', 'get', 'set', 'touch', 'clear', 'size', 'sweep'] as const;

/**
 * A factory whose backends count the operations called on them, each answered `delayMs` later
 * (a timer, as a round trip would) when a delay is given. The conformance and slow-store cases
 * share it.
 */
export function countingFactory(factory: BackendFactory, counter: { calls: number }, delayMs?: number): BackendFactory {
  return async (context) => {
    const backend = await factory(context);
    return new Proxy(backend, {
      get(target, property, receiver) {
        const member = Reflect.get(target, property, receiver) as unknown;
        if (typeof member !== 'function') return member;
        const operation = member as (...args: unknown[]) => unknown;
        if (!(BACKEND_OPERATIONS as readonly PropertyKey[]).includes(property)) return operation.bind(target);
        if (delayMs === undefined) {
          return (...args: unknown[]) => {
            counter.calls++;
            return operation.apply(target, args);
          };
        }
        return async (...args: unknown[]) => {
          counter.calls++;
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          return operation.apply(target, args);
        };
      },
    }) satisfies Backend;
  };
}

export const conformanceThroughput: BenchCase = {
  id: 'conformance',
  title: 'conformance suite on memory: operations checked per second, time to catch broken fixtures',
  async run({ root, quick, log }) {
    const needed = ['properties/check.ts', 'properties/index.ts'];
    const missing = needed.filter((file) => !existsSync(path.join(root, file)));
    if (missing.length > 0) return { skipped: `${missing.join(' and ')} not written yet (spec-suites engineer)` };
    const { checkProperty } = (await import(pathToFileURL(path.join(root, 'properties/check.ts')).href)) as { checkProperty: CheckProperty };
    const { conformanceProperties } = (await import(pathToFileURL(path.join(root, 'properties/index.ts')).href)) as {
      conformanceProperties: ConformanceProperty[];
    };

    const figures: Figure[] = [];
    const targets: Target[] = [];
    const notes: string[] = [];
    const detail: Record<string, unknown> = {};
    const seed = 42;

    // Throughput: every property over MemoryBackend, counting backend operations.
    let totalCalls = 0;
    let totalMs = 0;
    for (const property of conformanceProperties) {
      const counter = { calls: 0 };
      const runs = quick ? Math.max(1, Math.ceil(property.defaultRuns / 10)) : property.defaultRuns;
      const report = await checkProperty(property, countingFactory(memoryBackendFactory, counter), { runs, seed });
      log(`  ${property.name}: ${report.verdict}, ${report.runs} runs, ${counter.calls} operations, ${report.durationMs.toFixed(0)} ms`);
      if (report.verdict === 'failed') notes.push(`${property.name} FAILED on MemoryBackend: ${report.failure?.message ?? ''}`);
      if (report.verdict !== 'passed') {
        figures.push({ name: `${property.name}: ${report.verdict}`, value: report.durationMs, unit: 'ms' });
        continue;
      }
      totalCalls += counter.calls;
      totalMs += report.durationMs;
      figures.push({ name: `${property.name}: operations checked per second (${report.runs} runs)`, value: (counter.calls / report.durationMs) * 1000, unit: '/s' });
      detail[property.name] = { runs: report.runs, operations: counter.calls, durationMs: report.durationMs };
    }
    if (totalMs > 0) figures.push({ name: 'all properties: operations checked per second', value: (totalCalls / totalMs) * 1000, unit: '/s' });

    // Broken fixtures: time until the named property catches each.
    const fixturesDir = path.join(root, 'fixtures', 'backends');
    if (!existsSync(fixturesDir)) {
      notes.push('fixtures/backends/ does not exist yet: no broken fixtures timed');
    } else {
      const files = readdirSync(fixturesDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
      for (const file of files) {
        const fixture = (await import(pathToFileURL(path.join(fixturesDir, file)).href)) as { default: BackendFactory; expectation: Expectation };
        if (fixture.expectation?.verdict !== 'fails') continue;
        const name = file.replace(/\.ts$/, '');
        const property = conformanceProperties.find((p) => p.name === (fixture.expectation as { property: string }).property);
        if (property === undefined) {
          notes.push(`${name}: expects property ${JSON.stringify(fixture.expectation.property)}, which does not exist`);
          continue;
        }
        const started = performance.now();
        const report = await checkProperty(property, fixture.default, { seed });
        const elapsed = performance.now() - started;
        const caught = report.verdict === 'failed';
        log(`  ${name}: ${caught ? 'caught' : `NOT caught (${report.verdict})`} by ${property.name} in ${elapsed.toFixed(0)} ms`);
        figures.push({ name: `${name}: time to catch (${property.name}, with shrinking)`, value: elapsed, unit: 'ms' });
        targets.push(target(`${name} caught by ${property.name} (1 = caught)`, caught ? 1 : 0, '>=', 1));
        detail[`fixture ${name}`] = { property: property.name, caught, durationMs: elapsed, runs: report.runs, shrinks: report.failure?.shrinks };
      }
    }
    notes.push(`seed ${seed}; "operations" are backend calls (generate/get/set/touch/clear/size/sweep) counted through a proxy, the work a run checks against the model.`);
    return { figures, targets, notes, detail };
  },
};
