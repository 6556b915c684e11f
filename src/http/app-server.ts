import { createServer, IncomingMessage, ServerResponse, type Server, type ServerOptions } from 'node:http';
import type { Express } from 'express';

/**
 * The HTTP server for an Express app, whose requests and responses are born with the app's own prototypes.
 *
 * Why: Express's app.handle gives every request and response its prototypes with Object.setPrototypeOf
 * (app.request, app.response). Changing a live object's prototype throws away what V8 learnt about its shape,
 * so every later property read on req and res, in Express, in Node's http code and in ours, went through
 * V8's slow generic lookup: the largest single cost of a gated request (README "Benchmark": about 340 of 590 µs of
 * CPU per /api/me). Node lets a server choose the classes it instantiates; these have Express's prototypes
 * from the start, so app.handle's Object.setPrototypeOf finds the prototype already in place and changes
 * nothing. Behaviour is Express's own: the same prototypes, methods and order.
 */
export interface AppServer {
  readonly server: Server;
  /** Serves the app: from now on requests are made with its prototypes and handed to it. Call once. */
  serve(app: Express): void;
}

// Node's IncomingMessage and ServerResponse are constructor functions (not classes): an object made by `new`
// on a function whose prototype is Express's is initialised by calling them on it. (Reflect.construct with
// another new.target also gives the right prototype, but V8 then lays every request out more slowly:
// measured, it cost more than it saved.)
type Initialiser = (this: object, ...args: unknown[]) => void;

/** Separate from serve() so a server can listen (and learn its port) before the app that needs it exists. */
export function createAppServer(options: ServerOptions = {}): AppServer {
  function AppRequest(this: IncomingMessage, ...args: unknown[]): void {
    (IncomingMessage as unknown as Initialiser).call(this, ...args);
  }
  function AppResponse(this: ServerResponse, ...args: unknown[]): void {
    (ServerResponse as unknown as Initialiser).call(this, ...args);
  }
  // Node's own prototypes until an app is served.
  AppRequest.prototype = IncomingMessage.prototype;
  AppResponse.prototype = ServerResponse.prototype;
  const server = createServer({
    ...options,
    IncomingMessage: AppRequest as unknown as typeof IncomingMessage,
    ServerResponse: AppResponse as unknown as typeof ServerResponse,
  });
  let served = false;
  return {
    server,
    serve(app) {
      if (served) throw new Error('this server already serves an app');
      served = true;
      AppRequest.prototype = app.request;
      AppResponse.prototype = app.response;
      server.on('request', app);
    },
  };
}
