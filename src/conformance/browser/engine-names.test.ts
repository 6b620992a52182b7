import { describe, expect, it } from 'vitest';
import { ConformanceUsageError } from '../errors.js';
import { parseEngines } from './engine-names.js';

describe('parseEngines', () => {
  it('reads bare --browser as Chromium', () => {
    expect(parseEngines('')).toEqual(['chromium']);
  });

  it('reads one engine, or a comma list in the order given, dropping repeats, case and spaces', () => {
    expect(parseEngines('webkit')).toEqual(['webkit']);
    expect(parseEngines('chromium,firefox,webkit')).toEqual(['chromium', 'firefox', 'webkit']);
    expect(parseEngines(' WebKit , firefox,webkit,')).toEqual(['webkit', 'firefox']);
  });

  it('refuses an unknown engine with a usage error that names it and the known ones', () => {
    expect(() => parseEngines('firefox,safari')).toThrow(ConformanceUsageError);
    expect(() => parseEngines('firefox,safari')).toThrow("unknown browser engine 'safari': --browser takes chromium, firefox, webkit or a comma list of them");
  });
});
