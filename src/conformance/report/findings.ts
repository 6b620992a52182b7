/**
 * One finding per root cause (SPEC §8): the failed properties of a run grouped by the rule their
 * shrunk story breaks, each shown once with the shortest story found across the properties that
 * hit it. A store with one bug shows one finding, however many properties trip over it.
 */
import type { FailureReport, PropertyReport, RootCause } from '../../../properties/property.js';

/** A rule the backend broke, as the run found it. */
export interface Finding {
  readonly rootCause: RootCause;
  /** The property whose story for it is the shortest (the one shown in full). */
  readonly property: string;
  /** The seed that property ran with (with `failure.path`, it replays the story). */
  readonly seed: number;
  readonly failure: FailureReport;
  /** The other properties that failed on the same root cause, in suite order. */
  readonly alsoIn: readonly string[];
}

/** What a run could not check, whole or in part, and why. */
export interface NotCheckedPart {
  readonly property: string;
  readonly reason: string;
  /** `whole`: the property did not run at all; `part`: it ran without a part (its note says which). */
  readonly extent: 'whole' | 'part';
}

/** The findings of `reports`, in the order their first property ran. */
export function findingsOf(reports: readonly PropertyReport[]): Finding[] {
  const groups = new Map<string, Array<PropertyReport & { failure: FailureReport }>>();
  for (const report of reports) {
    if (report.verdict !== 'failed' || report.failure === undefined) continue;
    const id = report.failure.rootCause.id;
    const group = groups.get(id) ?? [];
    group.push(report as PropertyReport & { failure: FailureReport });
    groups.set(id, group);
  }
  return [...groups.values()].map((group) => {
    // Shortest story first; on a tie, the property that ran first.
    const shortest = group.reduce((best, report) => (report.failure.steps.length < best.failure.steps.length ? report : best));
    const measured = shortest.failure.rootCause.measured ?? group.find((r) => r.failure.rootCause.measured !== undefined)?.failure.rootCause.measured;
    return {
      rootCause: { ...shortest.failure.rootCause, ...(measured === undefined ? {} : { measured }) },
      property: shortest.name,
      seed: shortest.seed,
      failure: shortest.failure,
      alsoIn: group.filter((r) => r !== shortest).map((r) => r.name),
    };
  });
}

/** Every property not checked, and every property checked only in part, with the reason. */
export function notCheckedParts(reports: readonly PropertyReport[]): NotCheckedPart[] {
  return reports.flatMap((report): NotCheckedPart[] => {
    if (report.verdict === 'not_checked') return [{ property: report.name, reason: report.notChecked ?? 'no reason given', extent: 'whole' }];
    if (report.verdict === 'partly_checked') return [{ property: report.name, reason: report.note ?? 'no reason given', extent: 'part' }];
    return [];
  });
}
