/**
 * The process entry: the only module that reads process.env, listens and handles signals.
 */
import dotenv from 'dotenv';
import { parseConfig } from './config.js';
import { ConfigError } from './errors.js';
import { createLogger } from './logger.js';
import { start } from './start.js';

dotenv.config({ quiet: true });

let config;
try {
  config = parseConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    // Plain text on stderr: this is read by an admin at a terminal or in `docker logs`.
    process.stderr.write(`iLOGON_MHA sign-in cannot start.\n${err.message}\nSee .env.example and README.md (Configuration).\n`);
    process.exit(1);
  }
  throw err;
}

const logger = createLogger(config.logLevel);
const running = await start(config, logger).catch((err: unknown) => {
  logger.fatal({ err }, 'could not start');
  process.exit(1);
});

let closing = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: draining requests');
    running.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  });
}
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
