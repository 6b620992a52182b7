import { describe, expect, it } from 'vitest';
import setRevivesCleared from '../fixtures/backends/set-revives-cleared.js';
import { checkProperty } from './check.js';
import { managerModelFor, managerModelProperty } from './manager-model.js';
import { memoryBackendFactory } from '../src/backends/memory.js';
import { SuffixMatchingManager } from '../fixtures/broken-parts/suffix-cookie-manager.js';
import { NotSetAsNotFoundManager } from '../fixtures/broken-parts/not-set-as-not-found-manager.js';

describe('manager-model', () => {
  it('catches, through the manager, a backend whose set revives a cleared session', async () => {
    const report = await checkProperty(managerModelProperty, setRevivesCleared);
    expect(report.verdict, `seed ${report.seed}`).toBe('failed');
    // Named by the backend's rule, as backend-model names it (the manager hands set's outcome back as it is).
    expect(report.failure?.message).toMatch(/never revives? a|set on a session that is no longer live/);
    expect(report.failure?.snippet).toContain('const manager = new SessionManager(backend);');
    expect(report.failure?.snippet).toContain("import { ManualClock, SessionManager } from 'sess';");
  });

  it('catches a manager that takes xsid= (a name ending in its own) for its cookie', async () => {
    const report = await checkProperty(managerModelFor((backend) => new SuffixMatchingManager(backend)), memoryBackendFactory);
    expect(report.verdict, `seed ${report.seed}`).toBe('failed');
    expect(report.failure?.message).toMatch(/ofHeader/);
    expect(report.failure?.steps.at(-1)).toMatch(/xsid=|my\.sid=/);
  });

  it('catches a manager that reports a session without a value as not_found', async () => {
    const report = await checkProperty(managerModelFor((backend) => new NotSetAsNotFoundManager(backend)), memoryBackendFactory);
    expect(report.verdict, `seed ${report.seed}`).toBe('failed');
    expect(report.failure?.steps.at(-1)).toMatch(/expected: not_set/);
    expect(report.failure?.steps.join('\n')).toMatch(/generate\(no value/);
  });
});
