/** `container …` and `image …` groups: the same commands as the top-level shortcuts, docker's way. */
import type { Command } from '../command.js';
import { commitCommand } from './commit.js';
import { cpCommand } from './container-cp.js';
import { createCommand } from './container-create.js';
import { diffCommand } from './container-diff.js';
import { execCommand } from './container-exec.js';
import { exportCommand } from './export.js';
import { containerInspectCommand } from './container-inspect.js';
import {
  killCommand,
  pauseCommand,
  renameCommand,
  restartCommand,
  rmCommand,
  startCommand,
  stopCommand,
  unpauseCommand,
  waitCommand,
} from './container-lifecycle.js';
import { logsCommand } from './container-logs.js';
import { psCommand } from './container-ls.js';
import { portCommand } from './container-port.js';
import { containerPruneCommand } from './container-prune.js';
import { runCommand } from './container-run.js';

const containerLs: Command = { ...psCommand, name: 'ls', aliases: ['ps', 'list'] };

export const containerCommand: Command = {
  name: 'container',
  usage: 'COMMAND',
  short: 'Manage containers',
  subcommands: [
    commitCommand,
    cpCommand,
    createCommand,
    diffCommand,
    execCommand,
    exportCommand,
    containerInspectCommand,
    killCommand,
    logsCommand,
    containerLs,
    pauseCommand,
    portCommand,
    containerPruneCommand,
    renameCommand,
    restartCommand,
    rmCommand,
    runCommand,
    startCommand,
    stopCommand,
    unpauseCommand,
    waitCommand,
  ],
};

/** Top-level shortcuts (docker run, docker ps, …). */
export const containerShortcuts: Command[] = [
  cpCommand,
  createCommand,
  diffCommand,
  execCommand,
  killCommand,
  logsCommand,
  pauseCommand,
  portCommand,
  psCommand,
  renameCommand,
  restartCommand,
  { ...rmCommand, aliases: [] },
  runCommand,
  startCommand,
  stopCommand,
  unpauseCommand,
  waitCommand,
];
