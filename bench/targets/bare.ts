/** Target (a): the ceiling. A bare Express 5 app, one route, no middleware at all. */
import express from 'express';
import { emit, portArg } from './ipc.js';

const app = express();
app.get('/api/me', (_req, res) => {
  res.json({ oid: '6f1d0e6a-3b1f-4a52-9d7e-0c2a9b8e4d11', name: 'B.Simon' });
});
app.listen(portArg(), '127.0.0.1', () => emit('ready'));
