/**
 * The manager over a backend, one command per operation (SPEC §5, §7), each compared with
 * models/manager-model.ts: sessions field for field, headers string for string.
 */
import type { CookieOptions } from '../src/cookie/set-cookie.js';
import type { Session, SessionManager } from '../src/manager.js';
import * as backendModel from '../models/backend-model.js';
import { sameStructure } from '../models/linearizability.js';
import * as model from '../models/manager-model.js';
import type { SessionRecord } from '../models/manager-model.js';
import type { BackendUnderTest, BackendWorld, KeyChoice, ModelStep } from './backend-commands.js';
import { call as backendCall, blameBackend, failJudged, resolveKey, syncDefaultPeriod } from './backend-commands.js';
import { expiryEdge, updateEvidence } from './expiry-experiment.js';
import { codeString, show, showString } from './trace.js';

/** The cookie the manager property reads and writes. */
export const COOKIE_NAME = 'sid';

/** The model side: the backend model, the keys generated so far, and the sessions handed out (`s1` is `sessions[0]`). */
export interface ManagerWorld extends BackendWorld {
  sessions: SessionRecord[];
}

/** The real side: the manager over the backend, and the very `Session` objects it handed out. */
export interface ManagerUnderTest extends BackendUnderTest {
  readonly manager: SessionManager;
  readonly sessions: Session[];
}

/** What a pair of a `Cookie` header carries: a generated key, a client's garbage, empty, or too long. */
export type CookieValueChoice = KeyChoice | { readonly empty: true } | { readonly long: number };

/** One pair of a `Cookie` header: the session cookie or another one. */
export interface CookiePairChoice {
  readonly name: string;
  readonly value: CookieValueChoice;
}

/**
 * A `Cookie` request header: absent, one field, or several fields (HTTP/2), each a list of pairs.
 * `asArray` sends even one field as an array.
 */
export interface CookieHeaderChoice {
  readonly fields: ReadonlyArray<readonly CookiePairChoice[]> | null;
  readonly asArray: boolean;
}

type ManagerStep = ModelStep<ManagerWorld, ManagerUnderTest>;

function resolveValue(world: ManagerWorld, value: CookieValueChoice): string {
  if ('empty' in value) return '';
  if ('long' in value) return 'L'.repeat(value.long);
  return resolveKey(world, value).key;
}

/** The header the choice makes, as the pairs of each field (for the model) and as sent (for the manager). */
function resolveHeader(world: ManagerWorld, choice: CookieHeaderChoice) {
  const fields: Array<Array<[string, string]>> | null =
    choice.fields === null ? null : choice.fields.map((pairs) => pairs.map((pair) => [pair.name, resolveValue(world, pair.value)]));
  const rendered = fields?.map((pairs) => pairs.map(([name, value]) => `${name}=${value}`).join('; ')) ?? null;
  const header: string | string[] | null = rendered === null ? null : rendered.length === 1 && !choice.asArray ? rendered[0]! : rendered;
  const labels = new Map(world.keys.map((key, index) => [key, `k${index + 1}`]));
  const describe = (value: string) => labels.get(value) ?? (value.length > 40 ? `<${value.length} chars>` : value);
  const text =
    fields === null
      ? 'no Cookie header'
      : `Cookie ${fields.map((pairs) => JSON.stringify(pairs.map(([name, value]) => `${name}=${describe(value)}`).join('; '))).join(' + ')}`;
  const code = header === null ? 'undefined' : typeof header === 'string' ? codeHeader(header, labels) : `[${header.map((h) => codeHeader(h, labels)).join(', ')}]`;
  return { fields: fields ?? [], header, text, code };
}

