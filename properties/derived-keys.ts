/**
 * `derived-keys`: the strings a store may confuse with a real key (other case, surrounding spaces,
 * truncated or extended, wildcards, path pieces, NUL, percent-encoded, look-alikes: see
 * key-variants.ts), made from the live, expired and cleared keys of the run. Each is simply another
 * key: `get`, `set` and `touch` of it resolve `not_found` and change nothing, `clear` of it leaves
 * the key it came from as it was (SPEC §2). `garbage-keys` draws random strings, which almost never
 * land on these.
 */
import fc from 'fast-check';
import type { BackendFactory, Lookup } from '../src/backend.js';
import * as model from '../models/backend-model.js';
import { optionalPeriodArb, optionalValueArb, valueArb } from './arbitraries.js';
import {
  AdvanceCommand,
  ClearCommand,
  GenerateCommand,
  resolveKey,
  sameLookup,
  showLookup,
  syncDefaultPeriod,
  TAGS,
  type BackendUnderTest,
  type BackendWorld,
  type ModelStep,
} from './backend-commands.js';
import { runBackendCommands } from './backend-model.js';
import { DIAGNOSTIC_VARIANTS, KEY_VARIANT_FAMILIES, KEY_VARIANTS, type KeyVariant, type KeyVariantFamily } from './key-variants.js';
import type { ConformanceProperty, PreparedProperty } from './property.js';
import { codeString, rejectionCause, show, showString } from './trace.js';

type Operation = 'get' | 'set' | 'touch' | 'clear';

/** SPEC §2 for one family of confusions. */
export function confusionRule(family: KeyVariantFamily): string {
  return `a session is found only by exactly the key handed out: ${family.clause} (SPEC §2)`;
}

/** SPEC §2: `clear` of a derived key must not reach the key it came from. */
export function clearConfusionRule(family: KeyVariantFamily): string {
  return `clear of another key touches no other session: ${family.clause} (SPEC §2)`;
}

/** SPEC §2: a derived key is a client's string like any other: answered, never an error. */
const REJECTION_RULE =
  'a key derived from a real one (case, spaces, cut, wildcards, path, NUL, encoded, look-alike) is simply another key: get/set/touch resolve not_found and clear resolves, never an error (SPEC §2)';

/**
 * One operation on a variant of a generated key (found by tag), then `get` of that key: the
 * variant's answer and the key's own must both be the model's.
 */
