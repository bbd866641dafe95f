/** POST /commit (docker commit) and GET /containers/{id}/export (docker export). */
import { pipeline } from 'node:stream/promises';
import { messageOf } from '../../domain/errors.js';
import type { Engine } from '../../engine/engine.js';
import { boolParam, type Router } from '../router.js';

export function commitRoutes(router: Router, engine: Engine): void {
  router.add('POST', '/commit', async (ctx) => {
    const q = ctx.query;
    // The body, when there is one, is a container Config that replaces the container's (docker-py's `conf`).
    const body = await ctx.json<unknown>();
    // Since API 1.13 an absent or empty `pause` means true.
    const pause = (q.get('pause') ?? '') === '' ? true : boolParam(q, 'pause');
    const id = await engine.commitExport.commit({
      container: q.get('container') ?? '',
      repo: q.get('repo') ?? '',
      tag: q.get('tag') ?? '',
      comment: q.get('comment') ?? '',
      author: q.get('author') ?? '',
      pause,
      changes: q.getAll('changes'),
      config: body,
    });
    return { status: 201, body: { Id: id } };
  });

  router.add('GET', '/containers/:id/export', async (ctx) => {
    const tar = await engine.commitExport.export(ctx.params.id ?? '');
    ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    if (ctx.method === 'HEAD') {
      tar.destroy();
      ctx.res.end();
      return { streamed: true };
    }
    // pipeline destroys the tar stream when the client goes away, which unmounts the export view.
    pipeline(tar, ctx.res).catch((e: unknown) => {
      engine.log.warn('container export ended early', { id: ctx.params.id, error: messageOf(e) });
    });
    return { streamed: true };
  });
}
