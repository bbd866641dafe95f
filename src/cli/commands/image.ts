/** `image …` group and the top-level image shortcuts (images, rmi, tag, history, import, load, save). */
import type { Command } from '../command.js';
import { historyCommand } from './image-history.js';
import { importCommand } from './image-import.js';
import { imageInspectCommand } from './image-inspect.js';
import { loadCommand } from './image-load.js';
import { imageLsCommand, imagesCommand } from './image-ls.js';
import { imagePruneCommand } from './image-prune.js';
import { imageRmCommand, rmiCommand } from './image-rm.js';
import { saveCommand } from './image-save.js';
import { tagCommand } from './image-tag.js';

export const imageCommand: Command = {
  name: 'image',
  usage: 'COMMAND',
  short: 'Manage images',
  subcommands: [
    historyCommand,
    importCommand,
    imageInspectCommand,
    loadCommand,
    imageLsCommand,
    imagePruneCommand,
    imageRmCommand,
    saveCommand,
    tagCommand,
  ],
};

export const imageShortcuts: Command[] = [historyCommand, imagesCommand, importCommand, loadCommand, rmiCommand, saveCommand, tagCommand];