/** A header string as code, known keys written as `${k1}` so the snippet replays with the keys of its own run. */
function codeHeader(header: string, labels: Map<string, string>): string {
  let code = header.replace(/[`\\$]/g, (c) => `\\${c}`);
  for (const [key, label] of labels) code = code.split(key).join(`\${${label}}`);
  // Over-long values are runs of one letter: write them as repeat() so the snippet stays readable.
  code = code.replace(/(L)\1{99,}/g, (run) => `\${'L'.repeat(${run.length})}`);
  return `\`${code}\``;
}

/** Exact equality of a real session with the model's record. */
function sameSession(expected: SessionRecord, actual: unknown): boolean {
  const session = actual as Partial<SessionRecord> | null;
  return (
    typeof session === 'object' &&
    session !== null &&
    session.key === expected.key &&
    session.value === expected.value &&
    session.expiryPeriod === expected.expiryPeriod &&
    session.modified === expected.modified
  );
}

function showSession(session: unknown, world: ManagerWorld): string {
  const s = session as Partial<SessionRecord> | null;
  if (typeof s !== 'object' || s === null) return show(session);
  const index = typeof s.key === 'string' ? world.keys.indexOf(s.key) : -1;
  const key = index === -1 ? show(s.key) : `k${index + 1}`;
  return `{ key: ${key}, value: ${show(s.value)}, expiryPeriod: ${show(s.expiryPeriod)}, modified: ${show(s.modified)} }`;
}

function showHeaderLookup(lookup: unknown, world: ManagerWorld): string {
  const found = lookup as { status?: unknown; session?: unknown } | null;
  if (typeof found !== 'object' || found === null) return show(lookup);
  return found.status === 'ok' ? `ok ${showSession(found.session, world)}` : String(found.status);
}

function sameHeaderLookup(expected: model.ExpectedHeaderLookup, actual: unknown): boolean {
  const found = actual as { status?: unknown; session?: unknown } | null;
  if (typeof found !== 'object' || found === null || found.status !== expected.status) return false;
  return expected.status === 'ok' ? sameSession(expected.session, found.session) : Object.keys(found).length === 1;
}

/** SPEC §4, §5: on valid input nothing rejects; a rejection is reported with this rule. */
const RESOLVES = 'the manager resolves on any Cookie header and valid input; backend calls on valid input never reject (SPEC §4, §5)';

function call<T>(real: ManagerUnderTest, step: string, code: string, expected: string, op: () => Promise<T>): Promise<T> {
  return backendCall(real, step, code, expected, op, RESOLVES);
}

function adoptNewSession(world: ManagerWorld, real: ManagerUnderTest, session: Session, record: SessionRecord): string {
  world.keys.push(session.key);
  world.tags.push(undefined);
  world.sessions.push(record);
  real.sessions.push(session);
  return `s${world.sessions.length}`;
}

function optionsCode(options: Record<string, unknown>): string {
  const parts = Object.entries(options)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}: ${typeof value === 'string' ? codeString(value) : String(value)}`);
  return parts.length === 0 ? '' : `{ ${parts.join(', ')} }`;
}

/** `options` as the trailing argument of a call in a snippet: `, { ... }`, or nothing when empty. */
function optionsArgument(options: Record<string, unknown>): string {
  const code = optionsCode(options);
  return code === '' ? '' : `, ${code}`;
}

/** `{ value?, expiry? }` as the manager takes it: the undefined ones left out. */
function definedOptions(options: { value: string | undefined; expiry: number | undefined }): { value?: string; expiry?: number } {
  return {
    ...(options.value === undefined ? {} : { value: options.value }),
    ...(options.expiry === undefined ? {} : { expiry: options.expiry }),
  };
}

function describeOptions(options: { value?: string | undefined; expiry?: number | undefined }): string {
  const parts = [
    ...(options.value === undefined ? ['no value'] : [`value ${showString(options.value)}`]),
    options.expiry === undefined ? 'default period' : `expiry ${options.expiry} s`,
  ];
  return parts.join(', ');
}

abstract class ManagerCommand implements ManagerStep {
  protected code = '';
  protected text = '';
  check(_world: Readonly<ManagerWorld>): boolean {
    return true;
  }
  abstract run(world: ManagerWorld, real: ManagerUnderTest): Promise<void>;
  toString(): string {
    return this.text || this.constructor.name;
  }
  toCode(): string {
    return this.code;
  }
}

/** `generate(value, { expiry? })`. */
export class ManagerGenerateCommand extends ManagerCommand {
  constructor(
    readonly value: string,
    readonly expiry: number | undefined,
  ) {
    super();
  }
  async run(world: ManagerWorld, real: ManagerUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const name = `s${world.sessions.length + 1}`;
    this.code = `const ${name} = await manager.generate(${codeString(this.value)}${this.expiry === undefined ? '' : `, { expiry: ${this.expiry} }`});`;
    this.text = `${name} = manager.generate(${describeOptions({ value: this.value, expiry: this.expiry })})`;
    const session = await call(real, this.text, this.code, 'a new session', () =>
      real.manager.generate(this.value, this.expiry === undefined ? {} : { expiry: this.expiry }),
    );
    const problem = backendModel.judgeKey(world.state, session.key);
    if (problem !== undefined) real.trace.fail(problem.rule, this.text, 'a fresh key', show(session.key), this.code, { id: problem.id });
    const expected = model.generateSession(world.state, session.key, this.value, this.expiry);
    if (!sameSession(expected.result, session)) {
      real.trace.fail('generate returns { key, value, expiryPeriod: expiry ?? defaultPeriod(), modified: true } (SPEC §5)', this.text, showSession(expected.result, world), showSession(session, world), this.code);
    }
    world.state = expected.state;
    adoptNewSession(world, real, session, expected.result);
    real.trace.record(`${this.text} -> key k${world.keys.length}`, this.code, `const k${world.keys.length} = ${name}.key;`);
  }
}

/** `ofHeader('sid', header)`. */
export class OfHeaderCommand extends ManagerCommand {
  constructor(readonly header: CookieHeaderChoice) {
    super();
  }
  async run(world: ManagerWorld, real: ManagerUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const header = resolveHeader(world, this.header);
    const expected = model.ofHeader(world.state, COOKIE_NAME, header.fields);
    this.code = `console.log(await manager.ofHeader('${COOKIE_NAME}', ${header.code}));`;
    this.text = `manager.ofHeader('${COOKIE_NAME}', ${header.text})`;
    const actual = await call(real, this.text, this.code, showHeaderLookup(expected, world), () => real.manager.ofHeader(COOKIE_NAME, header.header));
    if (!sameHeaderLookup(expected, actual)) {
      const symptom = `${this.text} -> ${showHeaderLookup(actual, world)}, where the model says ${showHeaderLookup(expected, world)}`;
      await blameBackend(world, real, model.candidateKeys(COOKIE_NAME, header.fields), { text: symptom, code: this.code });
      real.trace.fail(
        'ofHeader: no cookie -> no_cookie; else the first three candidates in order, empty or over 512 characters not_found unasked, the first ok wins, else the first candidate\'s status (SPEC §5)',
        this.text,
        showHeaderLookup(expected, world),
        showHeaderLookup(actual, world),
        this.code,
      );
    }
    let suffix = '';
    if (actual.status === 'ok' && expected.status === 'ok') {
      // The key is known already: only the session object is new.
      world.sessions.push(expected.session);
      real.sessions.push(actual.session);
      suffix = `, now s${world.sessions.length}`;
    }
    real.trace.record(`${this.text} -> ${showHeaderLookup(actual, world)}${suffix}`, this.code);
  }
}

/** `ofHeaderOrCreate('sid', defaultValue, header, { expiry? })`: never adopts a client's key. */
export class OfHeaderOrCreateCommand extends ManagerCommand {
  constructor(
    readonly header: CookieHeaderChoice,
    readonly defaultValue: string,
    readonly expiry: number | undefined,
  ) {
    super();
  }
  async run(world: ManagerWorld, real: ManagerUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const header = resolveHeader(world, this.header);
    const found = model.ofHeader(world.state, COOKIE_NAME, header.fields);
    const name = `s${world.sessions.length + 1}`;
    this.code = `const ${name} = await manager.ofHeaderOrCreate('${COOKIE_NAME}', ${codeString(this.defaultValue)}, ${header.code}${this.expiry === undefined ? '' : `, { expiry: ${this.expiry} }`});`;
    this.text = `${name} = manager.ofHeaderOrCreate('${COOKIE_NAME}', ${showString(this.defaultValue)}, ${header.text}, ${this.expiry === undefined ? 'default period' : `expiry ${this.expiry} s`})`;
    const session = await call(real, this.text, this.code, 'a session', () =>
      real.manager.ofHeaderOrCreate(COOKIE_NAME, this.defaultValue, header.header, this.expiry === undefined ? {} : { expiry: this.expiry }),
    );
    const symptom = (expected: string) => ({ text: `${this.text} -> ${showSession(session, world)}, where the model says ${expected}`, code: this.code });
    if (found.status === 'ok') {
      if (!sameSession(found.session, session)) {
        await blameBackend(world, real, [found.session.key, session.key], symptom(showSession(found.session, world)));
        real.trace.fail('ofHeaderOrCreate returns the live session named by the header unchanged, writing nothing (SPEC §5)', this.text, showSession(found.session, world), showSession(session, world), this.code);
      }
      world.sessions.push(found.session);
      real.sessions.push(session);
      real.trace.record(`${this.text} -> the live session ${showSession(session, world)}`, this.code);
      return;
    }
    const sent = header.fields.flat().map(([, value]) => value);
    if (sent.includes(session.key)) {
      // The backend may still hold the key live (a late expiry, a revived key): then that is the rule broken.
      await blameBackend(world, real, [session.key], symptom(`a new session (the header said ${found.status})`));
      real.trace.fail('ofHeaderOrCreate never adopts a key the client sent: a new session gets a fresh key (SPEC §5)', this.text, 'a fresh key', `the client's key ${show(session.key)}`, this.code);
    }
    const problem = backendModel.judgeKey(world.state, session.key);
    if (problem !== undefined) real.trace.fail(problem.rule, this.text, 'a fresh key', show(session.key), this.code, { id: problem.id });
    const expected = model.generateSession(world.state, session.key, this.defaultValue, this.expiry);
    if (!sameSession(expected.result, session)) {
      real.trace.fail(`ofHeaderOrCreate with no live session (${found.status}) generates one holding defaultValue for expiry ?? defaultPeriod() (SPEC §5)`, this.text, showSession(expected.result, world), showSession(session, world), this.code);
    }
    world.state = expected.state;
    adoptNewSession(world, real, session, expected.result);
    real.trace.record(`${this.text} -> new session k${world.keys.length} (header said ${found.status})`, this.code, `const k${world.keys.length} = ${name}.key;`);
  }
}

