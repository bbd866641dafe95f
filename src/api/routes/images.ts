/** /images endpoints: import, load, save, list, inspect, tag, history, remove, prune. */
import type { Engine } from '../../engine/engine.js';
import { EngineError, messageOf } from '../../domain/errors.js';
import { parseFilters } from '../../domain/filters.js';
import { boolParam, type Router } from '../router.js';

export function imageRoutes(router: Router, engine: Engine): void {
  const images = engine.images;

  /** docker import (fromSrc=-) streams a JSON progress answer; a pull has no registry to go to. */
  router.add('POST', '/images/create', async (ctx) => {
    const fromSrc = ctx.query.get('fromSrc');
    const fromImage = ctx.query.get('fromImage');
    if (fromSrc === '-') {
      const changes = ctx.query.getAll('changes');
      const repo = ctx.query.get('repo') ?? '';
      const tag = ctx.query.get('tag') ?? '';
      const message = ctx.query.get('message') ?? '';
      const r = await images.importImage(ctx.req, {
        ...(repo ? { repoTag: repo } : {}),
        ...(tag ? { tag } : {}),
        changes,
        ...(message ? { message } : {}),
      });
      return { status: 200, body: JSON.stringify({ status: r.id }) + '\n', headers: { 'Content-Type': 'application/json' } };
    }
    if (fromImage) {
      const tag = ctx.query.get('tag') || 'latest';
      const name = fromImage.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
      throw new EngineError(
        'notFound',
        `pull access denied for ${name}, repository does not exist or may require 'docker login': ballast has no registry access; load or import ${name}:${tag} instead (ballast load -i FILE, ballast import FILE ${name}:${tag})`,
      );
    }
    throw new EngineError('invalidArgument', 'fromSrc or fromImage is required');
  });

  router.add('POST', '/images/load', async (ctx) => {
    const r = await images.loadImages(ctx.req);
    const body = r.messages.map((m) => JSON.stringify({ stream: `${m}\n` }) + '\n').join('');
    return { status: 200, body, headers: { 'Content-Type': 'application/json' } };
  });

  router.add('GET', '/images/get', async (ctx) => {
    const names = ctx.query.getAll('names');
    const tar = await images.saveImages(names);
    ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    tar.pipe(ctx.res);
    tar.on('error', (e) => {
      engine.log.error('image save failed', { error: messageOf(e) });
      ctx.res.destroy();
    });
    return { streamed: true };
  });

  router.add('GET', '/images/json', (ctx) => ({
    status: 200,
    body: images.listImages({ all: boolParam(ctx.query, 'all'), filters: parseFilters(ctx.query.get('filters')) }),
  }));

  router.add('POST', '/images/prune', async (ctx) => {
    const filters = parseFilters(ctx.query.get('filters'));
    const danglingOnly = !(filters.get('dangling') ?? ['true']).includes('false');
    const deleted: Array<Record<string, string>> = [];
    for (const img of images.listImages({ all: true })) {
      const dangling = !img.RepoTags || img.RepoTags.length === 0 || img.RepoTags.every((t) => t === '<none>:<none>');
      if (danglingOnly && !dangling) continue;
      if (engine.containers.list().some((c) => c.imageId === img.Id)) continue;
      try {
        deleted.push(...(await images.removeImage(img.Id)).map((d) => ({ ...d })));
      } catch {
        /* in use or already gone */
      }
    }
    return { status: 200, body: { ImagesDeleted: deleted.length > 0 ? deleted : null, SpaceReclaimed: 0 } };
  });

  router.add('GET', '/images/:name*/json', (ctx) => ({ status: 200, body: images.inspectImage(ctx.params.name ?? '') }));

  router.add('GET', '/images/:name*/history', (ctx) => ({ status: 200, body: images.history(ctx.params.name ?? '') }));

  router.add('POST', '/images/:name*/tag', async (ctx) => {
    await images.tagImage(ctx.params.name ?? '', ctx.query.get('repo') ?? '', ctx.query.get('tag') ?? undefined);
    return { status: 201 };
  });

  router.add('DELETE', '/images/:name*', async (ctx) => ({
    status: 200,
    body: await images.removeImage(ctx.params.name ?? '', { force: boolParam(ctx.query, 'force'), noprune: boolParam(ctx.query, 'noprune') }),
  }));
}
