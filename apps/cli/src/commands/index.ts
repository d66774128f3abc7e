// Every command of `dsp`, in help order. To add one, write commands/<name>.ts exporting a
// Command (one word, like `sync`) or a CommandGroup (`user create`, `user list`, …) and list it here.
import type { Command, CommandGroup } from '../command.js';
import { accountCommands } from './account.js';
import { adminCommands } from './admin.js';
import { doctorCommand } from './doctor.js';
import { migrateCommand, syncCommand } from './ops.js';
import { quotaCommands } from './quota.js';
import { reconcileCommand } from './reconcile.js';
import { tokenCommands } from './token.js';
import { usageCommand } from './usage.js';
import { userCommands } from './user.js';

export const COMMANDS: readonly (Command | CommandGroup)[] = [
  userCommands,
  tokenCommands,
  quotaCommands,
  accountCommands,
  usageCommand,
  reconcileCommand,
  syncCommand,
  migrateCommand,
  adminCommands,
  doctorCommand,
];