/** Picks a session handed out earlier (`sN`); the command needs one. */
abstract class SessionCommand extends ManagerCommand {
  constructor(readonly pick: number) {
    super();
  }
  override check(world: Readonly<ManagerWorld>): boolean {
    return world.sessions.length > 0;
  }
  protected chosen(world: ManagerWorld, real: ManagerUnderTest) {
    const index = this.pick % world.sessions.length;
    return { index, name: `s${index + 1}`, record: world.sessions[index]!, session: real.sessions[index]! };
  }
}

/** `set(session, { value?, expiry? })`: backend `set` with a value, `touch` without. */
export class ManagerSetCommand extends SessionCommand {
  constructor(
    pick: number,
    readonly value: string | undefined,
    readonly expiry: number | undefined,
  ) {
    super(pick);
  }
  async run(world: ManagerWorld, real: ManagerUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const { index, name, record, session } = this.chosen(world, real);
    const options = { value: this.value, expiry: this.expiry };
    this.code = `console.log(await manager.set(${name}${optionsArgument(options)}), ${name});`;
    this.text = `manager.set(${name}, ${describeOptions(options)})`;
    const expected = model.setSession(world.state, record, options);
    const outcome = await call(real, this.text, this.code, expected.result.outcome, () =>
      real.manager.set(session, definedOptions(options)),
    );
    if (outcome !== expected.result.outcome && (outcome === 'ok' || outcome === 'not_found')) {
      // The manager hands the backend's set/touch outcome back as it is (SPEC §5): judged as the backend's.
      const judgement = backendModel.judgeUpdate(world.state, this.value === undefined ? 'touch' : 'set', record.key, expected.result.outcome, outcome);
      await failJudged(real, judgement, expiryEdge(judgement, updateEvidence(expected.result.outcome, outcome)), (rootCause) =>
        real.trace.fail(judgement.rule, this.text, expected.result.outcome, outcome, this.code, rootCause),
      );
    }
    if (outcome !== expected.result.outcome || !sameSession(expected.result.session, session)) {
      real.trace.fail(
        expected.result.outcome === 'not_found'
          ? 'set on a session that is no longer live resolves not_found and changes nothing: a cleared session is never revived (SPEC §4, §5)'
          : 'set on a live session resolves ok and updates value (if given), expiryPeriod (expiry ?? defaultPeriod()) and modified (SPEC §5)',
        this.text,
        `${expected.result.outcome}, ${name} = ${showSession(expected.result.session, world)}`,
        `${show(outcome)}, ${name} = ${showSession(session, world)}`,
        this.code,
      );
    }
    world.state = expected.state;
    world.sessions[index] = expected.result.session;
    real.trace.record(`${this.text} -> ${outcome}`, this.code);
  }
}

