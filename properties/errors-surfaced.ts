/**
 * `errors-surfaced`: a backend says when it cannot do what was asked. An invalid `expiry` rejects
 * with a `RangeError` and stores nothing (SPEC §1); after `close()`, every operation rejects with
 * an `Error` instead of resolving a made-up answer (SPEC §4: failures never turn into `not_found`
 * or a fake success).
 */
import fc from 'fast-check';
import type { Backend, BackendFactory } from '../src/backend.js';
import * as model from '../models/backend-model.js';
import { optionalValueArb, valueArb } from './arbitraries.js';
import { GenerateCommand, GetCommand, initialWorld, type BackendUnderTest, type BackendWorld, type ModelStep } from './backend-commands.js';
import { openBackend, setupCode } from './fresh-backend.js';
import type { ConformanceProperty, PreparedProperty } from './property.js';
import { codeString, rejectionCause, show, Trace } from './trace.js';

/** Not a period (SPEC §1): negative, fractional, NaN, infinite, over 400 days, not a number. */
const invalidExpiryArb: fc.Arbitrary<unknown> = fc.constantFrom(-1, -1000, 1.5, 0.001, Number.NaN, Infinity, -Infinity, model.MODEL_MAX_PERIOD + 1, 2 ** 53, '60', null);

function codeOf(value: unknown): string {
  if (typeof value === 'string') return codeString(value);
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return String(value);
}

