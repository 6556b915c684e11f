/**
 * CPU time of a process tree from /proc, for targets that are not Node processes the bench can ask over
 * IPC (Apache httpd, nginx): the parent, every live child, and the children it has already reaped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, in clock ticks. */
  readonly ownTicks: number;
  /** cutime + cstime: CPU of children this process has waited for, in clock ticks. */
  readonly reapedTicks: number;
}

/**
 * Reads one line of /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself hold
 * spaces and parentheses, so the fields are counted from the last `)`.
 */
export function parseProcStat(line: string): ProcStat {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${line.slice(0, 80)}`);
  const pid = Number(line.slice(0, open).trim());
  // After ")": state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17); rest[0] is field 3.
  const rest = line.slice(close + 1).trim().split(/\s+/);
  const field = (n: number) => {
    const v = Number(rest[n - 3]);
    if (!Number.isFinite(v)) throw new Error(`/proc/<pid>/stat field ${n} missing: ${line.slice(0, 80)}`);
    return v;
  };
  return { pid, ppid: field(4), ownTicks: field(14) + field(15), reapedTicks: field(16) + field(17) };
}

/** CPU ticks of `root` and all its descendants among `stats`, plus what `root` and they have reaped. */
export function treeTicks(root: number, stats: readonly ProcStat[]): number {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const top = stats.find((s) => s.pid === root);
  if (!top) throw new Error(`process ${root} is gone`);
  let ticks = 0;
  const queue = [top];
  for (let s = queue.shift(); s; s = queue.shift()) {
    ticks += s.ownTicks + s.reapedTicks;
    queue.push(...(children.get(s.pid) ?? []));
  }
  return ticks;
}

function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      stats.push(parseProcStat(readFileSync(`/proc/${name}/stat`, 'utf8')));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return stats;
}

let ticksPerSecond: number | undefined;

/** CPU milliseconds the process tree rooted at `pid` has used so far. */
export function treeCpuMs(pid: number): number {
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return (treeTicks(pid, allStats()) * 1000) / ticksPerSecond;
}
