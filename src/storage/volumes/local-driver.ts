/**
 * The `local` volume driver: plain directories, or whatever `type`/`device`/`o`
 * describe mounted onto `_data` the way dockerd does it. Beyond Docker:
 * image files (device=/path/disk.img) go through a loop device, FUSE types
 * (fuse.sshfs …) run their mount helpers, and `size=` alone gives a
 * size-limited volume backed by an ext4 image.
 */
import { realpathSync, statSync } from 'node:fs';
import { EngineError, isEngineError } from '../../domain/errors.js';
import {
  isSizeLimitedVolume,
  localVolumeNeedsMount,
  validateLocalVolumeOptions,
  type LocalVolumeOptions,
} from '../../domain/volume-options.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { MountFailure, mount as mount8, unmount as umount8 } from '../mounts/mount.js';
import { readMountInfo, type MountInfo } from '../mounts/mountinfo.js';
import type { VolumeDriver, VolumeOptions, VolumeRef } from './driver.js';
import { attachLoop, detachLoop, isLoopDevice, loopBackingFile, loopsBackedBy, releaseLoop } from './loop.js';
import { buildMountCall, formatMountError, MS, type MountCall, type ResolveHost } from './mount-call.js';
import { cleanMountMessage, diagnoseMountFailure, goErrnoText } from './mount-errors.js';
import { resolveHost } from './resolve.js';
import { dropLostFound, ensureSizeImage, removeSizeImage, sizeImagePath } from './size-image.js';

export interface LocalDriverConfig {
  /**
   * Honour `size=` on plain volumes with an ext4 image (default true). False
   * keeps Docker's "quota size requested but no quota support".
   */
  readonly sizeLimit?: boolean;
  /** Host name resolution for nfs/cifs `addr=` (tests inject one). */
  readonly resolveHost?: ResolveHost;
}

/** How a volume's mount is carried out. */
export type MountPlan =
  | { readonly kind: 'direct'; readonly call: MountCall; readonly helper: boolean }
  | { readonly kind: 'loop'; readonly call: MountCall; readonly image: string; readonly fresh: boolean };

export class LocalDriver implements VolumeDriver {
  readonly name = 'local';
  private readonly sizeLimit: boolean;
  private readonly resolve: ResolveHost;
  private readonly locks = new KeyedMutex();

  constructor(config: LocalDriverConfig = {}) {
    this.sizeLimit = config.sizeLimit ?? true;
    this.resolve = config.resolveHost ?? ((h) => resolveHost(h));
  }

  validateCreate(options: VolumeOptions | null): void {
    validateLocalVolumeOptions(options, { sizeLimit: this.sizeLimit });
  }

  needsMount(options: VolumeOptions | null): boolean {
    if (!this.sizeLimit && isSizeLimitedVolume(options)) return false;
    return localVolumeNeedsMount(options);
  }

  isMounted(vol: VolumeRef): boolean {
    return topMountAt(canonical(vol.dataPath)) !== undefined;
  }

  async mount(vol: VolumeRef): Promise<void> {
    if (!this.needsMount(vol.options)) return;
    const opts = validateLocalVolumeOptions(vol.options, { sizeLimit: this.sizeLimit });
    if (opts === null) return;
    await this.locks.run(vol.dataPath, () => this.mountLocked(vol, opts));
  }

  async unmount(vol: VolumeRef): Promise<void> {
    if (!this.needsMount(vol.options)) return;
    await this.locks.run(vol.dataPath, () => this.unmountLocked(vol));
  }

  async remove(vol: VolumeRef): Promise<void> {
    if (!isSizeLimitedVolume(vol.options)) return;
    await this.locks.run(vol.dataPath, async () => {
      await this.unmountLocked(vol);
      removeSizeImage(canonical(vol.dataPath));
    });
  }

  /** The mount dockerd would make for this volume (addresses resolved), without making it. */
  async plan(vol: VolumeRef): Promise<MountPlan | null> {
    if (!this.needsMount(vol.options)) return null;
    const opts = validateLocalVolumeOptions(vol.options, { sizeLimit: this.sizeLimit });
    if (opts === null) return null;
    return this.planFor(vol, opts, false);
  }

