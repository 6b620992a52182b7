/**
 * The CLI's console output while a run goes on: one line per property as it is decided, a
 * progress indicator on a terminal only, then every failure in full and the closing summary.
 * The Node run and the browser run (whose results stream back from the page) both feed it.
 */
import type { PropertyReport } from '../../../properties/property.js';
import { formatFinding, formatNotChecked, formatResultLine, formatSummary, type ReplayTarget, type TextStyle } from './text.js';
import type { ConformanceReport, PropertySummary } from '../run/runner.js';

/** Where output goes; `process.stdout` fits. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ConsoleReporterOptions {
  out: OutputStream;
  style: TextStyle;
  /** Animate a progress line (only on a terminal, and not under `NO_COLOR` or `CI`). */
  progress: boolean;
  replay: ReplayTarget;
  /** Width of the name column: the longest property name in the run. */
  nameWidth: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class ConsoleReporter {
  readonly #options: ConsoleReporterOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  #frame = 0;
  #current = '';
  #currentStarted = 0;

  constructor(options: ConsoleReporterOptions) {
    this.#options = options;
  }

  /** A property has started. */
  start(property: PropertySummary, index: number, total: number): void {
    if (!this.#options.progress) return;
    this.#current = `${property.name} (${index + 1}/${total})`;
    this.#currentStarted = performance.now();
    this.#draw();
    // The timer only fires when the property yields to the event loop (I/O, timers); with a
    // backend that answers in microtasks the line simply updates property by property.
    this.#timer ??= setInterval(() => this.#draw(), 120);
    this.#timer.unref?.();
  }

  /** A property is decided: print its line now. */
  result(report: PropertyReport): void {
    this.#clear();
    this.#options.out.write(`${formatResultLine(report, this.#options.nameWidth, this.#options.style)}\n`);
  }

  /** A note for the user (a line of its own, dim). */
  note(line: string): void {
    this.#clear();
    this.#options.out.write(`${this.#options.style.dim(line)}\n`);
  }

  /**
   * The run is over: each finding once (the rule broken, its shortest story, the other properties
   * it broke), what was not checked, then the summary.
   */
  finish(report: ConformanceReport): void {
    this.stop();
    const { style, replay, out } = this.#options;
    if (report.findings.length > 0) {
      const rules = report.findings.length === 1 ? 'it breaks 1 rule' : `it breaks ${report.findings.length} rules`;
      out.write(`\n${style.bold(`Findings: ${rules} (one finding per root cause, each with the shortest story found)`)}\n`);
    }
    for (const [index, finding] of report.findings.entries()) out.write(`\n${formatFinding(finding, index + 1, replay, style)}\n`);
    const unchecked = formatNotChecked(report, style);
    if (unchecked !== '') out.write(`\n${unchecked}\n`);
    out.write(`\n${formatSummary(report, style)}\n`);
  }

  /** Stops the progress line (also on an early exit). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clear();
  }

  #draw(): void {
    if (this.#current === '') return;
    const frame = SPINNER[this.#frame++ % SPINNER.length]!;
    const seconds = ((performance.now() - this.#currentStarted) / 1000).toFixed(1);
    this.#options.out.write(`\r\x1b[2K${this.#options.style.dim(`${frame} ${this.#current} ${seconds} s`)}`);
  }

  #clear(): void {
    if (this.#options.progress && this.#current !== '') {
      this.#options.out.write('\r\x1b[2K');
      this.#current = '';
    }
  }
}
