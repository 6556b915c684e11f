import { readFileSync } from 'node:fs';

/** The package version, read once: its own module so the doctor CLI need not load the server to print it. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
