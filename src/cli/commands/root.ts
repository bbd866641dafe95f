/** The top of the command tree. */
import type { Command } from '../command.js';
import { infoCommand, systemCommand, versionCommand } from './system.js';
import { volumeCommand } from './volume.js';
import { eventsCommand } from './events.js';
import { containerCommand, containerShortcuts } from './container.js';
import { inspectCommand } from './container-inspect.js';
import { imageCommand, imageShortcuts } from './image.js';
import { networkCommand } from './network.js';
import { commitCommand } from './commit.js';
import { exportCommand } from './export.js';

export const rootCommand: Command = {
  name: '',
  usage: '[OPTIONS] COMMAND',
  short: 'A Docker-compatible container engine whose storage layer is the best there is',
  subcommands: [
    ...containerShortcuts,
    commitCommand,
    exportCommand,
    ...imageShortcuts,
    inspectCommand,
    containerCommand,
    imageCommand,
    volumeCommand,
    networkCommand,
    systemCommand,
    versionCommand,
    eventsCommand,
    infoCommand,
  ],
};