/** `regenerate(session, { value?, expiry? })`: a new key first, then the old one cleared. */
export class RegenerateCommand extends SessionCommand {
  constructor(
    pick: number,
    readonly value: string | undefined,
    readonly expiry: number | undefined,
  ) {
    super(pick);
  }
  async run(world: ManagerWorld, real: ManagerUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const { name, record, session } = this.chosen(world, real);
    const fresh = `s${world.sessions.length + 1}`;
    const options = { value: this.value, expiry: this.expiry };
    this.code = `const ${fresh} = await manager.regenerate(${name}${optionsArgument(options)});`;
    this.text = `${fresh} = manager.regenerate(${name}, ${describeOptions(options)})`;
    const made = await call(real, this.text, this.code, 'a new session', () =>
      real.manager.regenerate(session, definedOptions(options)),
    );
    const problem = backendModel.judgeKey(world.state, made.key);
    if (problem !== undefined) real.trace.fail(problem.rule, this.text, 'a fresh key', show(made.key), this.code, { id: problem.id });
    const expected = model.regenerateSession(world.state, record, made.key, options);
    if (!sameSession(expected.result, made)) {
      real.trace.fail('regenerate returns a new session holding value ?? session.value for expiry ?? defaultPeriod(), modified (SPEC §5)', this.text, showSession(expected.result, world), showSession(made, world), this.code);
    }
    world.state = expected.state;
    adoptNewSession(world, real, made, expected.result);
    real.trace.record(`${this.text} -> new key k${world.keys.length}; ${name}'s key cleared`, this.code, `const k${world.keys.length} = ${fresh}.key;`);
  }
}

