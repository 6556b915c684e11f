/**
 * Issue 15 item 2: the credential monitor's states. Its check is the doctor's token request in production
 * (covered end to end in test/integration/setup-problems.test.ts); here it is a scripted dependency, so the
 * rules are pinned: only Entra's verdict moves the metric, an outage is "not verified", one check at a time.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createCredentialMonitor, type CredentialCheckResult } from '../../src/auth/credential-monitor.js';

function logger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger('debug', sink), lines };
}

const refused: CredentialCheckResult = { status: 'problem', message: 'the token endpoint refused the client credentials: The client secret is not valid (AADSTS7000215).', fix: ['New secret.'], aadsts: '7000215', cause: 'The client secret is not valid' };

describe('issue 15 item 2: the credential monitor', () => {
  it('an outage (no AADSTS code) is "not verified": no verdict for the metric, nothing refused', async () => {
    const verdicts: boolean[] = [];
    const { log } = logger();
    const m = createCredentialMonitor({ check: async () => ({ status: 'problem', message: 'the token request failed: connection refused' }), logger: log, onVerdict: (ok) => verdicts.push(ok) });
    const s = await m.checkNow();
    m.stop();
    expect(s).toMatchObject({ state: 'unverified', problem: { permanent: false } });
    expect(verdicts).toEqual([]);
  });

  it('a refusal carries the secret-shape hint first, logs once per check at error level, and a later acceptance says it is resolved', async () => {
    const verdicts: boolean[] = [];
    const { log, lines } = logger();
    let answer = refused;
    const m = createCredentialMonitor({
      check: async () => answer,
      logger: log,
      secretHint: { message: 'set, 44 characters, wrapped in quotes: the quotes become part of the secret', fix: ['Remove the quotes.'] },
      onVerdict: (ok) => verdicts.push(ok),
    });
    const s = await m.checkNow();
    expect(s.state).toBe('refused');
    expect(s.problem).toMatchObject({ permanent: true, aadsts: '7000215', title: 'The client secret is not valid', fix: ['Remove the quotes.', 'New secret.'] });
    expect(s.problem!.message).toContain('ENTRA_CLIENT_SECRET: set, 44 characters, wrapped in quotes');
    answer = { status: 'ok', message: 'Entra issued a token' };
    expect((await m.checkNow()).state).toBe('ok');
    m.stop();
    expect(verdicts).toEqual([false, true]);
    expect(lines.filter((l) => l['event'] === 'setup.problem').map((l) => l['level'])).toEqual(['error']);
    expect(lines.some((l) => l['event'] === 'setup.resolved')).toBe(true);
  });

  it('shares one check between callers', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const m = createCredentialMonitor({ check: async () => (calls++, await gate, { status: 'ok', message: 'ok' }), logger: logger().log });
    const both = Promise.all([m.checkNow(), m.checkNow()]);
    release();
    await both;
    m.stop();
    expect(calls).toBe(1);
  });
});