  private async planFor(vol: VolumeRef, opts: LocalVolumeOptions, fresh: boolean): Promise<MountPlan> {
    const target = canonical(vol.dataPath);
    if (isSizeLimitedVolume(vol.options)) {
      const image = sizeImagePath(target);
      const call = await buildMountCall({ type: 'ext4', o: '', device: image, sizeBytes: 0 }, target, this.resolve);
      return { kind: 'loop', call, image, fresh };
    }
    let call: MountCall;
    try {
      call = await buildMountCall(opts, target, this.resolve);
    } catch (e) {
      // Resolution and "missing device" errors reach the user as they are (no "failed to mount").
      throw new EngineError('internal', messageText(e), { cause: e });
    }
    if (isFuseType(call.fsType)) return { kind: 'direct', call, helper: true };
    if ((call.flags & MS.BIND) === 0 && isRegularFile(call.source)) {
      return { kind: 'loop', call, image: canonical(call.source), fresh };
    }
    return { kind: 'direct', call, helper: false };
  }

  private async mountLocked(vol: VolumeRef, opts: LocalVolumeOptions): Promise<void> {
    const target = canonical(vol.dataPath);
    let fresh = false;
    if (isSizeLimitedVolume(vol.options)) {
      try {
        fresh = await ensureSizeImage(sizeImagePath(target), opts.sizeBytes);
      } catch (e) {
        throw new EngineError('internal', `failed to create size-limited volume image: ${messageText(e)}`, { cause: e });
      }
    }
    const plan = await this.planFor(vol, opts, fresh);
    const current = topMountAt(target);
    if (current) {
      if (mountMatches(current, plan)) return;
      // Something else sits on _data (a stale mount from before a crash): replace it.
      await this.unmountLocked(vol);
    }
    const before = mountIdsAt(target);
    try {
      if (plan.kind === 'loop') await mountLoop(plan);
      else await mountDirect(plan);
    } catch (e) {
      await cleanupNewMounts(target, before);
      throw e;
    }
    if (plan.kind === 'loop' && plan.fresh) dropLostFound(target);
  }

  private async unmountLocked(vol: VolumeRef): Promise<void> {
    const target = canonical(vol.dataPath);
    const image = ownedImage(vol, target);
    // Several mounts may be stacked on _data; remove them top first.
    for (let i = 0; i < 32; i++) {
      const m = topMountAt(target);
      if (!m) return;
      await unmountOne(target, m);
      if (image !== null && isLoopDevice(m.source) && loopBackingFile(m.source) === image) {
        await releaseLoop(m.source, image);
      }
    }
    throw new EngineError('internal', `umount ${target}: too many mounts stacked on the volume`);
  }
}

/** The daemon's local driver. */
export function createLocalDriver(config: LocalDriverConfig = {}): LocalDriver {
  return new LocalDriver(config);
}

async function mountDirect(plan: Extract<MountPlan, { kind: 'direct' }>): Promise<void> {
  const { call } = plan;
  try {
    await mount8({
      source: call.source,
      target: call.target,
      fsType: call.fsType,
      options: call.options,
      internalOnly: !plan.helper,
    });
  } catch (e) {
    throw mountError(call, call.source, e);
  }
}

/** Image files: attach (or reuse the loop device already backed by the image), mount, set auto-clear. */
async function mountLoop(plan: Extract<MountPlan, { kind: 'loop' }>): Promise<void> {
  const { call, image } = plan;
  // Two loop devices over one ext4 image would be two writers: reuse an existing one.
  let dev = loopsBackedBy(image)[0];
  const attachedHere = dev === undefined;
  if (dev === undefined) {
    try {
      dev = await attachLoop(image, { readOnly: (call.flags & MS.RDONLY) !== 0 });
    } catch (e) {
      throw new EngineError('internal', `failed to mount local volume: ${formatMountError(call, messageText(e))}`, {
        cause: e,
      });
    }
  }
  try {
    await mount8({ source: dev, target: call.target, fsType: call.fsType, options: call.options, internalOnly: true });
  } catch (e) {
    if (attachedHere) await detachLoop(dev).catch(() => undefined);
    throw mountError(call, image, e);
  }
  // Detaching a mounted loop device only marks it auto-clear: it goes with the last unmount.
  if (attachedHere) await detachLoop(dev).catch(() => undefined);
}

