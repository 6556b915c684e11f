/**
 * One complete sign-in through the real flow, as a browser does it: the app's login route, the
 * emulator's authorize endpoint and account picker, the app's callback. It stops at the callback's
 * redirect, so a sign-in's cost is login + callback and nothing the user does afterwards.
 */
import { Browser } from '../test/support/browser.js';
import { navigationFetch } from './navigation-fetch.js';

export interface SignInRoutes {
  readonly login: string;
  readonly callback: string;
  /** Names of the cookie(s) that carry the signed-in session (express-openid-connect chunks its). */
  readonly sessionCookie: (name: string) => boolean;
}

export const PRODUCT_ROUTES: SignInRoutes = {
  login: '/auth/login?returnTo=/mha/',
  callback: '/auth/callback',
  sessionCookie: (name) => name === 'mha.sid',
};

export const EOC_ROUTES: SignInRoutes = {
  login: '/login',
  callback: '/callback',
  sessionCookie: (name) => name === 'appSession' || /^appSession\.\d+$/.test(name),
};

export interface SignedIn {
  /** `name=value; ...` of the session cookie(s) only: what wrk sends. */
  readonly cookie: string;
}

export async function signIn(appBase: string, routes: SignInRoutes, userName = 'B.Simon'): Promise<SignedIn> {
  // A browser's top-level navigation (bench/navigation-fetch.ts): the same requests for every target.
  const browser = new Browser({}, navigationFetch);
  const app = new URL(appBase);
  let url = new URL(routes.login, app).href;
  let init: { method?: string; body?: string } = {};
  for (let step = 0; step < 20; step++) {
    const res = await browser.request(url, init);
    const location = res.headers.get('location');
    const here = new URL(url);
    if (here.origin === app.origin && here.pathname === routes.callback) {
      await res.arrayBuffer();
      if (res.status !== 302 && res.status !== 303) throw new Error(`sign-in callback answered ${res.status}`);
      return { cookie: sessionCookie(browser, app, routes) };
    }
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      url = new URL(location, url).href;
      init = {};
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const button = new RegExp(`name="user" value="([^"]+)">${userName.replace('.', '\\.')}<`).exec(html)?.[1];
    if (res.status !== 200 || !action || !button) throw new Error(`sign-in stuck at ${url}: ${res.status} ${html.slice(0, 300)}`);
    url = new URL(action, url).href;
    init = { method: 'POST', body: new URLSearchParams({ user: button }).toString() };
  }
  throw new Error('sign-in did not finish in 20 steps');
}

function sessionCookie(browser: Browser, app: URL, routes: SignInRoutes): string {
  const cookies = [...(browser.jar.get(app.hostname) ?? new Map<string, { value: string }>())]
    .filter(([name]) => routes.sessionCookie(name))
    .map(([name, c]) => `${name}=${c.value}`);
  if (cookies.length === 0) throw new Error('signed in, but no session cookie was set');
  return cookies.join('; ');
}

/** Runs `count` sign-ins, `concurrency` at a time, each in a fresh browser (the full picker every time). */
export async function signInMany(appBase: string, routes: SignInRoutes, count: number, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await signIn(appBase, routes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
