/**
 * The whole conformance suite (every property in properties/index.ts: sequential, manager,
 * concurrency, faults) on `redisBackendFactory`, against the real Redis (REDIS_URL, default
 * redis://127.0.0.1:6379), through the same helper a store author uses (`sess/vitest`).
 * Redis offers `size` and `sweep`, so a property reported "not checked" is a failure here.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import type { BackendFactory } from '../../backend.js';
import { describeConformance } from '../../conformance/vitest.js';
import { DEFAULT_REDIS_URL, redisBackendFactory } from '../redis.js';
import { DEFAULT_KEY_PREFIX } from './layout.js';

const url = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
const admin = createClient({ url });
admin.on('error', () => {});

/** Every namespace the suite asked for, so that its sessions are deleted afterwards. */
const namespaces = new Set<string>();
const recordingFactory: BackendFactory = (context) => {
  namespaces.add(context.namespace);
  return redisBackendFactory(context);
};

beforeAll(async () => {
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`These tests need the Redis server at ${url} (set REDIS_URL to use another): ${String(error)}`);
  }
});

afterAll(async () => {
  for (const namespace of namespaces) {
    const match = `${DEFAULT_KEY_PREFIX}${encodeURIComponent(namespace).replace(/[*?[\]\\]/g, (c) => `\\${c}`)}:*`;
    for await (const keys of admin.scanIterator({ MATCH: match, COUNT: 1000 })) {
      if (keys.length > 0) await admin.del(keys);
    }
  }
  await admin.close();
});

describeConformance('RedisBackend (redisBackendFactory)', recordingFactory, { notChecked: 'fail' });
