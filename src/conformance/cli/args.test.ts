import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCommandLine, type CliOptions } from './args.js';
import { makeReporter, type CliIo } from './output.js';
import { pickFactory } from '../load/factory-export.js';
import { BackendFactoryError } from '../errors.js';

describe('parseCommandLine', () => {
  it('reads every option', () => {
    expect(
      parseCommandLine(['./s.ts', '--runs', '5', '--seed=-3', '--path', '1:0', '--only', 'values, garbage-keys', '--export', 'f', '--json', '--browser', '--verbose']),
    ).toEqual({
      target: './s.ts',
      runs: 5,
      seed: -3,
      path: '1:0',
      only: ['values', 'garbage-keys'],
      exportName: 'f',
      json: true,
      engines: ['chromium'],
      verbose: true,
      callTimeoutMs: undefined,
      requireAll: false,
      fakeDate: false,
      realTime: false,
    });
  });

  it('reads --browser with and without engines, and the run options of issue 12', () => {
    expect(parseCommandLine(['--browser', './s.ts'])).toMatchObject({ engines: ['chromium'], target: './s.ts' });
    expect(parseCommandLine(['--browser', 'firefox,webkit', './s.ts'])).toMatchObject({ engines: ['firefox', 'webkit'], target: './s.ts' });
    expect(parseCommandLine(['./s.ts', '--browser=webkit'])).toMatchObject({ engines: ['webkit'] });
    expect(parseCommandLine(['./s.ts'])).toMatchObject({ engines: [] });
    expect(parseCommandLine(['--call-timeout', '500', '--require-all', '--fake-date'])).toMatchObject({ callTimeoutMs: 500, requireAll: true, fakeDate: true });
    expect(parseCommandLine(['./s.ts', '--real-time'])).toMatchObject({ realTime: true, fakeDate: false });
    expect(() => parseCommandLine(['--real-time=yes'])).toThrow(/--real-time/);
    expect(() => parseCommandLine(['--browser=opera'])).toThrow("unknown browser engine 'opera': --browser takes chromium, firefox, webkit or a comma list of them");
    expect(() => parseCommandLine(['--call-timeout', '0'])).toThrow("--call-timeout needs a whole number >= 1, got '0'");
  });

  it('takes a leading -- (how options get past npx) as nothing', () => {
    expect(parseCommandLine(['--', '--list'])).toBe('list');
    expect(parseCommandLine(['--', './s.ts', '--runs', '2'])).toMatchObject({ target: './s.ts', runs: 2 });
  });

  it('answers --help, --version and --list before anything else', () => {
    expect(parseCommandLine(['x.ts', '-h'])).toBe('help');
    expect(parseCommandLine(['-v'])).toBe('version');
    expect(parseCommandLine(['--list', '--json'])).toBe('list');
  });

  it.each([
    [['--runs=-1'], "--runs needs a whole number >= 1, got '-1'"],
    [['--runs', ''], "--runs needs a whole number >= 1, got ''"],
    [['--seed', 'x'], "--seed needs a whole number, got 'x'"],
    [['--only', ','], '--only needs at least one property name (see --list)'],
    [['--export', 'a-b'], "--export needs an export name such as myStoreFactory, got 'a-b'"],
    [['--json=yes'], "Option '--json' does not take an argument"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(CliUsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});

describe('makeReporter', () => {
  const options = parseCommandLine([]) as CliOptions;
  const io = (isTTY: boolean, env: Record<string, string>): { io: CliIo; written: string[] } => {
    const written: string[] = [];
    const stream = { isTTY, write: (text: string) => written.push(text) };
    return { io: { stdout: stream, stderr: stream, env, cwd: '/' }, written };
  };
  const property = { name: 'values', summary: '', rules: '§3', defaultRuns: 1 };

  it('shows a progress line on a terminal', () => {
    const { io: tty, written } = io(true, {});
    const reporter = makeReporter(options, tty);
    reporter.start(property, 0, 3);
    reporter.stop();
    expect(written.join('')).toMatch(/\r\x1b\[2K.*values \(1\/3\)/);
  });

  it.each([
    ['piped', false, {}],
    ['NO_COLOR', true, { NO_COLOR: '1' }],
    ['CI', true, { CI: 'true' }],
  ])('shows none when %s', (_, isTTY, env) => {
    const { io: quiet, written } = io(isTTY, env);
    const reporter = makeReporter(options, quiet);
    reporter.start(property, 0, 3);
    reporter.stop();
    expect(written.join('')).not.toContain('\r');
  });
});

describe('pickFactory', () => {
  const factory = () => {
    throw new Error('not called');
  };

  it('finds the default export, a named one, and CommonJS wrappings', () => {
    expect(pickFactory({ default: factory }, 'default', 'm')).toBe(factory);
    expect(pickFactory({ store: factory }, 'store', 'm')).toBe(factory);
    expect(pickFactory({ default: { default: factory } }, 'default', 'm')).toBe(factory);
    expect(pickFactory({ default: { store: factory } }, 'store', 'm')).toBe(factory);
  });

  it('says what the module exports when the factory is not there', () => {
    expect(() => pickFactory({ a: 1, b: factory }, 'default', './m.ts')).toThrow(BackendFactoryError);
    expect(() => pickFactory({ a: 1, b: factory }, 'default', './m.ts')).toThrow(
      './m.ts has no BackendFactory function as its default export (it exports: a, b): export your BackendFactory as default, or name it with --export NAME',
    );
    expect(() => pickFactory({ default: 'x' }, 'default', './m.ts')).toThrow("its default export (its default export is a string)");
  });
});
