import { afterAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/dev/emulator.js';
import { freePort, replicaEnv, startEmulatorFor, startReplica, type Replica } from '../support/ops.js';

let emulator: Emulator | undefined;
let replica: Replica | undefined;
afterAll(async () => {
  await replica?.close();
  await emulator?.close();
});

describe('issue 16 item 3: a likely typo in the environment at start', () => {
  it('is logged as a warning naming both variables, and the server starts and serves anyway', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    emulator = await startEmulatorFor([baseUrl]);
    replica = await startReplica({ ...replicaEnv(emulator, baseUrl), PORT: String(port), SESSION_IDLE_TIMEOUT_MINUTE: '5' }, { port });
    expect(replica.logs.filter((l) => l['event'] === 'config.typo')).toEqual([
      expect.objectContaining({
        level: 'warn',
        variable: 'SESSION_IDLE_TIMEOUT_MINUTE',
        suggestion: 'SESSION_IDLE_TIMEOUT_MINUTES',
        msg: '`SESSION_IDLE_TIMEOUT_MINUTE` is not a variable; did you mean `SESSION_IDLE_TIMEOUT_MINUTES`?',
      }),
    ]);
    expect((await fetch(`${replica.url}/healthz`)).status).toBe(200);
  });
});
