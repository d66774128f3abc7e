#!/usr/bin/env node
// dsp — the operator CLI. This file only dispatches: find the command, parse its options, run it,
// and turn the outcome into an exit code (0 ok, 1 handled error, 2 usage error).
import { parseArgs } from 'node:util';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError, type Command, type CommandGroup } from './command.js';
import { COMMANDS } from './commands/index.js';
import { createContext, type Context } from './context.js';
import { describeError } from './errors.js';
import { helpFor, isGroup } from './help.js';
import { processIo, type Io } from './output.js';

const GLOBAL_OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface Resolved {
  target: Command | CommandGroup | undefined;
  rest: string[];
  helpWord: boolean;
}

/** Pick the command words (the first one to three non-option arguments) out of argv. */
function resolve(argv: readonly string[]): Resolved {
  const words: number[] = [];
  for (let i = 0; i < argv.length && words.length < 3; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--config') i++;
    else if (!a.startsWith('-')) words.push(i);
  }
  let w = words.map((i) => argv[i]!);
  let used = 0;
  const helpWord = w[0] === 'help';
  if (helpWord) {
    used = 1;
    w = w.slice(1);
  }
  const top = COMMANDS.find((c) => (isGroup(c) ? c.name : c.path[0]) === w[0]);
  let target: Command | CommandGroup | undefined = top;
  if (top) used++;
  if (top && isGroup(top) && w[1] !== undefined) {
    // a subcommand is two words (`user create`) or three (`admin key create`)
    const sub = top.commands.find((c) => c.path[1] === w[1] && (c.path.length === 2 || c.path[2] === w[2]));
    if (sub) {
      target = sub;
      used += sub.path.length - 1;
    }
  }
  if (w[0] !== undefined && !top) throw new UsageError(`unknown command "${w[0]}"`);
  if (target && isGroup(target) && w[1] !== undefined && !helpWord) throw new UsageError(`unknown command "${target.name} ${w[1]}"`, target);
  const drop = new Set(words.slice(0, used));
  return { target, rest: argv.filter((_, i) => !drop.has(i)), helpWord };
}

export interface RunOptions {
  io?: Io;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdin?: NodeJS.ReadStream;
}

/** Run one command line; resolves to the exit code. */
export async function run(argv: readonly string[], o: RunOptions = {}): Promise<number> {
  const io = o.io ?? processIo;
  const env = o.env ?? process.env;
  let ctx: Context | undefined;
  let target: Command | CommandGroup | undefined;
  try {
    const r = resolve(argv);
    target = r.target;
    const options = { ...GLOBAL_OPTIONS, ...(target && !isGroup(target) ? target.options : {}) };
    let parsed;
    try {
      parsed = parseArgs({ args: r.rest, options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), target);
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    if (values.help || r.helpWord) {
      io.stdout(helpFor(target));
      return 0;
    }
    if (!target) throw new UsageError('no command given');
    if (isGroup(target)) throw new UsageError(`"${target.name}" needs a subcommand`, target);
    const cmd = target;
    const args = cmd.args ?? { min: 0, max: 0 };
    if (parsed.positionals.length < args.min) throw new UsageError(`missing argument: dsp ${cmd.path.join(' ')} ${cmd.usage}`, cmd);
    if (parsed.positionals.length > args.max) throw new UsageError(`unexpected argument "${parsed.positionals[args.max]}"`, cmd);
    ctx = createContext({
      io,
      env,
      cwd: o.cwd ?? process.cwd(),
      stdin: o.stdin ?? process.stdin,
      global: { ...(typeof values.config === 'string' ? { configFile: values.config } : {}), json: values.json === true },
    });
    await cmd.run(ctx, { values, positionals: parsed.positionals });
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n\n${helpFor(e.command ?? target)}`);
      return 2;
    }
    let dbUrl: string | undefined;
    try {
      dbUrl = ctx?.config().database.url;
    } catch {
      /* the config itself failed */
    }
    const msg = describeError(e, dbUrl);
    if (msg !== null) {
      io.stderr(`error: ${msg}\n`);
    } else {
      io.stderr(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      if (env.DSP_DEBUG && e instanceof Error && e.stack) io.stderr(e.stack + '\n');
    }
    return 1;
  } finally {
    await ctx?.close();
  }
}

function isEntry(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  // `dsp usage | head`: the reader has gone, so there is nobody left to tell; stop quietly
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  process.exitCode = await run(process.argv.slice(2));
}
