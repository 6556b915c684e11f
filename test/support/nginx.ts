/**
 * A real nginx in front of a backend, gated by this app's GET /auth/check through `auth_request`: the
 * deployment the README's "Gateway mode" nginx snippet describes. Started per test file on a free
 * loopback port, with everything (config, pid, temp files) in a temporary directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './upstream.js';

export interface Nginx {
  readonly url: string;
  readonly output: string[];
  close(): Promise<void>;
}

export const NGINX_PATH = process.env['NGINX_PATH'] ?? '/usr/sbin/nginx';

/** The location blocks from the README, with the app and backend addresses filled in. */
export function nginxSite(appUrl: string, upstreamUrl: string): string {
  return `
    location / {
      auth_request /auth/check;
      # Identity from the auth response; proxy_set_header replaces whatever the client sent under these names.
      auth_request_set $ms_principal      $upstream_http_x_ms_client_principal;
      auth_request_set $ms_principal_id   $upstream_http_x_ms_client_principal_id;
      auth_request_set $ms_principal_name $upstream_http_x_ms_client_principal_name;
      auth_request_set $ms_principal_idp  $upstream_http_x_ms_client_principal_idp;
      auth_request_set $fwd_user          $upstream_http_x_forwarded_user;
      auth_request_set $fwd_email         $upstream_http_x_forwarded_email;
      auth_request_set $fwd_groups        $upstream_http_x_forwarded_groups;
      auth_request_set $fwd_username      $upstream_http_x_forwarded_preferred_username;
      auth_request_set $mha_identity      $upstream_http_x_mha_identity;
      proxy_set_header X-MS-CLIENT-PRINCIPAL      $ms_principal;
      proxy_set_header X-MS-CLIENT-PRINCIPAL-ID   $ms_principal_id;
      proxy_set_header X-MS-CLIENT-PRINCIPAL-NAME $ms_principal_name;
      proxy_set_header X-MS-CLIENT-PRINCIPAL-IDP  $ms_principal_idp;
      proxy_set_header X-Forwarded-User           $fwd_user;
      proxy_set_header X-Forwarded-Email          $fwd_email;
      proxy_set_header X-Forwarded-Groups         $fwd_groups;
      proxy_set_header X-Forwarded-Preferred-Username $fwd_username;
      proxy_set_header X-MHA-Identity             $mha_identity;
      proxy_set_header X-MS-TOKEN-AAD-ID-TOKEN     "";
      proxy_set_header X-MS-TOKEN-AAD-ACCESS-TOKEN "";
      # Once per touch interval /auth/check refreshes the idle clock and sends the renewed cookie.
      auth_request_set $auth_cookie $upstream_http_set_cookie;
      add_header Set-Cookie $auth_cookie;
      error_page 401 = @signin;
      proxy_pass ${upstreamUrl};
    }
    location = /auth/check {
      internal;
      proxy_pass ${appUrl};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
    }
    location @signin {
      return 302 ${appUrl}/auth/login?returnTo=$request_uri;
    }`;
}

export async function startNginx(appUrl: string, upstreamUrl: string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'mha-nginx-'));
  // Workers may run as an unprivileged user when the tests run as root: let them use the temp dirs.
  chmodSync(dir, 0o777);
  const port = await closedPort();
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
  server {
    listen 127.0.0.1:${port};
    ${nginxSite(appUrl, upstreamUrl)}
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
