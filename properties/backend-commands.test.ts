/**
 * How commands choose keys: by index (re-aims when an earlier generate goes) and by tag (does not),
 * which is what lets shrinking drop the generates a failure does not need.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../src/backends/memory.js';
import { ManualClock } from '../src/clock.js';
import { initialWorld, resolveKey, type BackendWorld } from './backend-commands.js';

function worldWith(tags: number[]): BackendWorld {
  const world = initialWorld(new MemoryBackend({ clock: new ManualClock(0) }), 0);
  tags.forEach((tag, index) => {
    world.keys.push(`key-${index + 1}`);
    world.tags.push(tag);
  });
  return world;
}

function without(world: BackendWorld, index: number): BackendWorld {
  return { ...world, keys: world.keys.filter((_, i) => i !== index), tags: world.tags.filter((_, i) => i !== index) };
}

describe('resolveKey', () => {
  const world = worldWith([700, 120, 450, 990, 300]);

  it('by tag: the first tag at or after the choice, going round', () => {
    expect(resolveKey(world, { tagged: 400 }).key).toBe('key-3');
    expect(resolveKey(world, { tagged: 450 }).key).toBe('key-3');
    expect(resolveKey(world, { tagged: 995 }).key).toBe('key-2');
    expect(resolveKey(world, { tagged: 400 }).label).toBe('k3');
  });

  it('by tag: the same key whichever other key is dropped', () => {
    for (const dropped of [0, 1, 3, 4]) expect(resolveKey(without(world, dropped), { tagged: 400 }).key).toBe('key-3');
  });

  it('by index: dropping an earlier key re-aims the choice (why tags exist)', () => {
    expect(resolveKey(world, { known: 2 }).key).toBe('key-3');
    expect(resolveKey(without(world, 0), { known: 2 }).key).toBe('key-4');
  });

  it('a garbage choice, or no keys yet, is a client-sent key', () => {
    expect(resolveKey(world, { garbage: '__proto__' }).key).toBe('__proto__');
    expect(resolveKey(worldWith([]), { tagged: 3 }).key).toBe('');
  });
});
