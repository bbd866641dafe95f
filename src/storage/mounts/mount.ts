/**
 * mount(8)/umount(8) wrappers. Node cannot call mount(2) itself; util-linux's
 * mount is the delegate (and it runs FUSE and network mount helpers for us).
 */
import { run } from '../../lib/exec.js';
import { mountsUnder, readMountInfo } from './mountinfo.js';

export interface MountRequest {
  source: string;
  target: string;
  fsType?: string;
  /** Comma-separated mount options, as mount(8) -o takes them. */
  options?: string;
  /**
   * Never run a /sbin/mount.<type> helper (mount -i): the kernel gets the
   * options as mount(2) would, the way dockerd mounts nfs/cifs volumes.
   */
  internalOnly?: boolean;
}

export class MountFailure extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'MountFailure';
  }
}

export async function mount(req: MountRequest): Promise<void> {
  const args: string[] = [];
  if (req.internalOnly) args.push('-i');
  if (req.fsType) args.push('-t', req.fsType);
  if (req.options) args.push('-o', req.options);
  // --no-mtab-style flags are not needed: /etc/mtab is a symlink to /proc on Debian 12.
  // "--": a source such as a user-given device never parses as an option.
  args.push('--', req.source, req.target);
  const r = await run('mount', args);
  if (r.code !== 0) {
    throw new MountFailure(r.stderr.trim() || `mount exited with ${r.code}`, r.stderr, r.code);
  }
}

/** Unmount one mount point. `lazy` detaches it even if busy (MNT_DETACH). */
export async function unmount(target: string, opts: { lazy?: boolean } = {}): Promise<void> {
  const args = opts.lazy ? ['-l', target] : [target];
  const r = await run('umount', args);
  if (r.code !== 0) {
    throw new MountFailure(r.stderr.trim() || `umount exited with ${r.code}`, r.stderr, r.code);
  }
}

/** Unmount everything at or below `path`, deepest first. Idempotent. */
export async function unmountTree(path: string, opts: { lazy?: boolean } = {}): Promise<void> {
  for (const m of mountsUnder(path, readMountInfo())) {
    await unmount(m.mountPoint, opts);
  }
}
