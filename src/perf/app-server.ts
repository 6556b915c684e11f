import { createServer, IncomingMessage, ServerResponse, type Server, type ServerOptions } from 'node:http';
import type { Express } from 'express';
import { keepRoutable } from '../http/request-target.js';

/**
 * The HTTP server for an Express app, whose requests and responses are born with the app's own prototypes.
 *
 * Why: Express's app.handle gives every request and response its prototypes with Object.setPrototypeOf
 * (app.request, app.response). Changing a live object's prototype throws away what V8 learnt about its shape,
 * so every later property read on req and res, in Express, in Node's http code and in ours, went through
 * V8's slow generic lookup: the largest single cost of a gated request (docs/performance.md "Benchmark": about 340 of 590 µs of
 * CPU per /api/me). Node lets a server choose the classes it instantiates; these have Express's prototypes
 * from the start, so app.handle's Object.setPrototypeOf finds the prototype already in place and changes
 * nothing. Behaviour is Express's own: the same prototypes, methods and order.
 */
export interface AppServer {
  readonly server: Server;
  /** Serves the app: from now on requests are made with its prototypes and handed to it. Call once. */
  serve(app: Express): void;
}

/**
 * A constructor initialised by `Base` whose instances get the constructor's own `prototype`, which the caller
 * sets. Node's IncomingMessage and ServerResponse are constructor functions (Node 20 and 22), so `Base` is
 * called on the object `new` made; should a later Node make them classes, Reflect.construct (with this
 * constructor as new.target) does the same job. The class form is only the fallback: V8 lays out objects made
 * that way more slowly (measured: it cost more than the prototype change saved).
 */
export function initialisedBy<T extends object>(Base: new (...args: never[]) => T): { new (...args: unknown[]): T; prototype: object } {
  const isClass = /^class\b/.test(Function.prototype.toString.call(Base));
  const initialise = Base as unknown as (this: object, ...args: unknown[]) => void;
  function Made(this: T, ...args: unknown[]): T | void {
    if (isClass) return Reflect.construct(Base, args, Made) as T;
    initialise.call(this, ...args);
  }
  return Made as unknown as { new (...args: unknown[]): T; prototype: object };
}

/** Separate from serve() so a server can listen (and learn its port) before the app that needs it exists. */
export function createAppServer(options: ServerOptions = {}): AppServer {
  const AppRequest = initialisedBy(IncomingMessage);
  const AppResponse = initialisedBy(ServerResponse);
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
      server.on('request', function routable(req: IncomingMessage, res: ServerResponse) {
        keepRoutable(req);
        app(req, res);
      });
    },
  };
}
