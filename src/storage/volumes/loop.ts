/**
 * Loop devices for image-file volumes (device=/path/disk.img): attach with
 * losetup, find by backing file through sysfs, detach.
 */
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../lib/exec.js';
import { readMountInfo } from '../mounts/mountinfo.js';

export class LoopError extends Error {
  override readonly name = 'LoopError';
}

/** Attaches `file` to the first free loop device and returns its path (/dev/loopN). */
export async function attachLoop(file: string, opts: { readOnly?: boolean } = {}): Promise<string> {
  const args = ['--find', '--show'];
  if (opts.readOnly) args.push('--read-only');
  args.push(file);
  const r = await run('losetup', args);
  const dev = r.stdout.trim();
  if (r.code !== 0 || !dev.startsWith('/dev/loop')) {
    throw new LoopError((r.stderr || r.stdout).trim() || `losetup exited with ${r.code}`);
  }
  return dev;
}

/**
 * Detaches a loop device. On a device still in use (mounted) the kernel only
 * marks it auto-clear, so it goes away with its last user. Idempotent.
 */
export async function detachLoop(dev: string): Promise<void> {
  if (loopBackingFile(dev) === null) return;
  const r = await run('losetup', ['-d', dev]);
  if (r.code !== 0 && loopBackingFile(dev) !== null) {
    throw new LoopError((r.stderr || r.stdout).trim() || `losetup -d exited with ${r.code}`);
  }
}

/** The file behind /dev/loopN, or null when the device is not attached. */
export function loopBackingFile(dev: string): string | null {
  try {
    const text = readFileSync(`/sys/block/${basename(dev)}/loop/backing_file`, 'utf8').trim();
    return text.replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
}

function loopAutoclear(dev: string): boolean {
  try {
    return readFileSync(`/sys/block/${basename(dev)}/loop/autoclear`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

export function isLoopDevice(path: string): boolean {
  return /^\/dev\/loop\d+$/.test(path);
}

/** Every loop device currently backed by `file`. */
export function loopsBackedBy(file: string): string[] {
  let want: string;
  try {
    want = realpathSync(file);
  } catch {
    want = file;
  }
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync('/sys/block');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^loop\d+$/.test(name)) continue;
    if (loopBackingFile(name) === want) out.push(`/dev/${name}`);
  }
  return out;
}

/**
 * After an unmount: lets `dev` go unless another mount still uses it.
 * Auto-clear runs when the last opener closes, which may lag the umount a
 * little; a device without auto-clear (or one that stays) is detached, which
 * on a device still held somewhere only marks it auto-clear again.
 */
export async function releaseLoop(dev: string, file: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const backing = loopBackingFile(dev);
    if (backing === null || backing !== file) return;
    if (readMountInfo().some((m) => m.source === dev)) return;
    if (!loopAutoclear(dev) || Date.now() >= deadline) break;
    await sleep(20);
  }
  await detachLoop(dev);
}
