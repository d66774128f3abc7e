// Help texts: `dsp --help`, `dsp <group> --help`, `dsp <command> --help`.
import type { Command, CommandGroup } from './command.js';
import { COMMANDS } from './commands/index.js';

const GLOBAL_HELP = [
  '--config FILE   config file (default: $DSP_CONFIG, else ./deepseek-proxy.toml)',
  '--json          machine-readable JSON on stdout',
  '-h, --help      this help',
];

const isGroup = (c: Command | CommandGroup): c is CommandGroup => 'commands' in c;

function allCommands(): Command[] {
  return COMMANDS.flatMap((c) => (isGroup(c) ? [...c.commands] : [c]));
}

function commandLines(cmds: readonly Command[]): string[] {
  const width = Math.max(...cmds.map((c) => c.path.join(' ').length));
  return cmds.map((c) => `  ${c.path.join(' ').padEnd(width)}   ${c.summary}`);
}

export function topHelp(): string {
  return [
    'usage: dsp [--config FILE] [--json] <command> [arguments] [options]',
    '',
    'The operator CLI of deepseek-proxy: users, tokens, quotas, usage, Redis sync, migrations.',
    '',
    'commands:',
    ...commandLines(allCommands()),
    '',
    'global options:',
    ...GLOBAL_HELP.map((l) => '  ' + l),
    '',
    'Run `dsp <command> --help` for its arguments and options.',
    '',
  ].join('\n');
}

export function groupHelp(g: CommandGroup): string {
  return [
    `usage: dsp ${g.name} <${[...new Set(g.commands.map((c) => c.path[1]))].join('|')}> [arguments] [options]`,
    '',
    `${g.summary}:`,
    ...commandLines(g.commands),
    '',
    `Run \`dsp ${g.name} <command> --help\` for details.`,
    '',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  const lines = [`usage: dsp ${c.path.join(' ')}${c.usage ? ' ' + c.usage : ''}`, '', c.summary, ''];
  if (c.help?.length) lines.push('options:', ...c.help.map((l) => '  ' + l), '');
  lines.push('global options:', ...GLOBAL_HELP.map((l) => '  ' + l), '');
  return lines.join('\n');
}

export function helpFor(c: Command | CommandGroup | undefined): string {
  if (!c) return topHelp();
  return isGroup(c) ? groupHelp(c) : commandHelp(c);
}

export { isGroup };
