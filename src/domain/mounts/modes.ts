/**
 * The `-v` / `--volumes-from` mode string (moby volume/mounts/linux_parser.go):
 * comma-separated words, case-sensitive, at most one per group.
 */
import { isPropagation, type Propagation } from './spec.js';

type Group = 'access' | 'label' | 'propagation' | 'copy' | 'consistency';

function groupOf(word: string): Group | undefined {
  if (word === 'rw' || word === 'ro') return 'access';
  if (word === 'z' || word === 'Z') return 'label';
  if (isPropagation(word)) return 'propagation';
  if (word === 'nocopy') return 'copy';
  if (word === 'consistent' || word === 'cached' || word === 'delegated') return 'consistency';
  return undefined;
}

/** `linuxValidMountMode`: "" is valid; unknown or empty words, or two words of one group, are not. */
export function isValidMountMode(mode: string): boolean {
  if (mode === '') return true;
  const seen = new Set<Group>();
  for (const word of mode.split(',')) {
    const g = groupOf(word);
    if (g === undefined || seen.has(g)) return false;
    seen.add(g);
  }
  return true;
}

/** `ReadWrite`: false for an invalid mode or one containing `ro`. */
export function modeIsReadWrite(mode: string): boolean {
  if (!isValidMountMode(mode)) return false;
  return !mode.split(',').includes('ro');
}

/** The propagation word in the mode, if any. */
export function modePropagation(mode: string): Propagation | undefined {
  return mode.split(',').find(isPropagation);
}

/** The mode contains `nocopy`. */
export function modeHasNoCopy(mode: string): boolean {
  return mode.split(',').includes('nocopy');
}
