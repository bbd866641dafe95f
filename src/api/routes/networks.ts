/**
 * /networks endpoints (engine-api-surface §2.6): what the docker CLI's
 * `network` commands and compose's create / disconnect / connect dance use.
 */
import { invalidArgument } from '../../domain/errors.js';
import { parseFilters } from '../../domain/filters.js';
import type { Engine } from '../../engine/engine.js';
import type { CreateNetworkRequest, EndpointConfigInput } from '../../engine/networks/network-service.js';
import type { Router } from '../router.js';
import { networkJson } from '../wire/network.js';

interface ConnectBody {
  Container?: string;
  EndpointConfig?: EndpointConfigInput | null;
  Force?: boolean;
}

function stringMap(v: unknown, field: string): Record<string, string> | null | undefined {
  if (v === undefined || v === null) return v;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(`invalid ${field}: not an object`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw invalidArgument(`invalid ${field}: value of "${k}" is not a string`);
  return v as Record<string, string>;
}

export function networkRoutes(router: Router, engine: Engine): void {
  const networks = engine.networks;

  router.add('GET', '/networks', (ctx) => {
    const list = networks.list(parseFilters(ctx.query.get('filters')));
    return { status: 200, body: list.map((n) => networkJson(n, [])) };
  });

  router.add('POST', '/networks/create', async (ctx) => {
    const body = await ctx.json<CreateNetworkRequest>();
    const labels = stringMap(body.Labels, 'Labels');
    const options = stringMap(body.Options, 'Options');
    const r = await networks.create({
      ...body,
      ...(labels !== undefined ? { Labels: labels } : {}),
      ...(options !== undefined ? { Options: options } : {}),
    });
    return { status: 201, body: { Id: r.id, Warning: r.warning } };
  });

  router.add('POST', '/networks/prune', async (ctx) => {
    const deleted = await networks.prune(parseFilters(ctx.query.get('filters')));
    return { status: 200, body: { NetworksDeleted: deleted.length > 0 ? deleted : null } };
  });

  router.add('GET', '/networks/:id', (ctx) => {
    const n = networks.inspect(ctx.params.id ?? '');
    return { status: 200, body: networkJson(n, networks.endpointsOn(n.id)) };
  });

  router.add('DELETE', '/networks/:id', async (ctx) => {
    await networks.remove(ctx.params.id ?? '');
    return { status: 204 };
  });

  router.add('POST', '/networks/:id/connect', async (ctx) => {
    const body = await ctx.json<ConnectBody>();
    if (!body.Container) throw invalidArgument('container is required');
    await networks.connect(ctx.params.id ?? '', body.Container, body.EndpointConfig ?? {});
    return { status: 200, body: '', headers: { 'Content-Type': 'text/plain; charset=utf-8' } };
  });

  router.add('POST', '/networks/:id/disconnect', async (ctx) => {
    const body = await ctx.json<ConnectBody>();
    if (!body.Container) throw invalidArgument('container is required');
    await networks.disconnect(ctx.params.id ?? '', body.Container, body.Force ?? false);
    return { status: 200, body: '', headers: { 'Content-Type': 'text/plain; charset=utf-8' } };
  });
}
