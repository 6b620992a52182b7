/**
 * How a conformance report reads as text: one line per property, a failure in full (steps,
 * snippet, timeline, replay command) and the closing summary. Pure string functions with no Node
 * imports, so the CLI, its browser mode and the vitest helper print failures the same way.
 */
import type { FailureReport, PropertyReport } from '../../../properties/property.js';
import type { ConformanceReport } from '../run/runner.js';
import type { Finding } from './findings.js';

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
  /** The browser engine the run was in (`true` or `'chromium'`: `--browser`), if any. */
  browser?: boolean | string;
}

/** Marks at the head of a property's line. */
export const VERDICT_MARK: Record<PropertyReport['verdict'], string> = { passed: '✓', partly_checked: '◐', failed: '✗', not_checked: '–' };

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
    case 'partly_checked':
      return `${VERDICT_MARK.partly_checked} ${name}  ${plural(report.runs, 'run').padStart(10)}${time}  ${style.dim(`partly checked: ${report.note ?? 'a part was left out'}`)}`;
    case 'failed': {
      const cause = report.failure === undefined ? '' : `  ${style.dim(report.failure.rootCause.id)}`;
      return `${style.fail(VERDICT_MARK.failed)} ${style.bold(name)}  ${style.fail(`failed after ${plural(report.runs, 'run')}`)}${time}${cause}`;
    }
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
  const header = style.fail(style.bold(`${VERDICT_MARK.failed} ${report.name} failed`)) + style.dim(` (seed ${report.seed}, path ${failure.path || 'none'})`);
  return [header, ...indent(failure.message.trimEnd(), 2), ...failureBody(report.name, report.seed, failure, replay, style)].join('\n');
}

/**
 * One finding in full: the rule broken (with its root-cause id and how big the deviation is, when
 * measured), where it was found and what else it broke, then the shortest story as
 * {@link formatFailure} tells it.
 */
export function formatFinding(finding: Finding, index: number, replay: ReplayTarget = {}, style: TextStyle = plainStyle): string {
  const { rootCause, failure } = finding;
  const [, ...detail] = failure.message.trimEnd().split('\n');
  const lines = [style.fail(style.bold(`${VERDICT_MARK.failed} ${index}. ${rootCause.rule}`)) + style.dim(`  [${rootCause.id}]`)];
  if (rootCause.measured !== undefined) lines.push(`  measured: ${rootCause.measured}`);
  const also = finding.alsoIn.length > 0 ? `; also broken in: ${finding.alsoIn.join(', ')}` : '';
  lines.push(style.dim(`  found by ${finding.property} (seed ${finding.seed}, path ${failure.path || 'none'})${also}`));
  lines.push(...indent(detail.join('\n'), 2));
  return [...lines, ...failureBody(finding.property, finding.seed, failure, replay, style)].join('\n');
}

/** The story of a failure: numbered steps, timeline, snippet and replay command. */
function failureBody(property: string, seed: number, failure: FailureReport, replay: ReplayTarget, style: TextStyle): string[] {
  const lines: string[] = [''];
  const shrinks = failure.shrinks > 0 ? `, shrunk in ${plural(failure.shrinks, 'step')}` : '';
  lines.push(style.bold(`  Shortest sequence found (${plural(failure.steps.length, 'step')}${shrinks}):`));
  for (const [i, step] of failure.steps.entries()) {
    const [first = '', ...rest] = numbered(step, i + 1).split('\n');
    lines.push(`    ${first}`, ...rest.map((line) => `       ${line.trimStart()}`));
  }
  if (failure.timeline !== undefined && failure.timeline.trim() !== '') {
    lines.push('', style.bold('  Timeline:'), ...indent(failure.timeline.trimEnd(), 4));
  }
  if (failure.snippet.trim() !== '') {
    lines.push('', style.bold('  As TypeScript:'), ...indent(failure.snippet.trimEnd(), 4));
  }
  lines.push('', style.bold('  Replay:'));
  // A failure found before any run (the property could not even be prepared) has no path: the
  // seed alone replays it.
  lines.push(`    ${failure.path === '' ? replayCommand(replay, property, seed) : replayCommand(replay, property, seed, failure.path)}`);
  return lines;
}

/** What the run could not check, one line each, for the end of the text report. */
export function formatNotChecked(report: ConformanceReport, style: TextStyle = plainStyle): string {
  if (report.notCheckedParts.length === 0) return '';
  const heading = report.requireAll ? 'Not checked (fails the run: --require-all):' : 'Not checked (not shown as held):';
  const lines = [style.bold(heading)];
  for (const part of report.notCheckedParts) lines.push(`  ${part.property}${part.extent === 'part' ? ' (in part)' : ''}: ${part.reason}`);
  return lines.join('\n');
}

/** `npx sess-conformance <target> --only <name> --seed S --path P`, quoted for a POSIX shell. */
export function replayCommand(replay: ReplayTarget, name: string, seed: number, path?: string): string {
  const words = ['npx', 'sess-conformance', asTargetWord(replay.target ?? 'memory')];
  if (replay.exportName !== undefined) words.push('--export', replay.exportName);
  if (replay.browser === true || replay.browser === 'chromium') words.push('--browser');
  else if (typeof replay.browser === 'string') words.push('--browser', replay.browser);
  // A negative seed would read as an option: attach it with '='.
  words.push('--only', name, seed < 0 ? `--seed=${seed}` : '--seed', ...(seed < 0 ? [] : [String(seed)]), ...(path === undefined ? [] : ['--path', path]));
  return words.map(shellQuote).join(' ');
}

/**
 * The closing line, e.g. `FAIL 2 findings in 3 properties; 7 properties held, 1 not checked
 * (reclaiming: no size()/sweep()) in 8.2 s (seed 42)` or `PASS 10 properties held, 1 not checked
 * (reclaiming: no size()/sweep()) in 5.1 s (seed 7)`. What was not checked is named in it, so the
 * one line a CI log shows never reads as more than was checked.
 */
export function formatSummary(report: ConformanceReport, style: TextStyle = plainStyle): string {
  const parts = [`${plural(report.passed, 'property', 'properties')} held`];
  if (report.partlyChecked > 0) parts.push(`${report.partlyChecked} partly checked`);
  if (report.notChecked > 0) parts.push(`${report.notChecked} not checked`);
  // One reason given for several properties (a real-time run leaves most to the simulated one) is said once.
  const byReason = new Map<string, string[]>();
  for (const part of report.notCheckedParts) byReason.set(part.reason, [...(byReason.get(part.reason) ?? []), part.property]);
  const unchecked = [...byReason].map(([reason, properties]) => `${properties.join(', ')}: ${reason}`);
  const held = `${parts.join(', ')}${unchecked.length > 0 ? ` (${unchecked.join('; ')})` : ''}`;
  const time = `${report.clock === 'real-time' ? 'in real time, ' : ''}in ${formatDuration(report.durationMs)} ${style.dim(`(seed ${report.seed})`)}`;
  if (report.verdict === 'not_checked') return `${style.fail('NOT CHECKED')} nothing could be checked on this backend: ${held} ${time}`;
  if (report.verdict === 'passed') return `${style.ok('PASS')} ${held} ${time}`;
  const findings = report.findings.length > 0 ? `${plural(report.findings.length, 'finding')} in ${plural(report.failed, 'property', 'properties')}; ` : '';
  const stopped = report.stopped === undefined ? '' : `; stopped early: ${report.stopped}`;
  const required = report.requireAll && report.findings.length === 0 ? 'not everything could be checked (--require-all); ' : '';
  return `${style.fail('FAIL')} ${findings}${required}${held}${stopped} ${time}`;
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
