/**
 * Merging the image's config into the container's (moby daemon/create.go
 * merge + the entrypoint rule): what the user gave wins; an explicit
 * entrypoint discards the image's Cmd.
 */
import { invalidArgument } from '../../domain/errors.js';
import type { ContainerConfig } from '../../domain/container.js';
import type { ImageConfigView } from './image-port.js';

export function mergeImageConfig(user: ContainerConfig, image: ImageConfigView): ContainerConfig {
  const out: ContainerConfig = { ...user };
  const userEntrypoint = user.Entrypoint && user.Entrypoint.length > 0 ? user.Entrypoint : null;
  if (userEntrypoint) {
    out.Entrypoint = userEntrypoint;
    out.Cmd = user.Cmd && user.Cmd.length > 0 ? user.Cmd : null;
  } else {
    // `--entrypoint ""` sends [""]: it clears the image's entrypoint.
    const cleared = Array.isArray(user.Entrypoint) && user.Entrypoint.length === 1 && user.Entrypoint[0] === '';
    out.Entrypoint = cleared ? null : (image.Entrypoint ?? null);
    out.Cmd = user.Cmd && user.Cmd.length > 0 ? user.Cmd : (image.Cmd ?? null);
  }
  out.Env = mergeEnv(image.Env ?? [], user.Env ?? []);
  if (!out.WorkingDir) out.WorkingDir = image.WorkingDir ?? '';
  if (!out.User) out.User = image.User ?? '';
  out.Labels = { ...(image.Labels ?? {}), ...(user.Labels ?? {}) };
  if (!out.StopSignal && image.StopSignal) out.StopSignal = image.StopSignal;
  if (image.ExposedPorts) out.ExposedPorts = { ...image.ExposedPorts, ...(user.ExposedPorts ?? {}) };
  // The image's VOLUMEs are part of the container's Config.Volumes (moby's merge).
  if (image.Volumes && Object.keys(image.Volumes).length > 0) out.Volumes = { ...(user.Volumes ?? {}), ...image.Volumes };
  // The CLI sends an empty map; dockerd shows none as null.
  if (out.Volumes && Object.keys(out.Volumes).length === 0) out.Volumes = null;
  return out;
}

/** Image env first, user entries replace by key (KEY=… or a bare KEY). */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const key = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  const out = [...base];
  for (const e of extra) {
    const i = out.findIndex((b) => key(b) === key(e));
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

export function processArgs(config: ContainerConfig): string[] {
  const args = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (args.length === 0) throw invalidArgument('No command specified');
  return args;
}

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The process environment, in dockerd's order (CreateDaemonEnvironment):
 * PATH (default when the image has none), HOSTNAME, TERM for a TTY, then the
 * merged config env replacing by key; HOME as runc adds it from the user.
 */
export function containerEnv(config: ContainerConfig, hostname: string, home: string): string[] {
  let env = [DEFAULT_PATH, `HOSTNAME=${hostname}`];
  if (config.Tty) env.push('TERM=xterm');
  env = mergeEnv(env, config.Env ?? []);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${home}`);
  return env;
}
