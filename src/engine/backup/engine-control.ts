/**
 * ContainerControl over the engine's container and exec services: what
 * quiescing, hooks and restores need, nothing more.
 */
import type { ContainerRecord } from '../../state/container-repository.js';
import type { ContainerService } from '../containers/container-service.js';
import type { ExecService } from '../containers/exec-service.js';
import type { VolumeService } from '../volumes/volume-service.js';
import type { ContainerControl, ContainerUse } from './container-control.js';

const OUTPUT_CAP = 64 * 1024;

function use(c: ContainerRecord): ContainerUse {
  return { id: c.id, name: c.name.replace(/^\//, ''), running: c.state.Running, paused: c.state.Paused };
}

export function engineContainerControl(deps: {
  readonly volumes: VolumeService;
  readonly containers: ContainerService;
  readonly execs: ExecService;
}): ContainerControl {
  const { volumes, containers, execs } = deps;
  return {
    async usersOf(volume) {
      const out: ContainerUse[] = [];
      for (const id of volumes.usersOf(volume)) {
        const c = containers.find(id);
        if (c) out.push(use(c));
      }
      return out;
    },
    async resolve(ref) {
      return use(containers.get(ref));
    },
    pause: (id) => containers.pause(id),
    unpause: (id) => containers.unpause(id),
    async stop(id, timeoutSeconds) {
      await containers.stop(id, timeoutSeconds);
    },
    async start(id) {
      await containers.start(id);
    },
    async exec(id, cmd) {
      const execId = execs.create(id, { Cmd: [...cmd], AttachStdout: true, AttachStderr: true });
      const s = await execs.start(execId);
      let output = '';
      const collect = (b: Buffer): void => {
        if (output.length < OUTPUT_CAP) output += b.toString('utf8');
      };
      s.stdout.on('data', collect);
      s.stderr?.on('data', collect);
      s.stdin?.end();
      const exitCode = await s.exit;
      return { exitCode, output };
    },
  };
}
