/** /volumes endpoints (Docker) and /ballast/volumes extensions. */
import { invalidArgument } from '../../domain/errors.js';
import { parseFilters } from '../../domain/filters.js';
import type { StringMap } from '../../domain/volume.js';
import type { Engine } from '../../engine/engine.js';
import { boolParam, type Router } from '../router.js';
import { toWireVolume, wireVolumeJson } from '../wire/volume.js';

interface CreateBody {
  Name?: string | null;
  Driver?: string | null;
  DriverOpts?: Record<string, unknown> | null;
  Labels?: Record<string, unknown> | null;
}

/** JSON maps must hold strings; Docker's Go decoder rejects anything else. */
function stringMap(value: Record<string, unknown> | null | undefined, field: string): StringMap | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArgument(`invalid ${field}: not an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalidArgument(`invalid ${field}: value of "${k}" is not a string`);
    out[k] = v;
  }
  return out;
}

export function volumeRoutes(router: Router, engine: Engine): void {
  const volumes = engine.volumes;
  const wire = (v: Parameters<typeof toWireVolume>[0]) => toWireVolume(v, volumes.dataPath(v.name));

  router.add('GET', '/volumes', (ctx) => {
    const list = volumes.list(parseFilters(ctx.query.get('filters')));
    const items = list.map((v) => wireVolumeJson(v, volumes.dataPath(v.name)));
    return { status: 200, body: `{"Volumes":[${items.join(',')}],"Warnings":null}\n` , headers: { 'Content-Type': 'application/json' } };
  });

  router.add('POST', '/volumes/create', async (ctx) => {
    const body = await ctx.json<CreateBody>();
    const labels = stringMap(body.Labels, 'Labels');
    const driverOpts = stringMap(body.DriverOpts, 'DriverOpts');
    const v = volumes.create({
      ...(body.Name ? { name: body.Name } : {}),
      ...(body.Driver ? { driver: body.Driver } : {}),
      ...(labels !== undefined ? { labels } : {}),
      ...(driverOpts !== undefined ? { driverOpts } : {}),
    });
    return { status: 201, body: wire(v) };
  });

  router.add('POST', '/volumes/prune', async (ctx) => {
    const r = await volumes.prune(parseFilters(ctx.query.get('filters')), ctx.apiLevel / 1000);
    return {
      status: 200,
      body: { VolumesDeleted: r.deleted, SpaceReclaimed: r.spaceReclaimed },
    };
  });

  router.add('GET', '/volumes/:name', (ctx) => ({ status: 200, body: wire(volumes.inspect(ctx.params.name ?? '')) }));

  router.add('DELETE', '/volumes/:name', async (ctx) => {
    await volumes.remove(ctx.params.name ?? '', boolParam(ctx.query, 'force'));
    return { status: 204 };
  });

  // Extensions: take and drop a hold on a volume's data (mounts driver-backed volumes).
  router.add('POST', '/ballast/volumes/:name/acquire', async (ctx) => {
    const holder = ctx.query.get('holder');
    if (!holder) throw invalidArgument('holder is required');
    const path = await volumes.acquire(ctx.params.name ?? '', holder);
    return { status: 200, body: { Path: path, Holders: volumes.holdersOf(ctx.params.name ?? '') } };
  });

  router.add('POST', '/ballast/volumes/:name/release', async (ctx) => {
    const holder = ctx.query.get('holder');
    if (!holder) throw invalidArgument('holder is required');
    await volumes.release(ctx.params.name ?? '', holder);
    return { status: 200, body: { Holders: volumes.holdersOf(ctx.params.name ?? '') } };
  });
}
