/**
 * docs/stores.md from the child runs of `npm run stores`: per store, its verdict, the findings in
 * plain words with what each means for an express-session user, the shortest sequence and the
 * command that replays it, what was not checked and why, and how long the runs took.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { FailureReport, PropertyReport } from '../../fixtures/express/support/run-suite.js';
import { findingsOf, type Finding } from '../../src/conformance/report/findings.js';
import { EXPRESS_STORE_READ_THEN_WRITE } from '../../src/express/index.js';
import { REAL_TIME_TOLERANCE } from '../../models/real-time.js';
import type { ChildLine, Phase } from '../stores.js';
import type { StoreEntry } from './catalogue.js';

/** What one store's child left. */
export interface StoreOutcome {
  entry: StoreEntry;
  seed: number;
  wallMs: number;
  lines: ChildLine[];
  /** Why the child did not end normally (a crash, a kill after the time limit). */
  crash?: string;
  stderr?: string;
}

/** A broken rule, with every property that broke it and its shortest failure. */

interface Reading {
  /** The finding in plain words. */
  plain: string;
  /** What it means for an application on express-session. */
  meaning: string;
}

/**
 * What a finding is, read from the rule it names and its steps. The sentences are the properties'
 * own rules (properties/); a rule this table does not know is printed as the property states it.
 */
