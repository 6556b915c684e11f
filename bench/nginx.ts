/**
 * nginx with `auth_request` to the product's `/auth/check`, configured with the README's snippet as
 * written (read from README.md, upstream keep-alive pools included), proxying to the same backend as the
 * other gateway-style targets. Its config, pid and temp files live in a temp dir; one worker, pinned with
 * the product to the app's core, so the pair's CPU is what one core spends per request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NGINX_PATH, nginxSite } from '../test/support/nginx.js';
import { pinned } from './child.js';
import { treeCpuMs } from './proc.js';

export function nginxMissing(): string | undefined {
  return existsSync(NGINX_PATH) ? undefined : `no ${NGINX_PATH} (Debian: apt-get install -y nginx)`;
}

export interface BenchNginx {
  readonly base: string;
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The snippet without its keep-alive lines (`keepalive N;`, `proxy_http_version 1.1;`, `Connection ""`): what
 * the README said before, one new connection to each server per request. Pure: unit-tested.
 */
export function withoutKeepAlive(conf: string): string {
  return conf
    .split('\n')
    .filter((line) => !/^\s*(keepalive\s+\d+|proxy_http_version\s+1\.1|proxy_set_header\s+Connection\s+"")\s*;\s*$/.test(line))
    .join('\n');
}

export async function startBenchNginx(o: { port: number; appUrl: string; backendUrl: string; keepAlive: boolean; cores?: string }): Promise<BenchNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'mha-bench-nginx-'));
  // Workers run as nobody when the bench runs as root: let them write their temp and log files.
  chmodSync(dir, 0o777);
  const readme = nginxSite(o.appUrl, o.backendUrl);
  const site = o.keepAlive ? readme : { http: withoutKeepAlive(readme.http), server: withoutKeepAlive(readme.server) };
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${site.http}
  server {
    listen 127.0.0.1:${o.port};
    ${site.server}
  }
}
`,
  );
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'];
  const proc: ChildProcess = spawn(...pinned(o.cores, NGINX_PATH, args), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${o.port}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited (${proc.exitCode}): ${stderr}`);
    }
    const res = await fetch(`${base}/assets/bench-probe`, { redirect: 'manual' }).catch(() => undefined);
    if (res) {
      await res.arrayBuffer();
      break;
    }
    if (i > 200) {
      await stop();
      throw new Error(`nginx did not answer on ${base}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = proc.pid!;
  return { base, cpuMs: async () => treeCpuMs(pid), stop };
}