class VariantCommand implements ModelStep<BackendWorld, BackendUnderTest> {
  #text = '';
  #code: string[] = [];
  constructor(
    readonly operation: Operation,
    readonly tag: number,
    readonly variant: number,
    readonly value: string,
    readonly expiry: number | undefined,
  ) {}
  check(world: Readonly<BackendWorld>): boolean {
    return world.keys.length > 0;
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const source = resolveKey(world, { tagged: this.tag });
    const variant = KEY_VARIANTS[this.variant % KEY_VARIANTS.length]!;
    const key = variant.apply(source.key);
    const name = `${source.label} ${variant.label}`;
    const code = variant.code(source.code);
    const options = this.expiry === undefined ? undefined : { expiry: this.expiry };
    const optionsCode = options === undefined ? '' : `, { expiry: ${this.expiry} }`;
    const { backend } = real;
    let expected: string;
    let operationCode: string;
    let step: string;
    let invoke: () => Promise<unknown>;
    let next: model.BackendModel;
    let same: (actual: unknown) => boolean;
    let shown: (actual: unknown) => string;
    switch (this.operation) {
      case 'get': {
        const lookup: Lookup = model.get(world.state, key).result;
        [expected, next] = [showLookup(lookup), world.state];
        step = `get(${name})`;
        operationCode = `console.log(await ${real.name}.get(${code}));`;
        invoke = () => backend.get(key);
        same = (actual) => sameLookup(lookup, actual);
        shown = showLookup;
        break;
      }
      case 'set': {
        const transition = model.set(world.state, key, this.value, this.expiry);
        [expected, next] = [transition.result, transition.state];
        step = `set(${name}, ${showString(this.value)})`;
        operationCode = `console.log(await ${real.name}.set(${code}, ${codeString(this.value)}${optionsCode}));`;
        invoke = () => backend.set(key, this.value, options);
        same = (actual) => actual === transition.result;
        shown = show;
        break;
      }
      case 'touch': {
        const transition = model.touch(world.state, key, this.expiry);
        [expected, next] = [transition.result, transition.state];
        step = `touch(${name})`;
        operationCode = `console.log(await ${real.name}.touch(${code}${optionsCode}));`;
        invoke = () => backend.touch(key, options);
        same = (actual) => actual === transition.result;
        shown = show;
        break;
      }
      case 'clear': {
        [expected, next] = ['undefined', model.clear(world.state, key).state];
        step = `clear(${name})`;
        operationCode = `await ${real.name}.clear(${code});`;
        invoke = () => backend.clear(key);
        same = (actual) => actual === undefined;
        shown = show;
        break;
      }
    }
    this.#text = step;
    this.#code = [operationCode];
    // The key it came from, as the store has it now: the variant must leave exactly this. (Judged
    // against the store's own answer, not the model's: a store with a bug of its own, which other
    // properties name, is not blamed here for confusing keys.)
    const before = key === source.key ? undefined : await backend.get(source.key).catch(() => undefined);
    let actual: unknown;
    try {
      actual = await invoke();
    } catch (error) {
      real.trace.fail(REJECTION_RULE, step, expected, `rejected with ${show(error)}`, operationCode, { id: rejectionCause(error) });
    }
    if (!same(actual)) {
      // The same operation on an unrelated key that was never handed out: answered as wrongly, it
      // is the store's own rule that is broken (a set that stores on any key), not a confusion.
      const unrelated = await unrelatedKeyAnswer(real, this.operation, key.length, this.value, options);
      if (unrelated !== undefined && !same(unrelated)) {
        const judged = this.operation === 'get' ? model.judgeGet(world.state, key, model.get(world.state, key).result, actual) : this.operation === 'clear' ? undefined : model.judgeUpdate(world.state, this.operation, key, expected as 'ok' | 'not_found', actual);
        if (judged !== undefined) real.trace.fail(judged.rule, step, expected, shown(actual), operationCode, { id: judged.id, measured: judged.measured });
      }
      const { rule, also, id } = await named(real, variant, confusionRule);
      real.trace.fail(rule, step, expected, `${shown(actual)}${also}`, operationCode, { id });
    }
    world.state = next;
    real.trace.record(`${step} -> ${shown(actual)}`, operationCode);
    if (key === source.key) return;

    // The key it came from must be as it was before: untouched by what was done to the variant.
    const lookup = (before as Lookup | undefined) ?? model.get(world.state, source.key).result;
    const checkCode = `console.log(await ${real.name}.get(${source.code}));`;
    const checkStep = `get(${source.label})`;
    this.#code.push(checkCode);
    let found: unknown;
    try {
      found = await backend.get(source.key);
    } catch (error) {
      real.trace.fail(REJECTION_RULE, checkStep, showLookup(lookup), `rejected with ${show(error)}`, checkCode, { id: rejectionCause(error) });
    }
    if (!sameLookup(lookup, found)) {
      const operation = this.operation;
      const { rule, also, id } = await named(real, variant, operation === 'clear' ? clearConfusionRule : (family) => `${operation} of another key changes nothing: ${family.clause} (SPEC §2, §4)`);
      real.trace.fail(rule, `${checkStep} after ${step}`, showLookup(lookup), `${showLookup(found)}${also}`, checkCode, { id });
    }
    real.trace.record(`${checkStep} -> ${showLookup(found)}`, checkCode);
  }
  toString(): string {
    return this.#text || `${this.operation}(variant ${this.variant} of the key tagged ${this.tag})`;
  }
  toCode(): string {
    return this.#code.join('\n');
  }
}

/**
 * What `operation` answers on a key of `length` characters that no backend ever handed out (and no
 * variant of a live key is): `undefined` when it rejects (the rejection is named where it happened).
 */
