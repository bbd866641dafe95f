/**
 * What backup needs from containers, as a small port: who uses a volume,
 * freeze/thaw (pause/unpause), stop/start, and exec for hooks. The container
 * service implements it; until it is wired (attachContainerControl), the
 * fallback below knows only which containers reference a volume and refuses
 * anything that would need them to be touched.
 */
import { failedPrecondition } from '../../domain/errors.js';

export interface ContainerUse {
  readonly id: string;
  readonly name: string;
  readonly running: boolean;
  readonly paused: boolean;
}

export interface ExecResult {
  readonly exitCode: number;
  /** stdout and stderr, interleaved, capped. */
  readonly output: string;
}

export interface ContainerControl {
  /** Containers that have the volume mounted (any state). */
  usersOf(volume: string): Promise<ContainerUse[]>;
  /** Resolves a name or (short) id; throws notFound like `docker exec`. */
  resolve(idOrName: string): Promise<ContainerUse>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  /** Docker's stop (SIGTERM, then SIGKILL after timeoutSeconds). */
  stop(id: string, timeoutSeconds?: number): Promise<void>;
  start(id: string): Promise<void>;
  exec(id: string, cmd: readonly string[]): Promise<ExecResult>;
}

/**
 * Used while no container service is attached: references come from the
 * volume's recorded users and are treated as possibly running (so restores
 * refuse them, and quiescing says what is missing).
 */
export function referencesOnlyControl(usersOf: (volume: string) => string[]): ContainerControl {
  const unavailable = (what: string): never => {
    throw failedPrecondition(`cannot ${what}: container control is not available in this daemon`);
  };
  return {
    async usersOf(volume) {
      return usersOf(volume).map((id) => ({ id, name: id.slice(0, 12), running: true, paused: false }));
    },
    async resolve(idOrName) {
      return unavailable(`find container ${idOrName}`);
    },
    async pause(id) {
      unavailable(`pause ${id}`);
    },
    async unpause(id) {
      unavailable(`unpause ${id}`);
    },
    async stop(id) {
      unavailable(`stop ${id}`);
    },
    async start(id) {
      unavailable(`start ${id}`);
    },
    async exec(id) {
      return unavailable(`exec in ${id}`);
    },
  };
}
