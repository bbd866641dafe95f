/** Finding networks and containers by reference, in Docker's order: full id, name, unique id prefix. */
import { invalidArgument, notFound } from '../../domain/errors.js';
import type { ContainerRecord, ContainerRepository } from '../../state/container-repository.js';
import type { NetworkRecord, NetworkRepository } from '../../state/network-repository.js';

export function findNetwork(repo: NetworkRepository, ref: string): NetworkRecord | undefined {
  if (!ref) return undefined;
  const byId = repo.getNetwork(ref);
  if (byId) return byId;
  const byName = repo.networkByName(ref);
  if (byName) return byName;
  if (/^[0-9a-f]+$/.test(ref)) {
    const ids = repo.networkIdsWithPrefix(ref);
    if (ids.length > 1) throw invalidArgument(`network ${ref} is ambiguous (${ids.length} matches found based on ID prefix)`);
    if (ids.length === 1) return repo.getNetwork(ids[0] as string);
  }
  return undefined;
}

export function getNetwork(repo: NetworkRepository, ref: string): NetworkRecord {
  const n = findNetwork(repo, ref);
  if (!n) throw notFound(`network ${ref} not found`);
  return n;
}

export function findContainer(repo: ContainerRepository, ref: string): ContainerRecord | undefined {
  if (!ref) return undefined;
  const byId = repo.get(ref);
  if (byId) return byId;
  const byName = repo.byName(ref.startsWith('/') ? ref : `/${ref}`);
  if (byName) return byName;
  if (/^[0-9a-f]+$/.test(ref)) {
    const ids = repo.idsWithPrefix(ref);
    if (ids.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${ref}`);
    if (ids.length === 1) return repo.get(ids[0] as string);
  }
  return undefined;
}

export function getContainer(repo: ContainerRepository, ref: string): ContainerRecord {
  const c = findContainer(repo, ref);
  if (!c) throw notFound(`No such container: ${ref}`);
  return c;
}

/** NetworkMode of a container, classified. */
export type ModeKind = { kind: 'host' } | { kind: 'none' } | { kind: 'container'; ref: string } | { kind: 'networks' };

export function modeOf(networkMode: string | undefined): ModeKind {
  const m = networkMode || 'default';
  if (m === 'host') return { kind: 'host' };
  if (m === 'none') return { kind: 'none' };
  if (m.startsWith('container:')) return { kind: 'container', ref: m.slice('container:'.length) };
  return { kind: 'networks' };
}

/** The builtin network names a NetworkMode may name. */
export function networkNameOfMode(networkMode: string | undefined): string {
  const m = networkMode || 'default';
  return m === 'default' ? 'bridge' : m;
}
