/**
 * The backend behind every gateway-style target (the product's gateway mode, mod_auth_openidc, nginx
 * auth_request): a plain node:http server answering any GET with a small page, so what is measured is the
 * gate and the proxy hop in front of it, not the backend. It runs on the load side's cores, like the emulator.
 *
 * argv: <port>
 */
import { createServer } from 'node:http';
import { emit, portArg } from './ipc.js';

const body = Buffer.from('<!doctype html><title>iLOGON_MHA</title><p>backend page</p>\n');
const server = createServer((req, res) => {
  // Drain any request body, then answer the same small page to every path.
  req.resume();
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(portArg(), '127.0.0.1', () => emit('ready'));
