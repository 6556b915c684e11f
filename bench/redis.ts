/**
 * A dedicated redis-server on a spare loopback port for the measurement, so its command statistics
 * count the app's commands and nobody else's (never the shared Redis on 6379).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, pinned } from './child.js';

export class BenchRedis {
  private constructor(
    readonly port: number,
    private readonly proc: ChildProcess,
    private readonly dir: string,
  ) {}

  static available(): boolean {
    return !spawnSync('redis-server', ['--version']).error && !spawnSync('redis-cli', ['--version']).error;
  }

  static async start(cores?: string): Promise<BenchRedis> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'mha-bench-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    const proc = spawn(...pinned(cores, 'redis-server', args), { stdio: 'ignore' });
    const redis = new BenchRedis(port, proc, dir);
    for (let i = 0; i < 100; i++) {
      if (redis.cli('PING').trim() === 'PONG') return redis;
      await new Promise((r) => setTimeout(r, 50));
    }
    await redis.stop();
    throw new Error(`redis-server did not start on port ${port}`);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  cli(...args: string[]): string {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), ...args], { encoding: 'utf8' });
    return r.stdout ?? '';
  }

  /** Calls per command since the server started (INFO commandstats), without INFO itself. */
  commandCalls(): Map<string, number> {
    const calls = new Map<string, number>();
    for (const m of this.cli('INFO', 'commandstats').matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (m[1] !== 'info') calls.set(m[1]!, Number(m[2]));
    }
    return calls;
  }

  /** Every key with its MEMORY USAGE in bytes. */
  keyUsage(): Array<{ key: string; bytes: number }> {
    const keys = this.cli('--scan').split('\n').filter(Boolean);
    return keys.map((key) => ({ key, bytes: Number(this.cli('MEMORY', 'USAGE', key).trim()) }));
  }

  flush(): void {
    this.cli('FLUSHALL');
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Per-command differences between two commandCalls() snapshots. */
export function callsDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [cmd, n] of after) {
    const d = n - (before.get(cmd) ?? 0);
    if (d > 0) delta.set(cmd, d);
  }
  return delta;
}
