/**
 * Issue 14 item 9: what the front-channel sid index costs as one account signs in again and again from one
 * Entra session (one `sid`). Real sign-ins through the app and the emulator (memory store); each sign-in's
 * callback is timed, and so is the index write inside it. Prints the first and the last 100 of them.
 *
 *   npx tsx bench/sid-index.ts [sign-ins=5000] [keep-session-cookie=yes|no]
 *
 * With `no` the browser drops the app's session cookie after each sign-in (a script, or a browser that
 * refuses the cookie), so every sign-in leaves a live session behind: the index's bound, not its removal at
 * regenerate, is what keeps it small. A measurement, not a test: the figures depend on the machine's load.
 */
import { performance } from 'node:perf_hooks';
import { Browser } from '../test/support/browser.js';
import { startHarness } from '../test/support/harness.js';

const total = Number(process.argv[2] ?? 5000);
const keepSessionCookie = (process.argv[3] ?? 'yes') !== 'no';
// No rate limit (one client signing in thousands of times) and few log lines (the harness keeps them all).
const h = await startHarness({ env: { RATE_LIMIT_AUTH_MAX: '0', LOG_LEVEL: 'warn' } });
const index = h.backend.sidIndex;
const addTimes: number[] = [];
const originalAdd = index.add.bind(index);
index.add = async (...args: Parameters<typeof index.add>) => {
  const t0 = performance.now();
  const result = await originalAdd(...args);
  addTimes.push(performance.now() - t0);
  return result;
};

const browser = new Browser();
const host = new URL(h.baseUrl).hostname;
const callbackTimes: number[] = [];
for (let i = 0; i < total; i++) {
  const callback = await browser.untilCallback(`${h.baseUrl}/auth/login?returnTo=/mha/`, `${h.baseUrl}/auth/callback`);
  const t0 = performance.now();
  const res = await browser.request(callback);
  await res.arrayBuffer();
  callbackTimes.push(performance.now() - t0);
  if (res.status !== 302) throw new Error(`sign-in ${i + 1} answered ${res.status}`);
  if (!keepSessionCookie) browser.jar.get(host)?.delete('mha.sid');
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// The first 100 include the warm-up (JIT, first connections): sign-ins 101-200 are shown too.
const row = (name: string, xs: number[]) => {
  const block = (label: string, b: number[]) => `${label}: mean ${mean(b).toFixed(3)} ms, median ${median(b).toFixed(3)} ms`;
  const [first, warm, last] = [xs.slice(0, 100), xs.slice(100, 200), xs.slice(-100)];
  return `${name.padEnd(18)} ${block('first 100', first)} | ${block('101-200', warm)} | ${block('last 100', last)} | last/first (median) ${(median(last) / median(first)).toFixed(2)}x`;
};
console.log(`${total} sign-ins by one account from one Entra session, memory store, session cookie ${keepSessionCookie ? 'kept' : 'dropped after each'}`);
console.log(row('sidIndex.add', addTimes));
console.log(row('callback (whole)', callbackTimes));
console.log(`live sessions in the store: ${(h.backend.store as unknown as { size: number }).size}; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await h.close();