async function unrelatedKeyAnswer(real: BackendUnderTest, operation: Operation, length: number, value: string, options: { expiry?: number } | undefined): Promise<unknown> {
  const key = 'never-issued-'.concat('q'.repeat(Math.max(1, length - 13)));
  try {
    if (operation === 'get') return await real.backend.get(key);
    if (operation === 'set') return await real.backend.set(key, value, options);
    if (operation === 'touch') return await real.backend.touch(key, options);
    await real.backend.clear(key);
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * Which of {@link DIAGNOSTIC_VARIANTS} the store confuses with a key of its own, so that the
 * failure names the bug rather than the variant shrinking happened to keep: a fresh session is
 * generated for the probe (the run is failing anyway, so nothing else depends on the state), and
 * each variant of its key is read; any answer but `not_found` (a rejection too) counts.
 */
async function diagnose(real: BackendUnderTest): Promise<KeyVariant[]> {
  let probe: string;
  try {
    probe = await real.backend.generate({ value: 'probe' });
  } catch {
    return [];
  }
  const confused: KeyVariant[] = [];
  for (const variant of DIAGNOSTIC_VARIANTS) {
    const found = await real.backend.get(variant.apply(probe)).catch(() => ({ status: 'rejected' }));
    if ((found as { status?: unknown }).status !== 'not_found') confused.push(variant);
  }
  return confused;
}

/** The rule to name, and what to add to the actual answer: the family the probes point at, else the variant's own. */
async function named(real: BackendUnderTest, variant: KeyVariant, rule: (family: KeyVariantFamily) => string): Promise<{ rule: string; also: string; id: string }> {
  const confused = await diagnose(real);
  const family = confused[0]?.family ?? variant.family;
  const also = confused.length === 0 ? '' : `; probed with a fresh key K, the store also answers for ${confused.map((v) => `K ${v.label}`).join(', ')}`;
  // One root cause per kind of confusion, whichever operation met it.
  return { rule: rule(family), also, id: `key-confusion-${family.id}` };
}

const tagArb = fc.nat({ max: TAGS - 1 });
/** Each family as often as any other (they hold from 3 to 7 variants), then a variant of it. */
const variantArb = fc.oneof(
  ...Object.values(KEY_VARIANT_FAMILIES).map((family) =>
    fc.constantFrom(...KEY_VARIANTS.flatMap((variant, index) => (variant.family === family ? [index] : []))),
  ),
);

const variantCommandArb = (operation: Operation) =>
  fc.tuple(tagArb, variantArb, valueArb, optionalPeriodArb).map(([tag, variant, value, expiry]) => new VariantCommand(operation, tag, variant, value, expiry));

/** A few real sessions (some expired, some cleared), and many operations on variants of their keys. */
const derivedCommandsArb = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.tuple(optionalValueArb, optionalPeriodArb, tagArb).map(([value, expiry, tag]) => new GenerateCommand(value, expiry, tag)) },
    { weight: 3, arbitrary: variantCommandArb('get') },
    { weight: 2, arbitrary: variantCommandArb('set') },
    { weight: 1, arbitrary: variantCommandArb('touch') },
    { weight: 2, arbitrary: variantCommandArb('clear') },
    { weight: 1, arbitrary: tagArb.map((tagged) => new ClearCommand({ tagged })) },
    { weight: 1, arbitrary: fc.constantFrom(1, 1000, 60_000).map((ms) => new AdvanceCommand(ms)) },
  ),
  // At least a few steps even in fast-check's first (smallest) runs: a key, and something done to its variants.
  { minLength: 6, maxLength: 30, size: 'medium' },
);

export const derivedKeysProperty: ConformanceProperty = {
  name: 'derived-keys',
  summary:
    'keys derived from live and cleared ones (case, spaces, cut or extended, LIKE/glob wildcards, path pieces, NUL, percent-encoded, look-alikes) are other keys: not_found, and clear of one touches no other session',
  rules: '§2',
  defaultRuns: 100,
  async prepare(factory: BackendFactory): Promise<PreparedProperty> {
    return { property: fc.asyncProperty(derivedCommandsArb, (commands) => runBackendCommands(factory, commands, 'derived-keys')) };
  },
};