/** `clear(session)`: the key is cleared; the record keeps it with `value: ''`, `expiryPeriod: 0`. */
export class ManagerClearCommand extends SessionCommand {
  async run(world: ManagerWorld, real: ManagerUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const { index, name, record, session } = this.chosen(world, real);
    this.code = `await manager.clear(${name});`;
    this.text = `manager.clear(${name})`;
    await call(real, this.text, this.code, 'undefined', () => real.manager.clear(session));
    const expected = model.clearSession(world.state, record);
    if (!sameSession(expected.result, session)) {
      real.trace.fail("clear leaves the record with its key, value '', expiryPeriod 0, modified true (SPEC §5)", this.text, showSession(expected.result, world), showSession(session, world), this.code);
    }
    world.state = expected.state;
    world.sessions[index] = expected.result;
    real.trace.record(this.text, this.code);
  }
}

/** A cookie name and options a browser accepts (SPEC §7): the headers must match the model exactly. */
export interface ValidCookieSetting {
  readonly name: string;
  readonly options: CookieOptions | undefined;
}

function showHeaders(headers: unknown): string {
  return JSON.stringify(headers);
}

/** `toCookieHeaders(name, session, options)`: string for string as SPEC §7's table says. */
export class CookieHeadersCommand extends SessionCommand {
  constructor(
    pick: number,
    readonly setting: ValidCookieSetting,
  ) {
    super(pick);
  }
  async run(world: ManagerWorld, real: ManagerUnderTest): Promise<void> {
    const { name, record, session } = this.chosen(world, real);
    const options = this.setting.options;
    this.code = `console.log(manager.toCookieHeaders(${JSON.stringify(this.setting.name)}, ${name}${options === undefined ? '' : `, ${JSON.stringify(options)}`}));`;
    this.text = `manager.toCookieHeaders(${JSON.stringify(this.setting.name)}, ${name}, ${options === undefined ? 'default options' : JSON.stringify(options)})`;
    const expected = model.expectedCookieHeaders(this.setting.name, record, options);
    let actual: unknown;
    try {
      actual = real.manager.toCookieHeaders(this.setting.name, session, options);
    } catch (error) {
      real.trace.fail('toCookieHeaders accepts every valid name and option (SPEC §7)', this.text, showHeaders(expected), `threw ${show(error)}`, this.code);
    }
    if (!sameStructure(actual, expected)) {
      real.trace.fail('toCookieHeaders writes exactly the Set-Cookie line of SPEC §7 (and only when modified), then Vary: Cookie', this.text, showHeaders(expected), showHeaders(actual), this.code);
    }
    real.trace.record(`${this.text} -> ${showHeaders(actual)}`, this.code);
  }
}

/** `clearHeaders(name, options)`: the deletion line and `Vary`. */
export class ClearHeadersCommand extends ManagerCommand {
  constructor(readonly setting: ValidCookieSetting) {
    super();
  }
  async run(_world: ManagerWorld, real: ManagerUnderTest): Promise<void> {
    const options = this.setting.options;
    this.code = `console.log(manager.clearHeaders(${JSON.stringify(this.setting.name)}${options === undefined ? '' : `, ${JSON.stringify(options)}`}));`;
    this.text = `manager.clearHeaders(${JSON.stringify(this.setting.name)}, ${options === undefined ? 'default options' : JSON.stringify(options)})`;
    const expected = model.expectedClearHeaders(this.setting.name, options);
    let actual: unknown;
    try {
      actual = real.manager.clearHeaders(this.setting.name, options);
    } catch (error) {
      real.trace.fail('clearHeaders accepts every valid name and option (SPEC §7)', this.text, showHeaders(expected), `threw ${show(error)}`, this.code);
    }
    if (!sameStructure(actual, expected)) {
      real.trace.fail('clearHeaders writes exactly the deletion line of SPEC §7, then Vary: Cookie', this.text, showHeaders(expected), showHeaders(actual), this.code);
    }
    real.trace.record(`${this.text} -> ${showHeaders(actual)}`, this.code);
  }
}
