/**
 * Sessions shared by processes (SPEC §4, the point of a Redis backend): a second Node process,
 * spawned with jiti so that it loads the same TypeScript sources, reads, updates and clears the
 * sessions this process wrote, and this process sees its changes.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { DEFAULT_REDIS_URL, RedisBackend } from '../redis.js';
import { DEFAULT_KEY_PREFIX } from './layout.js';

const url = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
const START = 1_700_000_000_000;
const backendModule = fileURLToPath(new URL('../redis.ts', import.meta.url));
const clockModule = fileURLToPath(new URL('../../clock.ts', import.meta.url));
const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const namespace = `test-two-process-${randomUUID()}`;
const workDir = mkdtempSync(join(tmpdir(), 'sess-redis-two-process-'));
const admin = createClient({ url });
admin.on('error', () => {});

/**
 * The second process: given the keys on argv, one JSON line of what it saw and did. Its clock
 * stands 10 s later than the first process's, so remaining periods show whose clock was used.
 */
const secondProcess = `
import { RedisBackend } from ${JSON.stringify(backendModule)};
import { ManualClock } from ${JSON.stringify(clockModule)};
const [url, namespace, start, readKey, updateKey, touchKey, clearKey] = process.argv.slice(2);
const backend = await RedisBackend.connect({ url, namespace, clock: new ManualClock(Number(start) + 10_000) });
const report = {
  pid: process.pid,
  read: await backend.get(readKey),
  readNoValue: await backend.get(touchKey),
  updated: await backend.set(updateKey, 'written by the second process ✓', { expiry: 60 }),
  touched: await backend.touch(touchKey, { expiry: 90 }),
  cleared: await backend.clear(clearKey),
  generated: await backend.generate({ value: 'made by the second process' }),
};
await backend.close();
console.log(JSON.stringify(report));
`;

beforeAll(async () => {
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`These tests need the Redis server at ${url} (set REDIS_URL to use another): ${String(error)}`);
  }
});

afterAll(async () => {
  for await (const keys of admin.scanIterator({ MATCH: `${DEFAULT_KEY_PREFIX}${namespace}:*` })) {
    if (keys.length > 0) await admin.del(keys);
  }
  await admin.close();
  rmSync(workDir, { recursive: true, force: true });
});

it('a second Node process reads, updates and clears the sessions the first one wrote', async () => {
  const clock = new ManualClock(START);
  const backend = await RedisBackend.connect({ url, namespace, clock });
  try {
    const readKey = await backend.generate({ value: 'written by the first process', expiry: 100 });
    const updateKey = await backend.generate({ value: 'old', expiry: 100 });
    const touchKey = await backend.generate({ expiry: 100 });
    const clearKey = await backend.generate({ value: 'to be cleared' });

    const script = join(workDir, 'second-process.ts');
    writeFileSync(script, secondProcess);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'jiti/register', script, url, namespace, String(START), readKey, updateKey, touchKey, clearKey],
      { cwd: projectRoot, timeout: 60_000 },
    );
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(report.pid).not.toBe(process.pid);
    expect(report.read).toEqual({ status: 'ok', value: 'written by the first process', period: 90 });
    expect(report.readNoValue).toEqual({ status: 'not_set' });
    expect(report.updated).toBe('ok');
    expect(report.touched).toBe('ok');

    // Back in the first process (its clock 10 s behind the second's):
    expect(await backend.get(updateKey)).toEqual({ status: 'ok', value: 'written by the second process ✓', period: 70 });
    expect(await backend.get(touchKey)).toEqual({ status: 'not_set' });
    expect(await backend.get(clearKey)).toEqual({ status: 'not_found' });
    expect(await backend.set(clearKey, 'revived?')).toBe('not_found');
    expect(await backend.get(report.generated)).toEqual({ status: 'ok', value: 'made by the second process', period: 604_810 });
    clock.advance(100_000); // the touched session lives until START + 10 s + 90 s
    expect(await backend.get(touchKey)).toEqual({ status: 'not_set' });
    clock.advance(1);
    expect(await backend.get(touchKey)).toEqual({ status: 'not_found' });
  } finally {
    await backend.close();
  }
});
