/** /containers endpoints: lifecycle, inspect/list, wait, logs, attach, changes, prune. */
import { invalidArgument } from '../../domain/errors.js';
import type { ContainerConfig, HostConfig } from '../../domain/container.js';
import { parseFilters, labelTermMatches } from '../../domain/filters.js';
import type { Engine } from '../../engine/engine.js';
import { formatRfc3339Nano, type ContainerRecord, type WaitCondition } from '../../engine/containers/container-service.js';
import type { NetworkingConfigInput } from '../../engine/networks/network-service.js';
import { boolParam, intParam, type Router } from '../router.js';
import { STDERR, STDOUT, frame, pump, writeUpgradeHeaders } from '../streams.js';
import { inspectJson, listJson } from '../wire/container.js';

interface CreateBody extends ContainerConfig {
  HostConfig?: HostConfig | null;
  NetworkingConfig?: NetworkingConfigInput | null;
}

export function containerRoutes(router: Router, engine: Engine): void {
  const containers = engine.containers;
  const volumePath = (name: string) => engine.volumes.dataPath(name);

  const inspect = async (c: ContainerRecord) => {
    const layer = engine.containerLayerPaths(c.id);
    return inspectJson(
      c,
      { dir: containers.dir(c.id), logPath: containers.logPath(c.id), volumePath, layer: { ...layer, lowers: await engine.lowerDirs(c.id) } },
      engine.execs.idsOf(c.id),
      engine.networks.containerView(c), // networking (issue 6)
    );
  };

  router.add('POST', '/containers/create', async (ctx) => {
    const body = await ctx.json<CreateBody>();
    const { HostConfig: hostConfig, NetworkingConfig: networking, ...config } = body;
    const name = ctx.query.get('name');
    const r = await containers.create({
      ...(name ? { name } : {}),
      config,
      hostConfig: hostConfig ?? {},
      ...(networking ? { networkingConfig: networking } : {}), // networking (issue 6)
    });
    return { status: 201, body: { Id: r.id, Warnings: r.warnings } };
  });

  router.add('GET', '/containers/json', (ctx) => {
    const all = boolParam(ctx.query, 'all');
    const limit = intParam(ctx.query, 'limit');
    const filters = parseFilters(ctx.query.get('filters'));
    let list = containers.list().filter((c) => (all || c.state.Running || filters.has('status')) && matchesFilters(c, filters));
    if (limit !== undefined && limit > 0) list = list.slice(0, limit);
    return { status: 200, body: list.map((c) => listJson(c, volumePath, engine.networks.containerView(c))) };
  });

  router.add('GET', '/containers/:id/json', async (ctx) => ({ status: 200, body: await inspect(containers.get(ctx.params.id ?? '')) }));

  router.add('POST', '/containers/:id/start', async (ctx) => {
    const started = await containers.start(ctx.params.id ?? '');
    return { status: started ? 204 : 304 };
  });

  router.add('POST', '/containers/:id/stop', async (ctx) => {
    const stopped = await containers.stop(ctx.params.id ?? '', intParam(ctx.query, 't'));
    return { status: stopped ? 204 : 304 };
  });

  router.add('POST', '/containers/:id/restart', async (ctx) => {
    await containers.restart(ctx.params.id ?? '', intParam(ctx.query, 't'));
    return { status: 204 };
  });

  router.add('POST', '/containers/:id/kill', async (ctx) => {
    await containers.kill(ctx.params.id ?? '', ctx.query.get('signal') || 'KILL');
    return { status: 204 };
  });

  router.add('POST', '/containers/:id/pause', async (ctx) => {
    await containers.pause(ctx.params.id ?? '');
    return { status: 204 };
  });

  router.add('POST', '/containers/:id/unpause', async (ctx) => {
    await containers.unpause(ctx.params.id ?? '');
    return { status: 204 };
  });

  router.add('DELETE', '/containers/:id', async (ctx) => {
    const c = containers.get(ctx.params.id ?? '');
    await containers.remove(c.id, { force: boolParam(ctx.query, 'force'), volumes: boolParam(ctx.query, 'v') });
    engine.execs.forgetContainer(c.id);
    return { status: 204 };
  });

  router.add('POST', '/containers/:id/rename', (ctx) => {
    const name = ctx.query.get('name');
    if (!name) throw invalidArgument('Neither old nor new names may be empty');
    containers.rename(ctx.params.id ?? '', name);
    return { status: 204 };
  });

  router.add('POST', '/containers/:id/resize', (ctx) => {
    containers.resize(ctx.params.id ?? '', intParam(ctx.query, 'h') ?? 0, intParam(ctx.query, 'w') ?? 0);
    return { status: 200, body: '', headers: { 'Content-Type': 'text/plain; charset=utf-8' } };
  });

  router.add('POST', '/containers/:id/wait', (ctx) => {
    const condition = (ctx.query.get('condition') || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw invalidArgument(`invalid condition: "${condition}"`);
    const c = containers.get(ctx.params.id ?? '');
    const ac = new AbortController();
    const waiting = containers.wait(c.id, condition, ac.signal);
    const res = ctx.res;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    ctx.req.socket.once('close', () => ac.abort());
    waiting.then(
      (r) => res.end(JSON.stringify(r) + '\n'),
      () => res.destroy(),
    );
    return { streamed: true };
  });

  router.add('GET', '/containers/:id/changes', async (ctx) => {
    const c = containers.get(ctx.params.id ?? '');
    const changes = await engine.layers.diffContainerLayer(c.id);
    const kind = { C: 0, A: 1, D: 2 } as const;
    return { status: 200, body: changes.length > 0 ? changes.map((x) => ({ Path: x.path, Kind: kind[x.kind] })) : null };
  });

  router.add('POST', '/containers/prune', async (ctx) => {
    const r = await containers.prune(parseFilters(ctx.query.get('filters')));
    return { status: 200, body: { ContainersDeleted: r.deleted.length > 0 ? r.deleted : null, SpaceReclaimed: r.spaceReclaimed } };
  });

  router.add('GET', '/containers/:id/logs', async (ctx) => {
    const c = containers.get(ctx.params.id ?? '');
    const wantOut = boolParam(ctx.query, 'stdout');
    const wantErr = boolParam(ctx.query, 'stderr');
    if (!wantOut && !wantErr) throw invalidArgument('Bad parameters: you must choose at least one stream');
    const follow = boolParam(ctx.query, 'follow');
    const timestamps = boolParam(ctx.query, 'timestamps');
    const tailRaw = ctx.query.get('tail');
    const tail = tailRaw && tailRaw !== 'all' ? Number(tailRaw) : undefined;
    const since = Number(ctx.query.get('since') || 0);
    const raw = c.config.Tty ?? false;
    const res = ctx.res;
    res.writeHead(200, {});
    res.flushHeaders();
    const ac = new AbortController();
    ctx.req.socket.once('close', () => ac.abort());
    const records = containers.logs(c.id, { follow, signal: ac.signal });
    const buffered: Buffer[] = [];
    const emit = (stream: 'stdout' | 'stderr', timeNs: bigint, data: Buffer) => {
      const payload = timestamps ? Buffer.concat([Buffer.from(`${formatRfc3339Nano(timeNs)} `), data]) : data;
      const out = raw ? payload : frame(stream === 'stdout' ? STDOUT : STDERR, payload);
      if (tail !== undefined && !follow) buffered.push(out);
      else res.write(out);
    };
    try {
      for await (const r of records) {
        if (r.stream === 'stdout' ? !wantOut : !wantErr) continue;
        if (since > 0 && r.timeNs < BigInt(Math.floor(since)) * 1_000_000_000n) continue;
        emit(r.stream, r.timeNs, r.data);
      }
    } catch {
      /* client went away */
    }
    if (tail !== undefined && !follow) for (const b of tail > 0 ? buffered.slice(-tail) : []) res.write(b);
    res.end();
    return { streamed: true };
  });

  router.addUpgrade('POST', '/containers/:id/attach', async (ctx) => {
    const c = containers.get(ctx.params.id ?? '');
    const wantStdin = boolParam(ctx.query, 'stdin') && (c.config.OpenStdin ?? false);
    const raw = c.config.Tty ?? false;
    writeUpgradeHeaders(ctx.socket);
    const attachment = await containers.attach(c.id, { stdin: wantStdin });
    const socket = ctx.socket;
    if (attachment.stdin) {
      const stdin = attachment.stdin;
      if (ctx.head.length > 0) stdin.write(ctx.head);
      socket.on('data', (b: Buffer) => stdin.write(b));
      // The client's FIN ends stdin (StdinOnce: the process sees EOF).
      socket.once('end', () => {
        if (c.config.StdinOnce || !c.config.Tty) stdin.end();
      });
    } else {
      socket.resume();
    }
    socket.on('error', () => attachment.detach());
    const out = boolParam(ctx.query, 'stdout') ? pump(attachment.stdout, socket, STDOUT, raw) : Promise.resolve();
    const err = boolParam(ctx.query, 'stderr') ? pump(attachment.stderr, socket, STDERR, raw) : Promise.resolve();
    await attachment.closed;
    await Promise.all([out, err]);
    socket.end();
  });
}

function matchesFilters(c: ContainerRecord, filters: ReadonlyMap<string, readonly string[]>): boolean {
  for (const [key, values] of filters) {
    if (values.length === 0) continue;
    switch (key) {
      case 'label':
        if (!values.every((t) => labelTermMatches(c.config.Labels ?? null, t))) return false;
        break;
      case 'status':
        if (!values.includes(c.state.Status)) return false;
        break;
      case 'name':
        if (!values.some((v) => new RegExp(v).test(c.name.slice(1)))) return false;
        break;
      case 'id':
        if (!values.some((v) => c.id.startsWith(v))) return false;
        break;
      case 'ancestor':
        if (!values.some((v) => v === c.imageRef || v === c.imageId || c.imageId.startsWith(`sha256:${v}`))) return false;
        break;
      case 'exited':
        if (c.state.Running || !values.includes(String(c.state.ExitCode))) return false;
        break;
      case 'volume':
        if (!(c.mounts as Array<{ name?: string; target?: string }>).some((m) => values.includes(m.name ?? '') || values.includes(m.target ?? ''))) return false;
        break;
      default:
        throw invalidArgument(`Invalid filter '${key}'`);
    }
  }
  return true;
}