function mountError(call: MountCall, source: string, e: unknown): EngineError {
  if (isEngineError(e)) return e;
  const text =
    e instanceof MountFailure
      ? diagnoseMountFailure({ source, target: call.target, isBind: (call.flags & MS.BIND) !== 0, stderr: e.stderr })
      : messageText(e);
  return new EngineError('internal', `failed to mount local volume: ${formatMountError(call, text)}`, { cause: e });
}

async function unmountOne(target: string, m: MountInfo): Promise<void> {
  try {
    await umount8(target);
    return;
  } catch {
    if (!stillMounted(target, m.id)) return;
  }
  // dockerd always unmounts lazily (MNT_DETACH); we try a clean unmount first and fall back.
  try {
    await umount8(target, { lazy: true });
  } catch (e) {
    if (!stillMounted(target, m.id)) return;
    const text = e instanceof MountFailure ? umountText(e.stderr, target) : messageText(e);
    throw new EngineError('internal', `umount ${target}: ${text}`, { cause: e });
  }
}

function umountText(stderr: string, target: string): string {
  if (/target is busy/.test(stderr)) return goErrnoText('EBUSY');
  if (/not mounted/.test(stderr)) return goErrnoText('EINVAL');
  return cleanMountMessage(stderr.replace(/^umount: /, 'mount: '), target);
}

/** After a failure, undo anything that did get mounted (a bind whose read-only remount failed …). */
async function cleanupNewMounts(target: string, before: ReadonlySet<number>): Promise<void> {
  for (let i = 0; i < 8; i++) {
    const extra = readMountInfo().filter((m) => m.mountPoint === target && !before.has(m.id));
    if (extra.length === 0) return;
    try {
      await umount8(target, { lazy: true });
    } catch {
      return;
    }
  }
}

function mountMatches(m: MountInfo, plan: MountPlan): boolean {
  const { call } = plan;
  if (plan.kind === 'loop') return isLoopDevice(m.source) && loopBackingFile(m.source) === plan.image;
  if ((call.flags & MS.BIND) !== 0) return true;
  if (call.fsType === 'fuse') return m.fsType === 'fuse' || m.fsType.startsWith('fuse.');
  return m.fsType === call.fsType;
}

/** The image whose loop device the driver may release: its size image or a device= image file. */
function ownedImage(vol: VolumeRef, target: string): string | null {
  if (isSizeLimitedVolume(vol.options)) return canonical(sizeImagePath(target));
  const device = vol.options?.['device'];
  const o = vol.options?.['o'] ?? '';
  if (device === undefined || !device.startsWith('/')) return null;
  if (o.split(',').some((x) => x === 'bind' || x === 'rbind')) return null;
  return isRegularFile(device) ? canonical(device) : null;
}

function isFuseType(t: string): boolean {
  return t === 'fuse' || t.startsWith('fuse.') || t === 'fuseblk';
}

function isRegularFile(p: string): boolean {
  if (!p.startsWith('/')) return false;
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** mountinfo shows resolved paths; compare against the resolved _data. */
function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function topMountAt(target: string): MountInfo | undefined {
  return readMountInfo()
    .filter((m) => m.mountPoint === target)
    .at(-1);
}

function mountIdsAt(target: string): Set<number> {
  return new Set(
    readMountInfo()
      .filter((m) => m.mountPoint === target)
      .map((m) => m.id),
  );
}

function stillMounted(target: string, id: number): boolean {
  return readMountInfo().some((m) => m.mountPoint === target && m.id === id);
}

function messageText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
