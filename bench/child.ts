/**
 * Starting, talking to and stopping the processes a measurement needs (targets, the emulator), each
 * pinned to its core with taskset when the machine allows it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Which cores the app under test and the load side get, or undefined when pinning is impossible. */
export function planCores(): { app: string; load: string } | undefined {
  const probe = spawnSync('taskset', ['-c', '0', 'true']);
  if (probe.error || probe.status !== 0) return undefined;
  const cpus = spawnSync('nproc', [], { encoding: 'utf8' });
  const n = Number(cpus.stdout.trim());
  if (!Number.isInteger(n) || n < 2) return undefined;
  return { app: '0', load: `1-${n - 1}` };
}

/** Prefixes a command with `taskset -c <cores>` when pinning is available. */
export function pinned(cores: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  return cores ? ['taskset', ['-c', cores, cmd, ...args]] : [cmd, [...args]];
}

/** A free loopback port, found the way the tests do: listen on port 0 and let it go. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface Reply {
  id?: number;
  ok?: boolean;
  value?: unknown;
  error?: string;
  event?: string;
  [key: string]: unknown;
}

export interface StartChildOptions {
  readonly script: string;
  readonly args?: readonly string[];
  readonly cores?: string;
  readonly env?: Record<string, string>;
  readonly nodeFlags?: readonly string[];
  /** stdout goes here (the app's log lines); /dev/null when omitted. */
  readonly stdoutFile?: string;
  readonly readyTimeoutMs?: number;
}

export class Child {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private stderr = '';
  private exited: Promise<void>;

  private constructor(readonly proc: ChildProcess, readonly name: string) {
    proc.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString('utf8')).slice(-4000);
    });
    proc.on('message', (msg: Reply) => {
      if (typeof msg.id !== 'number') return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(`${name}: ${msg.error}`));
    });
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  /** Spawns `node [flags] --import tsx <script> [args]` and waits for its `ready` event. */
  static async start(options: StartChildOptions): Promise<{ child: Child; ready: Reply }> {
    const out = options.stdoutFile ? openSync(options.stdoutFile, 'a') : 'ignore';
    const nodeArgs = [...(options.nodeFlags ?? []), '--import', 'tsx', options.script, ...(options.args ?? [])];
    const [cmd, args] = pinned(options.cores, process.execPath, nodeArgs);
    const proc = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', out, 'pipe', 'ipc'],
    });
    if (typeof out === 'number') closeSync(out);
    const child = new Child(proc, options.script.replace(/^.*\//, ''));
    const ready = await new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${child.name} not ready in time:\n${child.stderr}`)), options.readyTimeoutMs ?? 30_000);
      proc.on('message', (msg: Reply) => {
        if (msg.event === 'ready') {
          clearTimeout(timer);
          resolve(msg);
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${child.name} exited (${code}) before it was ready:\n${child.stderr}`));
      });
    });
    return { child, ready };
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  request<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, cmd, args });
    });
  }

  /** CPU milliseconds (user + system) the process has used so far. */
  async cpuMs(): Promise<number> {
    const u = await this.request<{ user: number; system: number }>('cpu');
    return (u.user + u.system) / 1000;
  }

  /** SIGTERM, then SIGKILL if it has not gone in 5 s. Only ever this child's own pid. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
