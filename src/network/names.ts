/**
 * Names of the kernel objects one engine instance owns. The engine on the
 * default root uses the plain names (`table inet ballast`, `ballast0`,
 * `/run/netns/ballast-<id12>`); an engine on another root (tests, a second
 * daemon) gets a short tag derived from its root, so two engines on one host
 * never see each other's objects as orphans. Every link also carries an
 * alias naming its owner, so reconciliation never depends on a link name.
 */
import { createHash, randomBytes } from 'node:crypto';

export const DEFAULT_ROOT_INSTANCE = '/var/lib/ballast';

export interface ParsedAlias {
  instance: string;
  kind: 'br' | 'ep';
  networkId: string;
  containerId?: string;
}

export class NetNaming {
  /** '' for the default root, else 6 hex characters. */
  readonly tag: string;

  constructor(tag: string) {
    if (tag !== '' && !/^[0-9a-f]{6}$/.test(tag)) throw new Error(`bad network instance tag ${tag}`);
    this.tag = tag;
  }

  static forRoot(root: string): NetNaming {
    if (root === DEFAULT_ROOT_INSTANCE) return new NetNaming('');
    return new NetNaming(createHash('sha256').update(root).digest('hex').slice(0, 6));
  }

  /** The label in aliases: "main" or the tag. */
  get instance(): string {
    return this.tag || 'main';
  }

  /** nftables table (family inet). */
  get table(): string {
    return this.tag ? `ballast-${this.tag}` : 'ballast';
  }

  netnsName(containerId: string): string {
    const id12 = containerId.slice(0, 12);
    return this.tag ? `ballast-${this.tag}-${id12}` : `ballast-${id12}`;
  }

  netnsPath(containerId: string): string {
    return `/run/netns/${this.netnsName(containerId)}`;
  }

  /** Does this netns name belong to this instance? Returns the 12-char id prefix. */
  ownsNetns(name: string): string | undefined {
    const re = this.tag ? new RegExp(`^ballast-${this.tag}-([0-9a-f]{12})$`) : /^ballast-([0-9a-f]{12})$/;
    return re.exec(name)?.[1];
  }

  /** Bridge name: ballast0 for the main engine's default network, bl-<netid12> otherwise (≤ 15 chars). */
  bridgeName(networkId: string, isDefaultBridge: boolean): string {
    if (isDefaultBridge && !this.tag) return 'ballast0';
    return `bl-${networkId.slice(0, 12)}`;
  }

  bridgeAlias(networkId: string): string {
    return `ballast:${this.instance}:br:${networkId}`;
  }

  vethAlias(containerId: string, networkId: string): string {
    return `ballast:${this.instance}:ep:${containerId}:${networkId}`;
  }

  /** A fresh host-side veth name: never reuse one (the kernel reaps old pairs asynchronously). */
  static vethName(): string {
    return `vb${randomBytes(6).toString('hex')}`;
  }
}

export function parseAlias(alias: string | undefined): ParsedAlias | undefined {
  if (!alias) return undefined;
  const parts = alias.split(':');
  if (parts[0] !== 'ballast' || parts.length < 4) return undefined;
  const instance = parts[1] ?? '';
  if (parts[2] === 'br' && parts.length === 4) return { instance, kind: 'br', networkId: parts[3] ?? '' };
  if (parts[2] === 'ep' && parts.length === 5) {
    return { instance, kind: 'ep', containerId: parts[3] ?? '', networkId: parts[4] ?? '' };
  }
  return undefined;
}

/** The netns names of another instance's tag (for collecting a dead instance's leftovers). */
export function netnsTagOf(name: string): string | undefined {
  const m = /^ballast-([0-9a-f]{6})-[0-9a-f]{12}$/.exec(name);
  if (m) return m[1];
  return /^ballast-[0-9a-f]{12}$/.test(name) ? '' : undefined;
}