/** `generate`/`set`/`touch` with an invalid expiry: rejects with a `RangeError`, changes nothing. */
class InvalidExpiryCommand implements ModelStep<BackendWorld, BackendUnderTest> {
  #code = '';
  constructor(
    readonly operation: 'generate' | 'set' | 'touch',
    readonly expiry: unknown,
    readonly pick: number,
    readonly value: string,
  ) {}
  check(): boolean {
    return true;
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    const index = world.keys.length === 0 ? -1 : this.pick % world.keys.length;
    const key = index === -1 ? '' : world.keys[index]!;
    const label = index === -1 ? "''" : `k${index + 1}`;
    const options = `{ expiry: ${codeOf(this.expiry)} }`;
    const call =
      this.operation === 'generate'
        ? `generate({ value: ${codeString(this.value)}, expiry: ${codeOf(this.expiry)} })`
        : this.operation === 'set'
          ? `set(${label}, ${codeString(this.value)}, ${options})`
          : `touch(${label}, ${options})`;
    this.#code = `await ${real.name}.${call}.then((r) => console.log('resolved', r), (e) => console.log(e));`;
    const backend = real.backend;
    const sizeBefore = typeof backend.size === 'function' ? await backend.size() : undefined;
    const expiry = this.expiry as number;
    let outcome: { resolved: unknown } | { rejected: unknown };
    try {
      const op =
        this.operation === 'generate'
          ? backend.generate({ value: this.value, expiry })
          : this.operation === 'set'
            ? backend.set(key, this.value, { expiry })
            : backend.touch(key, { expiry });
      outcome = { resolved: await op };
    } catch (error) {
      outcome = { rejected: error };
    }
    const step = `${call.replace(/\{ value: .*?, expiry/, '{ …, expiry')} with an invalid expiry`;
    if ('rejected' in outcome && rejectionCause(outcome.rejected) === 'call-never-settles') {
      real.trace.fail(`every backend call settles: ${this.operation} neither resolved nor rejected (SPEC §4, §8)`, step, 'rejects with RangeError', `rejected with ${show(outcome.rejected)}`, this.#code, { id: 'call-never-settles' });
    }
    if (!('rejected' in outcome) || !(outcome.rejected instanceof RangeError)) {
      real.trace.fail(
        `an invalid expiry (${show(this.expiry)}) is a RangeError naming the argument, and nothing is stored (SPEC §1, §4)`,
        step,
        'rejects with RangeError',
        'rejected' in outcome ? `rejected with ${show(outcome.rejected)}` : `resolved ${show(outcome.resolved)}`,
        this.#code,
        { id: 'invalid-expiry-accepted' },
      );
    }
    if (sizeBefore !== undefined) {
      const sizeAfter = await backend.size!();
      if (sizeAfter !== sizeBefore) {
        real.trace.fail(`a rejected ${this.operation} stores nothing (SPEC §1)`, `${step}; size()`, String(sizeBefore), show(sizeAfter), this.#code, { id: 'invalid-expiry-accepted' });
      }
    }
    real.trace.record(`${step} -> rejected with ${show(outcome.rejected)}`, this.#code);
  }
  toString(): string {
    return `${this.operation} with expiry ${show(this.expiry)}`;
  }
  toCode(): string {
    return this.#code;
  }
}

const knownArb = fc.nat({ max: 5 }).map((known) => ({ known }));

const scenarioArb = fc.tuple(
  fc.array(optionalValueArb.map((value) => new GenerateCommand(value, 60)), { minLength: 1, maxLength: 3 }),
  fc.array(
    fc.oneof(
      fc.tuple(fc.constantFrom('generate' as const, 'set' as const, 'touch' as const), invalidExpiryArb, fc.nat({ max: 5 }), valueArb).map(
        ([operation, expiry, pick, value]) => new InvalidExpiryCommand(operation, expiry, pick, value),
      ),
      knownArb.map((choice) => new GetCommand(choice)),
    ),
    { minLength: 1, maxLength: 8 },
  ),
);

type Operation = { name: string; code: string; call: (backend: Backend, key: string) => Promise<unknown> };

/** Every operation, with valid arguments, as a program would call it after `close()`. */
function operationsAfterClose(backend: Backend): Operation[] {
  const operations: Operation[] = [
    { name: 'generate()', code: 'generate()', call: (b) => b.generate() },
    { name: 'get(k1)', code: 'get(k1)', call: (b, key) => b.get(key) },
    { name: "set(k1, 'v')", code: "set(k1, 'v')", call: (b, key) => b.set(key, 'v') },
    { name: 'touch(k1)', code: 'touch(k1)', call: (b, key) => b.touch(key) },
    { name: 'clear(k1)', code: 'clear(k1)', call: (b, key) => b.clear(key) },
  ];
  if (typeof backend.size === 'function') operations.push({ name: 'size()', code: 'size()', call: (b) => b.size!() });
  if (typeof backend.sweep === 'function') operations.push({ name: 'sweep()', code: 'sweep()', call: (b) => b.sweep!() });
  return operations;
}

export const errorsSurfacedProperty: ConformanceProperty = {
  name: 'errors-surfaced',
  summary: 'an invalid expiry rejects with RangeError and stores nothing; after close() every operation rejects with an Error (never a fake answer)',
  rules: '§1 §4',
  defaultRuns: 50,
  async prepare(factory: BackendFactory): Promise<PreparedProperty> {
    return {
      property: fc.asyncProperty(scenarioArb, async ([generates, steps]) => {
        const { backend, clock } = await openBackend(factory);
        let closed = false;
        try {
          const trace: Trace = new Trace('errors-surfaced', setupCode());
          const world = initialWorld(backend, clock.now());
          const real = { backend, clock, trace, name: 'backend' };
          await fc.asyncModelRun(() => ({ model: world, real }), [...generates, ...steps]);
          if (typeof backend.close !== 'function') return;
          // SPEC §4: a backend failure rejects; a closed backend is the failure every backend can show.
          await backend.close();
          closed = true;
          trace.record('close()', 'await backend.close();');
          const key = world.keys[0] ?? '';
          for (const operation of operationsAfterClose(backend)) {
            const code = `await backend.${operation.code}.then((r) => console.log('resolved', r), (e) => console.log(e));`;
            let outcome: { resolved: unknown } | { rejected: unknown };
            try {
              outcome = { resolved: await operation.call(backend, key) };
            } catch (error) {
              outcome = { rejected: error };
            }
            if (!('rejected' in outcome) || !(outcome.rejected instanceof Error)) {
              trace.fail(
                'a backend that cannot do the operation (here: closed) rejects with an Error; it never resolves not_found or a fake success (SPEC §4)',
                `${operation.name} after close()`,
                'rejects with an Error',
                'rejected' in outcome ? `rejected with ${show(outcome.rejected)}, not an Error` : `resolved ${show(outcome.resolved)}`,
                code,
                { id: 'failure-hidden' },
              );
            }
            trace.record(`${operation.name} after close() -> rejected with ${show(outcome.rejected)}`, code);
          }
        } finally {
          if (!closed) await backend.close?.();
        }
      }),
      note: await noteFor(factory),
    };
  },
};

/** Says what was not checked when the backend has no `close()`. */
async function noteFor(factory: BackendFactory): Promise<string | undefined> {
  const probe = await openBackend(factory);
  if (typeof probe.backend.close === 'function') {
    await probe.backend.close();
    return undefined;
  }
  return 'backend has no close(): checked invalid expiries only, not operations after close';
}