function read(finding: Finding): Reading {
  const text = `${finding.failure.message}\n${finding.failure.steps.join('\n')}`;
  const rule = finding.rootCause.rule;
  // First: a bad key is what makes it fail, whatever the store did with it (an error, a throw).
  if (/never handed out|garbage|any string|on any key|any Cookie header/i.test(rule) || /garbage key|<\d+ chars>/.test(text)) {
    const rejected = /rejected with ([^\n]{0,160})/.exec(text)?.[1];
    return {
      plain:
        'A key the backend never handed out is not simply `not_found`: ' +
        (rejected !== undefined ? `the store rejects it (${rejected.trim()}${rejected.length >= 160 ? '…' : ''}).` : 'it finds or changes a session.'),
      meaning:
        'Not reachable through express-session with a secret kept: it signs the cookie (`s:<id>.<hmac>`) and never looks up an id whose signature fails, so a client cannot send an arbitrary id. Reachable by an app that passes ids to the store itself.',
    };
  }
  if (/ExpressStoreError|did not call back|called back twice|non-Error|threw instead|rejected the promise/.test(text)) {
    return {
      plain: 'The store broke the callback protocol of the Store API (the error names how: a throw, a second callback, a non-Error, no callback, or a rejected promise).',
      meaning:
        'Reachable by every request that hits the failing call: under express-session a store that never calls back hangs the request, and a promise rejection nobody handles ends a Node >= 15 server.',
    };
  }
  // A rule about the manager or a write, whose steps show the boundary: the same early expiry.
  const earlyAtBoundary = /live at now == expiresAt/.test(rule) || (/to exactly k\d+'s expiry|expiry 0 s/.test(text) && /actual: +"?not_found/.test(text));
  if (earlyAtBoundary) {
    return {
      plain: 'Expires early: a session is already gone at the very instant its cookie expires (the store counts `expires <= now` as dead, or rounds the instant to whole seconds).',
      meaning: 'Harmless for an express-session app: the session ends at most one rounding step (1 ms, or under a second) before its cookie.',
    };
  }
  // A dead session read or written as live: the rule says so, or the steps expect not_found and got ok.
  const lateAfterExpiry =
    /expired once now > expiresAt|no longer live|never revives an expired/.test(rule) ||
    (/advance the clock/.test(text) && (/expected: +"?not_found[\s\S]*actual: +"?ok/.test(text) || /adopts/.test(rule)));
  if (lateAfterExpiry) {
    return /expiry 0 s/.test(text)
      ? {
          plain: 'A session saved with a lifetime of 0 (cookie `maxAge` 0) does not die: it is still read, and can be written, after its instant.',
          meaning:
            'Reachable: an app that ends a session with `req.session.cookie.maxAge = 0` (instead of `destroy()`) leaves it usable by anyone who still has the id, for the store\'s default lifetime or for ever.',
        }
      : {
          plain: 'Expires late: a session is still read (or written) after its expiry instant.',
          meaning:
            'Reachable by a client that keeps sending the cookie after it expired (a browser drops it, a script need not): the session lasts longer than configured, by the rounding step or the delay shown.',
        };
  }
  if (/atomic per key|linearizab/.test(rule)) {
    return {
      plain: 'Concurrent calls on one session gave answers that no one-at-a-time order explains.',
      meaning:
        'Reachable with two requests of one user at the same time (tabs, retries). When a sequential finding above fails the same sessions, it is usually that one seen through a race.',
    };
  }
  if (/touch never restores/.test(rule)) {
    return {
      plain: 'A touch wrote back the copy of the session it had read: a write or a clear that landed in between was undone.',
      meaning: 'Reachable: express-session touches every session at the end of a request, so a request racing a logout or an update of the same user undoes it.',
    };
  }
  if (/live session is never missing/.test(rule)) {
    return {
      plain: 'A live session was missing for a moment: a lookup answered "not found" while a write replaced it.',
      meaning: 'Reachable with two requests of one user at the same time: the one that looks in between is treated as logged out.',
    };
  }
  if (/revive|cleared session|logout|never comes back/i.test(rule)) {
    return {
      plain: 'A cleared session came back: a write that started before the clear landed after it.',
      meaning: 'Reachable: a logout racing another request of the same user is undone, and the old session id works again.',
    };
  }
  return {
    plain: 'The store answered what the rule forbids (see the steps).',
    meaning: 'See the steps: whether an express-session app reaches it depends on the calls they make.',
  };
}

function versionOf(root: string, entry: StoreEntry, name: string): string {
  const file = join(root, entry.packagePaths?.[name] ?? join('node_modules', name), 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : '?';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function replay(entry: StoreEntry, finding: { property: string; failure: FailureReport }, seed: number, phase: Phase): string {
  return [
    'npx sess-conformance',
    `./${entry.fixture}`,
    ...(phase === 'unlocked' ? ['--export unlocked'] : phase === 'real-time' ? ['--export realTime'] : []),
    phase === 'real-time' ? '--real-time' : '--fake-date',
    `--only ${finding.property}`,
    `--seed ${seed}`,
    `--path ${finding.failure.path}`,
  ].join(' ');
}

/** The steps, each line cut at 200 characters (garbage keys and 1 MiB values print long). */
function stepsBlock(failure: FailureReport): string[] {
  const lines = failure.steps.join('\n').split('\n');
  return ['```', ...lines.map((line) => (line.length > 200 ? `${line.slice(0, 199)}…` : line)), '```'];
}

/** `a`, `b` (one reason); `c` (another): each reason said once, after the properties that gave it. */
function byReason(reports: readonly PropertyReport[], reasonOf: (report: PropertyReport) => string | undefined): string {
  const grouped = new Map<string, string[]>();
  for (const report of reports) {
    const reason = reasonOf(report) ?? 'no reason given';
    grouped.set(reason, [...(grouped.get(reason) ?? []), `\`${report.name}\``]);
  }
  return [...grouped].map(([reason, names]) => `${names.join(', ')} (${reason})`).join('; ');
}

/** The whole of docs/stores.md. */
export function writeStoreReport(
  outcomes: readonly StoreOutcome[],
  run: { seed: number; totalMs: number; root: string; machine: string },
): string {
  const out: string[] = [
    '# express-session stores, checked',
    '',
    'Written by `npm run stores` (scripts/stores.ts): the sess conformance suite run through',
    '`fromExpressStore` (`sess/express`) on each store, against the local Redis, PostgreSQL and MariaDB.',
    `Seed ${run.seed} for every run (\`npm run stores -- --seed ${run.seed}\` repeats them); the whole report took ${seconds(run.totalMs)} on ${run.machine}.`,
    '',
    'How each store is judged:',
    '',
    "- With the adapter's in-process lock (`lock: 'in-process'`), every property at its default runs.",
    '  Date follows the run\'s simulated clock (`--fake-date`), so a store that reads `Date.now()`',
    '  expires by it. `key-quality` runs once (1 run, 10,000 keys) on MemoryStore only: through the',
    "  adapter every key comes from sess's `generateSessionKey()`, never from the store.",
    '- Then `linearizability` and `manager-races` without the lock, as express-session calls a store.',
    '  What fails there and not under the lock is the Store API\'s own limit, not the store\'s bug:',
    `  **${EXPRESS_STORE_READ_THEN_WRITE.id}**: ${EXPRESS_STORE_READ_THEN_WRITE.rule}.`,
    '- Failures are grouped by root cause (the rule their shortest story breaks, with a stable id), as',
    '  `sess-conformance` lists them: one finding per cause, with its shortest story and the properties it also broke.',
    "- A store whose expiry runs on a server's clock (connect-redis: Redis `EX`) cannot follow a simulated",
    "  clock: in the runs above the adapter judges expiry from the session's cookie (`expiry: 'cookie'`),",
    "  and the store's own expiry is reported as not checked, with what the simulated run met. Then",
    "  `backend-model` runs in real time (`--real-time`: the system clock, real waits, lifetimes of 0-3 s)",
    "  with expiry left to the store (`expiry: 'store'`), an answer within",
    `  ${REAL_TIME_TOLERANCE.earlyMs} ms before or ${REAL_TIME_TOLERANCE.lateMs} ms after an expiry instant accepted either way (the server's clock,`,
    '  and whole-second TTLs rounded up). The other properties are left to the simulated runs there.',
    '- The replay commands need `--fake-date` (the run option that makes Date follow the clock), or',
    '  `--real-time` for a real-time finding (which replays the same steps, but real time is not exactly',
    '  reproducible); each replays one failure on the fixture module in fixtures/express/.',
    '',
    '| store | kept in | verdict | findings | store API limit shown | real time | run time |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const sections: string[] = [];
  for (const outcome of outcomes) {
    const { entry, seed } = outcome;
    const version = `${entry.packages[0]}@${versionOf(run.root, entry, entry.packages[0]!)}`;
    const drivers = entry.packages.slice(1).map((p) => `${p}@${versionOf(run.root, entry, p)}`);
    const reports = (phase: Phase) =>
      outcome.lines.flatMap((l) => (l.kind === 'property' && l.phase === phase ? [l.report] : []));
    const duration = (phase: Phase) => outcome.lines.find((l) => l.kind === 'done' && l.phase === phase) as { durationMs: number } | undefined;
    const locked = reports('locked');
    const unlocked = reports('unlocked');
    const realTime = reports('real-time');
    const findings = findingsOf(locked);
    const realTimeFindings = findingsOf(realTime);
    const partly = locked.filter((r) => r.verdict === 'partly_checked');
    // Held under the lock, wholly or in part (a server-clock store's expiry is left out there).
    const raceOnly = unlocked.filter((r) => r.verdict === 'failed' && locked.some((l) => l.name === r.name && (l.verdict === 'passed' || l.verdict === 'partly_checked')));
    const notChecked = locked.filter((r) => r.verdict === 'not_checked');
    const verdict = outcome.crash !== undefined ? `CRASHED (${outcome.crash})` : findings.length + realTimeFindings.length === 0 ? 'PASS' : 'FAIL';
    const lockedTime = duration('locked');
    const unlockedTime = duration('unlocked');
    const realTimeTime = duration('real-time');
    const realTimeVerdict = realTime.length === 0 ? '-' : realTimeFindings.length > 0 ? `FAIL (${realTimeFindings.length})` : realTime.every((r) => r.verdict === 'passed') ? 'PASS' : realTime.map((r) => r.verdict).join(', ');
    out.push(
      `| [${entry.id}](#${`${entry.id}-${version}`.replace(/[^a-z0-9 -]/gi, '').replace(/ /g, '-').toLowerCase()}) ${version} | ${entry.medium} | ${verdict} | ${findings.length + realTimeFindings.length} | ${raceOnly.length > 0 ? 'yes' : unlocked.length > 0 ? 'no' : '-'} | ${realTimeVerdict} | ${lockedTime ? seconds(lockedTime.durationMs) : '-'} (+ ${unlockedTime ? seconds(unlockedTime.durationMs) : '-'} unlocked${realTimeTime ? `, + ${seconds(realTimeTime.durationMs)} real time` : ''}) |`,
    );

    const s: string[] = [`## ${entry.id}: ${version}`, ''];
    s.push(`Kept in ${entry.medium}${drivers.length > 0 ? `, with ${drivers.join(', ')}` : ''}.`);
    s.push(
      entry.clock === 'server'
        ? "Its expiry runs on the server's clock (Redis `EX`), which a simulated clock cannot move. In the simulated runs the adapter judges expiry from the session's cookie (`expiry: 'cookie'`), so **the store's own expiry is not checked there** (the properties that judge expiry are partly checked or not checked, each with the reason and what the simulated run met); the rest is. **The store's own `EX` expiry is judged in real time** (below)."
        : 'It computes instants with JavaScript\'s `Date`, which follows the run\'s clock: its own expiry is checked.',
    );
    s.push('');
    s.push(
      `**${verdict}**: ${locked.filter((r) => r.verdict === 'passed').length} properties held, ${partly.length > 0 ? `${partly.length} partly checked, ` : ''}${locked.filter((r) => r.verdict === 'failed').length} failed, ${notChecked.length} not checked; ` +
        `${findings.length} distinct rule${findings.length === 1 ? '' : 's'} broken${realTime.length > 0 ? ` in simulated time, ${realTimeFindings.length} in real time` : ''}. ` +
        `Locked run ${lockedTime ? seconds(lockedTime.durationMs) : 'did not finish'}, unlocked race run ${unlockedTime ? seconds(unlockedTime.durationMs) : 'did not finish'}${entry.clock === 'server' ? `, real-time run ${realTimeTime ? seconds(realTimeTime.durationMs) : 'did not finish'}` : ''}, child process ${seconds(outcome.wallMs)} in all.`,
    );
    s.push('');
    for (const note of entry.notes ?? []) s.push(`Known from the adapter's tests: ${note}`, '');
    if (outcome.crash !== undefined) {
      s.push(`The child process running this store ${outcome.crash}; what it reported before is below. Its last output:`, '', '```');
      s.push(...(outcome.stderr ?? '').trim().split('\n').slice(-15), '```', '');
    }
    for (const [i, finding] of findings.entries()) {
      const { plain, meaning } = read(finding);
      s.push(`### ${i + 1}. ${finding.rootCause.rule}`, '');
      s.push(`Root cause \`${finding.rootCause.id}\`${finding.rootCause.measured === undefined ? '' : `; measured: ${finding.rootCause.measured}`}.`, '');
      s.push(`${plain}`, '');
      s.push(`*For an express-session app:* ${meaning}`, '');
      s.push(`Found by \`${finding.property}\`${finding.alsoIn.length > 0 ? `; also broken in ${finding.alsoIn.map((p) => `\`${p}\``).join(', ')}` : ''}. Shortest sequence (${finding.failure.steps.length} step${finding.failure.steps.length === 1 ? "" : "s"}):`, '');
      s.push(...stepsBlock(finding.failure), '');
      s.push('Replay:', '', '```sh', replay(entry, finding, seed, 'locked'), '```', '');
    }
    if (raceOnly.length > 0) {
      s.push(`### The Store API's limit: ${EXPRESS_STORE_READ_THEN_WRITE.id}`, '');
      s.push(
        `Without the lock, ${raceOnly.map((r) => `\`${r.name}\``).join(' and ')} failed where ${raceOnly.length === 1 ? 'it holds' : 'they hold'} under it: ` +
          'a destroy (logout) that lands between the read and the write of a set/touch is undone. Every store behind the Store API has this ' +
          '(express-session itself saves a session this way at the end of a request); the in-process lock closes it for one process only.',
        '',
      );
      for (const report of raceOnly) {
        s.push(`\`${report.name}\`: ${report.failure!.message.split('\n')[0]}`, '');
        s.push(...stepsBlock(report.failure!), '');
        s.push('```sh', replay(entry, { property: report.name, failure: report.failure! }, seed, 'unlocked'), '```', '');
      }
    } else if (unlocked.length > 0) {
      s.push(
        `Without the lock, \`linearizability\` and \`manager-races\` found no race the locked run did not (${unlocked.map((r) => `${r.name}: ${r.verdict}`).join(', ')}): ` +
          'the read-then-write window is still there, the runs just did not land in it.',
        '',
      );
    }
    if (notChecked.length > 0) {
      const sweepless = notChecked.some((r) => /size\(\)|sweep\(\)/.test(r.notChecked ?? ''));
      s.push(`Not checked: ${byReason(notChecked, (r) => r.notChecked)}.${sweepless ? ' The Store API has no way to count or sweep what a store holds.' : ''}`, '');
    }
    if (partly.length > 0) s.push(`Partly checked (held, except): ${byReason(partly, (r) => r.note)}.`, '');
    if (entry.clock === 'server') {
      s.push('### In real time: the store\'s own expiry', '');
      if (realTime.length === 0) {
        s.push('The real-time run did not report (see the child\'s output above).', '');
      } else {
        for (const report of realTime) {
          s.push(
            `\`${report.name}\` in real time over \`expiry: 'store'\` (Redis \`EX\` decides), ${report.runs} runs in ${seconds(report.durationMs)}: ` +
              (report.verdict === 'passed'
                ? `**held**: no answer was outside ${REAL_TIME_TOLERANCE.earlyMs} ms before / ${REAL_TIME_TOLERANCE.lateMs} ms after an expiry instant, nor wrong otherwise.${entry.realTimeNote === undefined ? '' : ` ${entry.realTimeNote}`}`
                : report.verdict === 'failed'
                  ? '**failed** (below).'
                  : `${report.verdict}: ${report.notChecked ?? report.note ?? ''}`),
            '',
          );
        }
        for (const [i, finding] of realTimeFindings.entries()) {
          s.push(`#### Real time ${i + 1}. ${finding.rootCause.rule}`, '');
          s.push(`Root cause \`${finding.rootCause.id}\`${finding.rootCause.measured === undefined ? '' : `; measured: ${finding.rootCause.measured}`}.`, '');
          s.push(...stepsBlock(finding.failure), '');
          s.push('Replay (real time: the same steps, though calls land a few ms elsewhere):', '', '```sh', replay(entry, finding, seed, 'real-time'), '```', '');
        }
      }
    }
    if (!entry.keyQuality) {
      s.push("`key-quality` is not run on it: through the adapter every key comes from sess's `generateSessionKey()`, not from the store (checked once, on memory-store).", '');
    }
    const cleanup = outcome.lines.find((l) => l.kind === 'cleanup') as { error?: string } | undefined;
    s.push(cleanup === undefined ? 'Clean-up: did not run (the child ended first).' : cleanup.error ? `Clean-up failed: ${cleanup.error}` : 'Clean-up: done (its table, prefix or directory is gone).', '');
    sections.push(s.join('\n'));
  }
  out.push('', ...sections);
  return `${out.join('\n').trimEnd()}\n`;
}
