/**
 * Target (a): the ceiling. A bare Express 5 app, one route, no middleware at all.
 *
 * With `--app-server` (target a'), the same app on the product's HTTP server (src/perf/app-server.ts), whose
 * requests are born with Express's prototypes: what Express itself costs once it no longer changes the
 * prototype of every request and response. It shows how much of the product's figure is that server.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { emit, portArg } from './ipc.js';

const app = express();
app.get('/api/me', (_req, res) => {
  res.json({ oid: '6f1d0e6a-3b1f-4a52-9d7e-0c2a9b8e4d11', name: 'B.Simon' });
});
const ready = () => emit('ready');
if (process.argv.includes('--app-server')) {
  const file = new URL('../../dist/perf/app-server.js', import.meta.url);
  if (!existsSync(fileURLToPath(file))) throw new Error('no dist/: run `npm run build` first (npm run bench does)');
  const { createAppServer } = (await import(file.href)) as typeof import('../../src/perf/app-server.js');
  const { server, serve } = createAppServer();
  serve(app);
  server.listen(portArg(), '127.0.0.1', ready);
} else {
  app.listen(portArg(), '127.0.0.1', ready);
}
