// @dsp/cli: `dsp` (bin: dist/main.js). Exported for tests and for embedding.
export { run, type RunOptions } from './main.js';
export { COMMANDS } from './commands/index.js';
export type { Command, CommandGroup } from './command.js';
