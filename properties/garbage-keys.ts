/**
 * `garbage-keys`: any string a client sends as a key (empty, huge, binary-looking, unicode,
 * `__proto__`, lookalikes of real keys) is simply `not_found` for get/set/touch, `clear` of it is
 * fine, nothing ever throws, and live sessions are untouched (SPEC §2).
 */
import fc from 'fast-check';
import type { BackendFactory } from '../src/backend.js';
import { garbageKeyArb, optionalPeriodArb, optionalValueArb, valueArb } from './arbitraries.js';
import { ClearCommand, GenerateCommand, GetCommand, SetCommand, TouchCommand } from './backend-commands.js';
import { runBackendCommands } from './backend-model.js';
import type { ConformanceProperty, PreparedProperty } from './property.js';

const garbageArb = garbageKeyArb.map((garbage) => ({ garbage }));

/** Garbage keys through every operation, among a few real sessions that must stay as they are. */
const garbageCommandsArb = fc.array(
  fc.oneof(
    { weight: 1, arbitrary: fc.tuple(optionalValueArb, optionalPeriodArb).map(([value, expiry]) => new GenerateCommand(value, expiry)) },
    { weight: 3, arbitrary: garbageArb.map((choice) => new GetCommand(choice)) },
    { weight: 2, arbitrary: fc.tuple(garbageArb, valueArb, optionalPeriodArb).map(([choice, value, expiry]) => new SetCommand(choice, value, expiry)) },
    { weight: 2, arbitrary: fc.tuple(garbageArb, optionalPeriodArb).map(([choice, expiry]) => new TouchCommand(choice, expiry)) },
    { weight: 2, arbitrary: garbageArb.map((choice) => new ClearCommand(choice)) },
    { weight: 1, arbitrary: fc.nat({ max: 10 }).map((known) => new GetCommand({ known })) },
  ),
  { minLength: 1, maxLength: 30, size: 'medium' },
);

export const garbageKeysProperty: ConformanceProperty = {
  name: 'garbage-keys',
  summary: "any string as a key ('', huge, binary-looking, unicode, __proto__) is simply not_found for get/set/touch; clear is fine; nothing throws",
  rules: '§2',
  defaultRuns: 100,
  async prepare(factory: BackendFactory): Promise<PreparedProperty> {
    return { property: fc.asyncProperty(garbageCommandsArb, (commands) => runBackendCommands(factory, commands, 'garbage-keys')) };
  },
};
