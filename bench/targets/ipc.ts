/**
 * The bench's side channel into a target process (Node IPC, never HTTP): the orchestrator asks for CPU
 * time, heap after a forced GC, or target-specific figures without adding a single route or hook to the
 * app being measured. Bench-only; never imported by src/.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

export type Handler = (args: Record<string, unknown>) => unknown;

interface Request {
  readonly id: number;
  readonly cmd: string;
  readonly args?: Record<string, unknown>;
}

const handlers = new Map<string, Handler>([
  ['cpu', () => process.cpuUsage()],
  ['memory', () => collect()],
]);

/** heapUsed and external (Buffers and other memory V8 is told about outside its heap) after full GCs. */
function collect(): { heapUsed: number; external: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the target with --expose-gc');
  // Twice: the first pass can leave weakly held garbage for the next.
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return { heapUsed, external };
}

// CPU profiling of the measured window only (start-up and module loading would drown the request path).
const inspector = new Session();
handlers.set('profileStart', async () => {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
  await inspector.post('Profiler.start');
});
handlers.set('profileStop', async (args) => {
  const { profile } = await inspector.post('Profiler.stop');
  inspector.disconnect();
  writeFileSync(String(args['file']), JSON.stringify(profile));
  return args['file'];
});

export function handle(cmd: string, handler: Handler): void {
  handlers.set(cmd, handler);
}

export function emit(event: string, data: Record<string, unknown> = {}): void {
  process.send?.({ event, ...data });
}

/** The port the orchestrator reserved for this target (argv[2]). */
export function portArg(): number {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port <= 0) throw new Error('usage: <target> <port> [...]');
  return port;
}

/** Waits for one unsolicited message `{ event }` from the orchestrator. */
export function waitFor<T extends Record<string, unknown>>(event: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (msg: unknown) => {
      if (msg && typeof msg === 'object' && (msg as { event?: unknown }).event === event) {
        process.off('message', listener);
        resolve(msg as T);
      }
    };
    process.on('message', listener);
  });
}

if (!process.send) throw new Error('bench targets are started by bench/run.ts (they need its IPC channel)');
process.on('message', (msg: unknown) => {
  const req = msg as Partial<Request>;
  if (typeof req.id !== 'number' || typeof req.cmd !== 'string') return;
  const handler = handlers.get(req.cmd);
  Promise.resolve()
    .then(() => {
      if (!handler) throw new Error(`unknown command ${req.cmd}`);
      return handler(req.args ?? {});
    })
    .then(
      (value) => process.send?.({ id: req.id, ok: true, value }),
      (err: unknown) => process.send?.({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
});
// A clean exit on SIGTERM, so `--cpu-prof` gets to write its profile.
process.on('SIGTERM', () => process.exit(0));
// The orchestrator going away (Ctrl-C, crash) takes its targets with it.
process.on('disconnect', () => process.exit(0));
