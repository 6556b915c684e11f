import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';

/**
 * Fingerprinted static files: pages link `/assets/styles.<hash>.css`, whose content can never change, so
 * browsers and proxies keep it for a year without asking again (`immutable`); a new release has new names.
 * The plain names (`/assets/styles.css`) still answer, with a short cache, for anything that links them by hand.
 * The fingerprints are computed once at start-up from the files served.
 */
export interface Assets {
  /** The fingerprinted URL of a file in public/ (the plain URL for a file it does not know). */
  url(name: string): string;
  /** Serves /assets/*: fingerprinted names immutably, plain names for an hour. */
  router(): Router;
}

const FINGERPRINTED = /^\/([\w-]+)\.([0-9a-f]{12})(\.[a-z0-9]+)$/;

export function createAssets(publicDir: string): Assets {
  const byName = new Map<string, string>();
  for (const name of readdirSync(publicDir)) {
    if (!/^[\w-]+\.[a-z0-9]+$/.test(name)) continue;
    const hash = createHash('sha256').update(readFileSync(join(publicDir, name))).digest('hex').slice(0, 12);
    byName.set(name, hash);
  }
  const url = (name: string): string => {
    const hash = byName.get(name);
    if (!hash) return `/assets/${name}`;
    const dot = name.lastIndexOf('.');
    return `/assets/${name.slice(0, dot)}.${hash}${name.slice(dot)}`;
  };
  return {
    url,
    router() {
      const router = Router();
      const plain = express.static(publicDir, { index: false, maxAge: '1h', fallthrough: true });
      const immutable = express.static(publicDir, { index: false, fallthrough: true, maxAge: '365d', immutable: true });
      router.use((req, res, next) => {
        const m = FINGERPRINTED.exec(req.path);
        // Only the current fingerprint: an old one would otherwise be cached for a year with new content.
        if (m && byName.get(`${m[1]}${m[3]}`) === m[2]) {
          req.url = `/${m[1]}${m[3]}`;
          immutable(req, res, next);
          return;
        }
        plain(req, res, next);
      });
      return router;
    },
  };
}
