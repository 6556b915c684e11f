/**
 * A real nginx in front of a backend, gated by this app's GET /auth/check through `auth_request`: the README's
 * "Gateway mode" nginx snippet, read from README.md, inside a server block. Started per test file on a free
 * loopback port, with everything (config, pid, temp files) in a temporary directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readmeSnippet } from './readme.js';
import { closedPort } from './upstream.js';

export interface Nginx {
  readonly url: string;
  readonly output: string[];
  close(): Promise<void>;
}

export const NGINX_PATH = process.env['NGINX_PATH'] ?? '/usr/sbin/nginx';

/** Where the README's snippet sends traffic; the tests put the real addresses in their place. */
export const README_BACKEND = 'http://mha-backend:8080';
export const README_SIGNIN = 'http://mha-signin:3000';
export const README_AUTH_CHECK_HEADING = 'With nginx or Traefik in front instead (`/auth/check`)';

/** The README snippet's two parts: `upstream` blocks (they belong in `http`) and the rest (in `server`). */
export interface NginxSite {
  readonly http: string;
  readonly server: string;
}

/**
 * The README's nginx snippet, read from README.md itself (not a copy), with the app and backend addresses
 * filled in and its `upstream` pools (issue 19: kept-alive connections) split out for the http block: the
 * tests run exactly what operators copy.
 */
export function nginxSite(appUrl: string, upstreamUrl: string): NginxSite {
  const snippet = readmeSnippet(README_AUTH_CHECK_HEADING, 'nginx');
  // The pools name servers as host:port; the tests put the real loopback addresses there.
  const hosts: Array<[string, string]> = [
    [new URL(README_BACKEND).host, new URL(upstreamUrl).host],
    [new URL(README_SIGNIN).host, new URL(appUrl).host],
  ];
  for (const [placeholder] of hosts) {
    if (!new RegExp(`^\\s*server\\s+${placeholder.replace(/[.]/g, '\\.')};`, 'm').test(snippet)) {
      throw new Error(`README nginx snippet no longer has an upstream server ${placeholder}: update test/support/nginx.ts`);
    }
  }
  let filled = snippet;
  for (const [placeholder, real] of hosts) filled = filled.replace(new RegExp(`(^\\s*server\\s+)${placeholder.replace(/[.]/g, '\\.')};`, 'gm'), `$1${real};`);
  const upstreams = [...filled.matchAll(/^upstream\s+\w+\s*\{[^}]*\}\n?/gm)].map((m) => m[0]);
  const server = upstreams.reduce((rest, block) => rest.replace(block, ''), filled);
  return { http: upstreams.join('\n'), server };
}

export async function startNginx(appUrl: string, upstreamUrl: string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'mha-nginx-'));
  // Workers may run as an unprivileged user when the tests run as root: let them use the temp dirs.
  chmodSync(dir, 0o777);
  const port = await closedPort();
  const site = nginxSite(appUrl, upstreamUrl);
  const conf = `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${site.http}
  server {
    listen 127.0.0.1:${port};
    ${site.server}
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const output: string[] = [];
  const child: ChildProcess = spawn(NGINX_PATH, ['-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  // Ready when it answers (any status); give up if it exits.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${output.join('')}`);
    try {
      await fetch(`${url}/nginx-probe`, { redirect: 'manual' });
      break;
    } catch {
      if (i > 100) throw new Error(`nginx did not start: ${output.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    output,
    async close() {
      child.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
