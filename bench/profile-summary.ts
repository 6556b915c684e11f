/**
 * Where a .cpuprofile spends its time, by package or by function (self time).
 *   npx tsx bench/profile-summary.ts bench/profiles/memory-api-round1.cpuprofile [package|function] [top]
 * Open the file itself in Chrome DevTools (Performance) for the call tree.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summarizeProfile(file: string, by: 'package' | 'function' = 'package', top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const frame = nodes.get(id)?.callFrame;
    if (!frame) return;
    const key = by === 'package' ? packageOf(frame.url, frame.functionName) : `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, t]) => `${((100 * t) / total).toFixed(1).padStart(6)}%  ${key}`)
    .join('\n');
}

function packageOf(url: string, functionName: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (/\/src\//.test(url)) return `src/${url.replace(/^.*\/src\//, '')}`;
  if (url.startsWith('node:')) return url;
  return url ? url.replace(/^.*\//, '') : functionName || '(native)';
}

function shortUrl(url: string): string {
  return url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, by, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [package|function] [top]');
  process.stdout.write(`${summarizeProfile(file, by === 'function' ? 'function' : 'package', Number(top ?? 25))}\n`);
}
