/**
 * `values`: values come back exactly through `generate` and `set`: `""` (a value, not "no value"),
 * no value at all (`not_set`), non-ASCII and astral-plane text, what serializers mangle (JSON-ish
 * text, numbers, NUL, CR/LF, BOM, NFC/NFD/NFKC forms: `MANGLED_VALUES`), and 1 MiB (SPEC §3).
 */
import fc from 'fast-check';
import type { BackendFactory } from '../src/backend.js';
import { largeValueArb, mangledValueArb, NON_ASCII_SAMPLES, optionalPeriodArb, scalarValueArb } from './arbitraries.js';
import { GenerateCommand, GetCommand, SetCommand, TAGS, TouchCommand } from './backend-commands.js';
import { runBackendCommands } from './backend-model.js';
import type { ConformanceProperty, PreparedProperty } from './property.js';

/** Values where stores go wrong, each kind often. */
const hardValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.constantFrom(...NON_ASCII_SAMPLES) },
  { weight: 8, arbitrary: mangledValueArb },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: scalarValueArb, minLength: 1, maxLength: 20 }) },
  { weight: 4, arbitrary: largeValueArb },
);

/** Keys found by tag (see `KeyChoice`), so shrinking can drop generates a failure does not need. */
const knownArb = fc.nat({ max: TAGS - 1 }).map((tagged) => ({ tagged }));
const tagArb = fc.nat({ max: TAGS - 1 });

/** Sessions made with hard values (or none), read back, overwritten, touched, read back. */
const valueCommandsArb = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.option(hardValueArb, { nil: undefined, freq: 4 }), optionalPeriodArb, tagArb).map(([value, expiry, tag]) => new GenerateCommand(value, expiry, tag)) },
    { weight: 4, arbitrary: knownArb.map((choice) => new GetCommand(choice)) },
    { weight: 2, arbitrary: fc.tuple(knownArb, hardValueArb).map(([choice, value]) => new SetCommand(choice, value, undefined)) },
    { weight: 1, arbitrary: knownArb.map((choice) => new TouchCommand(choice, undefined)) },
  ),
  { minLength: 3, maxLength: 16 },
);

export const valuesProperty: ConformanceProperty = {
  name: 'values',
  summary: "values round-trip exactly through generate and set: '' (not 'no value'), no value (not_set), non-ASCII, astral plane, JSON-ish text, NUL, CR/LF, BOM, NFC/NFD forms, 1 MiB",
  rules: '§3',
  defaultRuns: 100,
  async prepare(factory: BackendFactory): Promise<PreparedProperty> {
    return { property: fc.asyncProperty(valueCommandsArb, (commands) => runBackendCommands(factory, commands, 'values')) };
  },
};
