/** docker cp: HEAD/GET/PUT /containers/{id}/archive. */
import type { Engine } from '../../engine/engine.js';
import type { PathStat } from '../../engine/containers/container-files.js';
import { invalidArgument } from '../../domain/errors.js';
import { boolParam, type Router } from '../router.js';

const statHeader = (s: PathStat): string => Buffer.from(JSON.stringify(s)).toString('base64');

export function archiveRoutes(router: Router, engine: Engine): void {
  const pathOf = (q: URLSearchParams): string => {
    const p = q.get('path');
    if (!p) throw invalidArgument('path is required');
    return p;
  };

  router.add('HEAD', '/containers/:id/archive', async (ctx) => {
    const c = engine.containers.get(ctx.params.id ?? '');
    const stat = await engine.files.stat(c, pathOf(ctx.query));
    return { status: 200, headers: { 'X-Docker-Container-Path-Stat': statHeader(stat) } };
  });

  router.add('GET', '/containers/:id/archive', async (ctx) => {
    const c = engine.containers.get(ctx.params.id ?? '');
    const { stat, tar } = await engine.files.read(c, pathOf(ctx.query));
    ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': statHeader(stat) });
    tar.pipe(ctx.res);
    return { streamed: true };
  });

  router.add('PUT', '/containers/:id/archive', async (ctx) => {
    const c = engine.containers.get(ctx.params.id ?? '');
    await engine.files.write(c, pathOf(ctx.query), ctx.req, boolParam(ctx.query, 'noOverwriteDirNonDir'));
    return { status: 200, body: '', headers: { 'Content-Type': 'text/plain' } };
  });
}
