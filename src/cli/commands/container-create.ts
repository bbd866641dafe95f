import { mountApiVersionError, type ApiMount } from '../../domain/mounts/index.js';
/**
 * `create`, and the create step `run` shares with it: POST /containers/create,
 * and when the daemon answers 404 (no such image) with --pull=missing, docker's
 * "Unable to find image 'X:latest' locally" and a pull through the daemon
 * (POST /images/create?fromImage=…), then one retry.
 */
import { existsSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { ApiError, ConnectionError } from '../../client/api-client.js';
import { ContainersApi } from '../../client/containers.js';
import { ImagesApi } from '../../client/images.js';
import { ttySize } from '../../client/tty.js';
import { CliError, type Command, type CommandContext } from '../command.js';
import { versionAtLeast } from './container-common.js';
import { CONTAINER_FLAGS, OptionsError, parseContainerOptions, type ContainerPlan } from './container-opts.js';
import { displayJsonMessages } from './image-jsonmessage.js';
import {
  apiTag,
  familiarString,
  fullName,
  parseAnyReference,
  parseNormalizedNamed,
  tagNameOnly,
  type NamedReference,
} from './image-reference.js';

/**
 * `<program>: <msg>` + blank line + the help hint: docker's reportError for run/create
 * (exit 125). The hint names the bare command ("run"), also under `container run`.
 */
export function reportRunError(ctx: CommandContext, message: string, code = 125): CliError {
  return new CliError(`${ctx.program}: ${message}\n\nRun '${ctx.program} ${ctx.command.name} --help' for more information`, code);
}

/** Parses the run/create options, turning client-side rejections into exit 125. */
export function planContainer(ctx: CommandContext): ContainerPlan {
  try {
    return parseContainerOptions(ctx, ttySize(ctx.io.stdout));
  } catch (e) {
    if (e instanceof OptionsError) throw reportRunError(ctx, e.message);
    throw e;
  }
}

/** Pulls through the daemon, progress on stderr (docker's pullImage). */
async function pullImage(ctx: CommandContext, images: ImagesApi, image: string, plan: ContainerPlan): Promise<void> {
  const ref = parseNormalizedNamed(image);
  const stream = await images.pull(fullName(ref), apiTag(ref), plan.platform);
  const out = plan.quiet ? undefined : ctx.io.stderr;
  await displayJsonMessages(stream, out ?? nullWriter());
}

function nullWriter(): Writable {
  return new Writable({ write: (_chunk, _enc, cb) => cb() });
}

class CidFile {
  private fd: number | undefined;
  private written = false;

  constructor(private readonly path: string) {
    if (!path) return;
    if (existsSync(path)) {
      throw new CliError(`container ID file found, make sure the other container isn't running or delete ${path}`, 1);
    }
    try {
      this.fd = openSync(path, 'wx');
    } catch (e) {
      throw new CliError(`failed to create the container ID file: ${(e as Error).message}`, 1);
    }
  }

  write(id: string): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, id);
    this.written = true;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    if (!this.written) rmSync(this.path, { force: true });
  }
}

/** createContainer: the container id, or the daemon's/pull's error. */
export async function createContainer(ctx: CommandContext, plan: ContainerPlan): Promise<string> {
  const client = await ctx.client();
  const containers = new ContainersApi(client);
  const images = new ImagesApi(client);
  if (!versionAtLeast(client.apiVersion, '1.44')) {
    // The Go client refuses per-network MAC addresses below API 1.44.
    if (Object.values(plan.body.NetworkingConfig.EndpointsConfig).some((ep) => ep['MacAddress'])) {
      throw new Error(`"specify mac-address per network" requires API version 1.44, but the Docker daemon API version is ${client.apiVersion}`);
    }
  }
  // The Go client refuses mount options newer than the daemon's API (M-33).
  for (const m of (plan.body.HostConfig.Mounts as unknown as ApiMount[] | null | undefined) ?? []) {
    const tooNew = mountApiVersionError(m, client.apiVersion);
    if (tooNew) throw new CliError(tooNew, 1);
  }
  const cid = new CidFile(plan.cidfile);
  try {
    const ref = parseAnyReference(plan.image);
    const named: NamedReference | undefined = ref.kind === 'named' ? tagNameOnly(ref) : undefined;
    if (plan.pull === 'always') await pullImage(ctx, images, plan.image, plan);
    let response;
    try {
      response = await containers.create(plan.body, plan.name, plan.platform);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404 && named && plan.pull === 'missing')) throw e;
      if (!plan.quiet) ctx.io.stderr.write(`Unable to find image '${familiarString(named)}' locally\n`);
      await pullImage(ctx, images, plan.image, plan);
      response = await containers.create(plan.body, plan.name, plan.platform);
    }
    for (const w of response.Warnings ?? []) ctx.io.stderr.write(`WARNING: ${w}\n`);
    cid.write(response.Id);
    return response.Id;
  } finally {
    cid.close();
  }
}

export const createCommand: Command = {
  name: 'create',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  short: 'Create a new container',
  args: { min: 1 },
  interspersed: false,
  flags: CONTAINER_FLAGS,
  async run(ctx) {
    const plan = planContainer(ctx);
    let id: string;
    try {
      id = await createContainer(ctx, plan);
    } catch (e) {
      // Pull-stream, reference and client-side failures print bare; daemon and connection errors the usual way.
      if (e instanceof Error && !(e instanceof ApiError) && !(e instanceof ConnectionError) && !(e instanceof CliError)) {
        throw new CliError(e.message, 1);
      }
      throw e;
    }
    ctx.io.stdout.write(`${id}\n`);
  },
};
