/**
 * The load generator: wrk when installed (Debian: `apt-get install -y wrk`), otherwise autocannon
 * (a dev dependency). 32 keep-alive connections, one authenticated GET, latency percentiles.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pinned, ROOT } from './child.js';

export interface LoadResult {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Responses that were not 2xx or 3xx, plus socket errors: any of these voids the measurement. */
  readonly failures: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly seconds: number;
  readonly connections: number;
  readonly cores?: string;
}

export type LoadTool = 'wrk' | 'autocannon';

export function pickLoadTool(): LoadTool {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return r.error ? 'autocannon' : 'wrk';
}

export async function runLoad(tool: LoadTool, o: LoadOptions): Promise<LoadResult> {
  if (tool === 'wrk') {
    const headerArgs = Object.entries(o.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency', ...headerArgs, o.url];
    return parseWrk(await capture(...pinned(o.cores, 'wrk', args)));
  }
  const headerArgs = Object.entries(o.headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const bin = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');
  const args = [bin, '-c', String(o.connections), '-d', String(o.seconds), '-j', ...headerArgs, o.url];
  return parseAutocannon(await capture(...pinned(o.cores, process.execPath, args)));
}

function capture(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    p.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err || out}`))));
  });
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function wrkDuration(text: string, label: string): number {
  const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
  if (!m) throw new Error(`wrk output has no ${label} latency:\n${text}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Reads wrk's `--latency` report. */
export function parseWrk(text: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const total = /^\s*(\d+) requests in /m.exec(text);
  if (!rps || !total) throw new Error(`unexpected wrk output:\n${text}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    rps: Number(rps[1]),
    p50Ms: wrkDuration(text, '50%'),
    p99Ms: wrkDuration(text, '99%'),
    requests: Number(total[1]),
    failures: non2xx + socketErrors,
  };
}

/** Reads `autocannon --json`. */
export function parseAutocannon(text: string): LoadResult {
  const r = JSON.parse(text) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  return {
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    failures: r.non2xx + r.errors + r.timeouts,
  };
}
