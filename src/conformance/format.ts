/**
 * How a conformance report reads as text: one line per property, a failure in full (steps,
 * snippet, timeline, replay command) and the closing summary. Pure string functions with no Node
 * imports, so the CLI, its browser mode and the vitest helper print failures the same way.
 */
import type { PropertyReport } from '../../properties/property.js';
import type { ConformanceReport } from './runner.js';

/** Colours for a terminal; {@link plainStyle} when output is piped or `NO_COLOR` is set. */
export interface TextStyle {
  ok(text: string): string;
  fail(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const same = (text: string) => text;

/** No colour at all. */
export const plainStyle: TextStyle = { ok: same, fail: same, dim: same, bold: same };

/** ANSI colours (green, red, dim, bold). */
export const ansiStyle: TextStyle = {
  ok: (text) => `\x1b[32m${text}\x1b[39m`,
  fail: (text) => `\x1b[31m${text}\x1b[39m`,
  dim: (text) => `\x1b[2m${text}\x1b[22m`,
  bold: (text) => `\x1b[1m${text}\x1b[22m`,
};

/** What the replay command must repeat to reach the same backend. */
export interface ReplayTarget {
  /** The target as the user gave it (a path or a built-in name); omitted: the default, `memory`. */
  target?: string;
  /** `--export NAME`, if one was given. */
  exportName?: string;
  /** Whether the run was in Chromium (`--browser`). */
  browser?: boolean;
}

/** Marks at the head of a property's line. */
export const VERDICT_MARK: Record<PropertyReport['verdict'], string> = { passed: '✓', failed: '✗', not_checked: '–' };

/**
 * One line for a decided property, e.g. `✓ backend-model   200 runs   1.4 s`.
 *
 * @param nameWidth the column the names are padded to (the longest name in the run).
 */
export function formatResultLine(report: PropertyReport, nameWidth = report.name.length, style: TextStyle = plainStyle): string {
  const name = report.name.padEnd(nameWidth);
  const time = `  ${style.dim(formatDuration(report.durationMs).padStart(8))}`;
  switch (report.verdict) {
    case 'passed':
      return `${style.ok(VERDICT_MARK.passed)} ${name}  ${plural(report.runs, 'run').padStart(10)}${time}`;
    case 'failed':
      return `${style.fail(VERDICT_MARK.failed)} ${style.bold(name)}  ${style.fail(`failed after ${plural(report.runs, 'run')}`)}${time}`;
    case 'not_checked':
      return `${style.dim(VERDICT_MARK.not_checked)} ${name}  ${style.dim(`not checked: ${report.notChecked ?? 'no reason given'}`)}`;
  }
}

/**
 * A failed property in full: the broken rule (expected vs actual), the shortest sequence found as
 * numbered steps, the same as a TypeScript snippet, the timeline of a concurrent history, and the
 * command that replays exactly this failure.
 */
export function formatFailure(report: PropertyReport, replay: ReplayTarget = {}, style: TextStyle = plainStyle): string {
  const failure = report.failure;
  if (failure === undefined) return `${VERDICT_MARK.failed} ${report.name} failed (no counterexample was recorded)`;
  const lines: string[] = [];
  lines.push(style.fail(style.bold(`${VERDICT_MARK.failed} ${report.name} failed`)) + style.dim(` (seed ${report.seed}, path ${failure.path})`));
  lines.push(...indent(failure.message.trimEnd(), 2));
  lines.push('');
  const shrinks = failure.shrinks > 0 ? `, shrunk in ${plural(failure.shrinks, 'step')}` : '';
  lines.push(style.bold(`  Shortest sequence found (${plural(failure.steps.length, 'step')}${shrinks}):`));
  for (const [i, step] of failure.steps.entries()) {
    const [first = '', ...rest] = numbered(step, i + 1).split('\n');
    lines.push(`    ${first}`, ...rest.map((line) => `       ${line.trimStart()}`));
  }
  if (failure.timeline !== undefined && failure.timeline.trim() !== '') {
    lines.push('');
    lines.push(style.bold('  Timeline:'));
    lines.push(...indent(failure.timeline.trimEnd(), 4));
  }
  if (failure.snippet.trim() !== '') {
    lines.push('');
    lines.push(style.bold('  As TypeScript:'));
    lines.push(...indent(failure.snippet.trimEnd(), 4));
  }
  lines.push('');
  lines.push(style.bold('  Replay:'));
  lines.push(`    ${replayCommand(replay, report.name, report.seed, failure.path)}`);
  return lines.join('\n');
}

/** `npx sess-conformance <target> --only <name> --seed S --path P`, quoted for a POSIX shell. */
export function replayCommand(replay: ReplayTarget, name: string, seed: number, path: string): string {
  const words = ['npx', 'sess-conformance', asTargetWord(replay.target ?? 'memory')];
  if (replay.exportName !== undefined) words.push('--export', replay.exportName);
  if (replay.browser === true) words.push('--browser');
  // A negative seed would read as an option: attach it with '='.
  words.push('--only', name, seed < 0 ? `--seed=${seed}` : '--seed', ...(seed < 0 ? [] : [String(seed)]), '--path', path);
  return words.map(shellQuote).join(' ');
}

/** The closing line, e.g. `10 properties held, 1 failed, 1 not checked in 8.2 s (seed 42)`. */
export function formatSummary(report: ConformanceReport, style: TextStyle = plainStyle): string {
  const parts = [`${plural(report.passed, 'property', 'properties')} held`];
  if (report.failed > 0) parts.push(style.fail(`${report.failed} failed`));
  if (report.notChecked > 0) parts.push(`${report.notChecked} not checked`);
  const verdict = report.verdict === 'passed' ? style.ok('PASS') : style.fail('FAIL');
  return `${verdict} ${parts.join(', ')} in ${formatDuration(report.durationMs)} ${style.dim(`(seed ${report.seed})`)}`;
}

/** `0.42 s`, `12.3 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Steps may come numbered already ("1. generate ..."); number the others. */
function numbered(step: string, n: number): string {
  return /^\s*\d+[.)]\s/.test(step) ? step.trim() : `${n}. ${step}`;
}

function indent(text: string, spaces: number): string[] {
  const pad = ' '.repeat(spaces);
  return text.split('\n').map((line) => (line === '' ? '' : pad + line));
}

/** A relative module path gets its `./`, so that it reads as a path and never as a built-in name. */
function asTargetWord(target: string): string {
  const isPath = /[\\/]/.test(target) || /\.[cm]?[jt]s$/.test(target);
  return isPath && !/^(\.{1,2}[\\/]|[\\/]|[A-Za-z]:)/.test(target) ? `./${target}` : target;
}

function shellQuote(word: string): string {
  return /^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
