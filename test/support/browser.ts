/**
 * A minimal cookie-keeping HTTP client that behaves like a browser for redirects across the app and the
 * emulator (both on loopback), so integration tests drive the real sign-in flow end to end.
 */
interface StoredCookie {
  value: string;
  path: string;
}

export interface Step {
  readonly url: string;
  readonly status: number;
  readonly location?: string;
}

export class Browser {
  /** host -> cookie name -> cookie. Cookies are per host (not port), as in real browsers. */
  readonly jar = new Map<string, Map<string, StoredCookie>>();
  readonly defaultHeaders: Record<string, string>;

  /** `fetchImpl` lets a test trust its own TLS certificate (e.g. a proxy with a self-signed one). */
  constructor(headers: Record<string, string> = {}, private readonly fetchImpl: typeof fetch = fetch) {
    this.defaultHeaders = { accept: 'text/html', ...headers };
  }

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).hostname)?.get(name)?.value;
  }

  setCookie(url: string, name: string, value: string, path = '/'): void {
    const host = new URL(url).hostname;
    const cookies = this.jar.get(host) ?? new Map<string, StoredCookie>();
    cookies.set(name, { value, path });
    this.jar.set(host, cookies);
  }

  /** One request, no redirect following; stores cookies it sets. */
  async request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = [...(this.jar.get(target.hostname) ?? new Map<string, StoredCookie>())]
      .filter(([, c]) => target.pathname.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    const headers: Record<string, string> = { ...this.defaultHeaders, ...init.headers };
    if (cookies) headers['cookie'] = cookies;
    if (init.body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
    const res = await this.fetchImpl(target, { method: init.method ?? 'GET', body: init.body, headers, redirect: 'manual' });
    this.store(target, res.headers.getSetCookie());
    return res;
  }

  /** Follows redirects like a browser (POST -> GET on 302/303) and returns the last response. */
  async follow(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}, steps: Step[] = []): Promise<{ res: Response; steps: Step[]; url: string }> {
    let current = url;
    let currentInit = init;
    for (let i = 0; i < 20; i++) {
      const res = await this.request(current, currentInit);
      const location = res.headers.get('location') ?? undefined;
      steps.push({ url: current, status: res.status, ...(location ? { location } : {}) });
      if (res.status === 200 && (res.headers.get('content-type') ?? '').includes('text/html')) {
        // A page that submits its own form on load (oidc-provider ends the old session this way when
        // another account is picked) is what a real browser would post at once.
        const html = await res.text();
        const auto = autoSubmitForm(html);
        if (auto) {
          current = new URL(auto.action, current).href;
          currentInit = { method: 'POST', body: auto.body, headers: init.headers };
          continue;
        }
        return { res: new Response(html, { status: res.status, headers: res.headers }), steps, url: current };
      }
      if (res.status < 300 || res.status >= 400 || !location) return { res, steps, url: current };
      await res.arrayBuffer();
      current = new URL(location, current).href;
      currentInit = res.status === 307 || res.status === 308 ? currentInit : { headers: init.headers };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /**
   * Starts at `startUrl` (normally /auth/login or a gated page), picks `userName` on the emulator's account
   * picker and follows everything back to the app.
   */
  async signIn(startUrl: string, userName = 'B.Simon'): Promise<{ res: Response; steps: Step[]; url: string }> {
    const steps: Step[] = [];
    const picker = await this.follow(startUrl, {}, steps);
    // Entra (and the emulator) keep their own session: a second sign-in goes straight back, no picker.
    if (!new URL(picker.url).pathname.startsWith('/emulator/interaction/')) return picker;
    const choice = await this.accountChoice(picker, userName);
    return this.follow(choice.action, { method: 'POST', body: choice.body }, steps);
  }

  /**
   * Runs the flow from `startUrl` up to the provider's redirect back to `callbackPrefix` and returns that
   * callback URL without visiting it, for tests that tamper with, replay or reroute the callback.
   */
  async untilCallback(startUrl: string, callbackPrefix: string, userName = 'B.Simon'): Promise<string> {
    let url = startUrl;
    let init: { method?: string; body?: string } = {};
    for (let i = 0; i < 20; i++) {
      const res = await this.request(url, init);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        const next = new URL(location, url).href;
        if (next.startsWith(callbackPrefix)) return next;
        [url, init] = [next, {}];
        continue;
      }
      // The account picker, or (with an emulator session already open) a page that posts itself.
      const html = await res.text();
      const choice = autoSubmitForm(html) ?? (await this.accountChoice({ res: new Response(html, { status: res.status }), url }, userName));
      [url, init] = [new URL(choice.action, url).href, { method: 'POST', body: choice.body }];
    }
    throw new Error(`the flow never reached ${callbackPrefix}; last ${url}`);
  }

  /** Reads the emulator's account picker and returns the form submission that picks `userName`. */
  private async accountChoice(picker: { res: Response; url: string }, userName: string): Promise<{ action: string; body: string }> {
    const html = await picker.res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const button = new RegExp(`name="user" value="([^"]+)">${userName.replace('.', '\\.')}<`).exec(html)?.[1];
    if (!action || !button) throw new Error(`no account picker for ${userName} at ${picker.url}: ${picker.res.status} ${html.slice(0, 300)}`);
    return { action: new URL(action, picker.url).href, body: new URLSearchParams({ user: button }).toString() };
  }

  private store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = '/';
      let expired = false;
      for (const attr of attrs) {
        const [k, v = ''] = attr.trim().split('=');
        const key = k?.toLowerCase();
        if (key === 'path') path = v;
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && new Date(v).getTime() < Date.now()) expired = true;
      }
      const cookies = this.jar.get(url.hostname) ?? new Map<string, StoredCookie>();
      if (expired) cookies.delete(name);
      else cookies.set(name, { value, path });
      this.jar.set(url.hostname, cookies);
    }
  }
}

/** The form of a page that posts itself on load (`document.forms[0].submit()`), with its hidden fields. */
function autoSubmitForm(html: string): { action: string; body: string } | undefined {
  if (!html.includes('document.forms[0].submit()')) return undefined;
  const action = /<form method="post" action="([^"]+)"/i.exec(html)?.[1];
  if (!action) return undefined;
  const fields = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g)) fields.append(m[1]!, m[2]!);
  return { action: action.replace(/&amp;/g, '&'), body: fields.toString() };
}

/** The hidden CSRF token of the first sign-out form on a page. */
export function csrfTokenFrom(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}
