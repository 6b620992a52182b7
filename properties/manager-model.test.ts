import { describe, expect, it } from 'vitest';
import setRevivesCleared from '../fixtures/backends/set-revives-cleared.js';
import { checkProperty } from './check.js';
import { managerModelProperty } from './manager-model.js';

describe('manager-model', () => {
  it('catches, through the manager, a backend whose set revives a cleared session', async () => {
    const report = await checkProperty(managerModelProperty, setRevivesCleared);
    expect(report.verdict, `seed ${report.seed}`).toBe('failed');
    // Named by the backend's rule, as backend-model names it (the manager hands set's outcome back as it is).
    expect(report.failure?.message).toMatch(/never revives? a|set on a session that is no longer live/);
    expect(report.failure?.snippet).toContain('const manager = new SessionManager(backend);');
    expect(report.failure?.snippet).toContain("import { ManualClock, SessionManager } from 'sess';");
  });

});
