/**
 * The configuration lives in src/config/ (README.md there: its sections, and how to add a variable). This
 * file keeps `import ... from './config.js'` working for every caller and test.
 */
export * from './config/index.js';
