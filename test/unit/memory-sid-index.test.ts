import { describe, expect, it } from 'vitest';
import { createMemorySidIndex } from '../../src/session/memory-backend.js';

describe('memory sid index', () => {
  it('returns every live session of an Entra sid once, and forgets the sid', async () => {
    let now = 1_000;
    const index = createMemorySidIndex(() => now);
    await index.add('sid-1', 'sessA', 100);
    await index.add('sid-1', 'sessB', 500);
    await index.add('sid-1', 'sessA', 100); // the same session again: not listed twice
    await index.add('sid-2', 'sessC', 100);
    now = 1_200; // sessA has expired, sessB has not
    expect(await index.take('sid-1')).toEqual(['sessB']);
    expect(await index.take('sid-1')).toEqual([]);
    expect(await index.take('unknown')).toEqual([]);
  });

  it('prunes expired entries and empty sids', async () => {
    let now = 0;
    const index = createMemorySidIndex(() => now);
    await index.add('old', 's1', 10);
    await index.add('mixed', 's2', 10);
    await index.add('mixed', 's3', 1_000);
    now = 100;
    index.prune();
    expect(index.size).toBe(1);
    expect(await index.take('mixed')).toEqual(['s3']);
  });
});
