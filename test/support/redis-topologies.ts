/**
 * Real Redis topologies on loopback for the scale-out tests: a Sentinel group (a master, a replica, three
 * sentinels) and a Cluster (three masters, each with a replica). Every server runs in a temporary directory
 * of its own on a spare port and is killed and removed by close(). Failover timings are short (a node is
 * down after 1 s) so the tests are quick; every wait is on a state Redis reports, with generous limits.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { freePort, requireBinary, waitFor } from './ops.js';

const run = promisify(execFile);

export interface RedisProcess {
  readonly port: number;
  /** SIGKILL: the server dies as a crashed host would, with no chance to hand over. */
  kill(): Promise<void>;
  readonly alive: boolean;
}

const adminClient = (port: number, password?: string) =>
  createClient({ ...(password ? { password } : {}), socket: { host: '127.0.0.1', port, reconnectStrategy: false, connectTimeout: 2_000 } });
type Admin = ReturnType<typeof adminClient>;

/** A short-lived direct connection to one server (no reconnects). */
export async function withServer<T>(port: number, fn: (c: Admin) => Promise<T>, password?: string): Promise<T> {
  const c = adminClient(port, password);
  c.on('error', () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    c.destroy();
  }
}

function startServer(binary: string, dir: string, port: number, args: readonly string[]): RedisProcess {
  const child: ChildProcess = spawn(binary, args, { cwd: dir, stdio: 'ignore' });
  let exited = child.exitCode !== null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return {
    port,
    get alive() {
      return !exited;
    },
    async kill() {
      if (exited) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}

const ping = (port: number) => async () => (await withServer(port, (c) => c.ping())) === 'PONG';

export interface SentinelGroup {
  readonly masterName: string;
  readonly master: RedisProcess;
  readonly replica: RedisProcess;
  readonly sentinels: readonly RedisProcess[];
  /** For REDIS_SENTINELS. */
  readonly sentinelList: string;
  /** The port the sentinels currently name as master. */
  currentMasterPort(): Promise<number>;
  /** Subscribes to a sentinel's +switch-master; `switched` resolves with the new master's port. */
  watchSwitch(timeoutMs?: number): Promise<{ readonly switched: Promise<number> }>;
  close(): Promise<void>;
}

export async function startSentinelGroup(options: { password?: string } = {}): Promise<SentinelGroup> {
  const binary = requireBinary('redis-server', 'install it (apt-get install -y redis-server); .ci/run does');
  const root = mkdtempSync(join(tmpdir(), 'mha-sentinel-'));
  const masterName = 'mymaster';
  const auth = options.password ? ['--requirepass', options.password, '--masterauth', options.password] : [];
  const processes: RedisProcess[] = [];
  const close = async () => {
    await Promise.all(processes.map((p) => p.kill()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const node = async (name: string, extra: readonly string[]) => {
      const port = await freePort();
      const dir = join(root, name);
      mkdirSync(dir);
      // appendfsync always: what the master acknowledged is on its disk too (it is killed, not restarted, here).
      const p = startServer(binary, dir, port, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', ...auth, ...extra]);
      processes.push(p);
      await waitFor(`redis-server on ${port}`, async () => (await withServer(port, (c) => c.ping(), options.password)) === 'PONG', 20_000);
      return p;
    };
    const master = await node('master', []);
    const replica = await node('replica', ['--replicaof', '127.0.0.1', String(master.port)]);
    const authed = <T>(port: number, fn: (c: Admin) => Promise<T>) => withServer(port, fn, options.password);
    await waitFor('the replica in sync', async () => /master_link_status:up/.test(await authed(replica.port, (c) => c.info('replication'))), 30_000);

    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const dir = join(root, `sentinel-${i}`);
      mkdirSync(dir);
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 3000`,
          `sentinel parallel-syncs ${masterName} 1`,
          ...(options.password ? [`sentinel auth-pass ${masterName} ${options.password}`] : []),
          '',
        ].join('\n'),
      );
      const p = startServer(binary, dir, port, [conf, '--sentinel']);
      processes.push(p);
      sentinels.push(p);
    }
    // Ready when every sentinel sees the replica and the two other sentinels (a quorum can then elect).
    for (const s of sentinels) {
      await waitFor(
        `sentinel on ${s.port} to know the replica and its peers`,
        async () =>
          withServer(s.port, async (c) => {
            const replicas = (await c.sendCommand(['SENTINEL', 'REPLICAS', masterName])) as unknown[];
            const peers = (await c.sendCommand(['SENTINEL', 'SENTINELS', masterName])) as unknown[];
            return replicas.length === 1 && peers.length === 2;
          }),
        60_000,
      );
    }

    return {
      masterName,
      master,
      replica,
      sentinels,
      sentinelList: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      async currentMasterPort() {
        const alive = sentinels.find((s) => s.alive)!;
        const reply = (await withServer(alive.port, (c) => c.sendCommand(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName]))) as string[];
        return Number(reply[1]);
      },
      async watchSwitch(timeoutMs = 60_000) {
        const sub = createClient({ socket: { host: '127.0.0.1', port: sentinels[0]!.port, reconnectStrategy: false } });
        sub.on('error', () => {});
        await sub.connect();
        let timer: NodeJS.Timeout | undefined;
        const switched = new Promise<number>((resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`no +switch-master within ${timeoutMs} ms`)), timeoutMs);
          // "<name> <old ip> <old port> <new ip> <new port>"
          void sub.subscribe('+switch-master', (message) => resolve(Number(message.split(' ')[4])));
        });
        // Wrapped: an async function returning a bare promise would wait for the switch itself.
        return {
          switched: switched.finally(() => {
            clearTimeout(timer);
            sub.destroy();
          }),
        };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export interface ClusterNode extends RedisProcess {
  /** The node's id in the cluster. */
  readonly id: () => Promise<string>;
}

export interface RedisCluster {
  readonly nodes: readonly ClusterNode[];
  /** For REDIS_URL: every node as a seed. */
  readonly seeds: string;
  /** Master port -> slot ranges, from a live node's CLUSTER SLOTS. */
  slotOwners(): Promise<Array<{ port: number; ranges: Array<[number, number]>; replicas: number[] }>>;
  /** Resolves once every live node reports cluster_state:ok and the same masters. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Three masters, each with one replica; cluster-node-timeout 1 s. With `beforeCreate`, the six nodes are
 * started (each answering, none yet part of a cluster) and the hook runs before `redis-cli --cluster create`.
 */
export async function startRedisCluster(options: { beforeCreate?: (seeds: string) => Promise<void> } = {}): Promise<RedisCluster> {
  const binary = requireBinary('redis-server', 'install it (apt-get install -y redis-server); .ci/run does');
  const cli = requireBinary('redis-cli', 'install it (apt-get install -y redis-tools); .ci/run does');
  const root = mkdtempSync(join(tmpdir(), 'mha-cluster-'));
  const nodes: ClusterNode[] = [];
  const close = async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 6; i++) {
      const port = await freePort();
      const dir = join(root, String(port));
      mkdirSync(dir);
      const p = startServer(binary, dir, port, [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes',
        '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '1000',
        // A replica of a dead master may be promoted however long it lost touch (tests kill masters outright).
        '--cluster-replica-validity-factor', '0',
      ]);
      nodes.push({ ...p, kill: p.kill, get alive() { return p.alive; }, id: () => withServer(port, (c) => c.sendCommand(['CLUSTER', 'MYID']) as Promise<string>) });
      await waitFor(`cluster node on ${port}`, ping(port), 20_000);
    }
    await options.beforeCreate?.(nodes.map((n) => `redis://127.0.0.1:${n.port}`).join(','));
    await run(cli, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
    const cluster: RedisCluster = {
      nodes,
      seeds: nodes.map((n) => `redis://127.0.0.1:${n.port}`).join(','),
      async slotOwners() {
        const alive = nodes.find((n) => n.alive)!;
        const slots = (await withServer(alive.port, (c) => c.sendCommand(['CLUSTER', 'SLOTS']))) as Array<[number, number, [string, number], ...Array<[string, number]>]>;
        const owners = new Map<number, { port: number; ranges: Array<[number, number]>; replicas: number[] }>();
        for (const [from, to, master, ...replicas] of slots) {
          const port = Number(master[1]);
          const entry = owners.get(port) ?? { port, ranges: [], replicas: replicas.map((r) => Number(r[1])) };
          entry.ranges.push([Number(from), Number(to)]);
          owners.set(port, entry);
        }
        return [...owners.values()];
      },
      async waitHealthy(timeoutMs = 60_000) {
        await waitFor(
          'every live cluster node to report cluster_state:ok with three masters covering all slots',
          async () => {
            for (const n of nodes.filter((x) => x.alive)) {
              const info = await withServer(n.port, (c) => c.sendCommand(['CLUSTER', 'INFO']) as Promise<string>);
              if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
            }
            const owners = await cluster.slotOwners();
            return owners.length === 3 && owners.every((o) => nodes.find((n) => n.port === o.port)?.alive);
          },
          timeoutMs,
        );
      },
      close,
    };
    await cluster.waitHealthy();
    // Every replica attached and in sync before a test kills its master.
    await waitFor(
      'every master to have its replica in sync',
      async () => {
        const owners = await cluster.slotOwners();
        for (const o of owners) {
          if (o.replicas.length !== 1) return false;
          if (!/master_link_status:up/.test(await withServer(o.replicas[0]!, (c) => c.info('replication')))) return false;
        }
        return true;
      },
      60_000,
    );
    return cluster;
  } catch (err) {
    await close();
    throw err;
  }
}

/** CRC16 (XMODEM) of a key's hash tag or whole name, mod 16384: the slot Redis Cluster puts it in. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(key)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
