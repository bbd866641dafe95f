/** docker exec: create, start (hijacked or detached), resize, inspect. */
import type { Engine } from '../../engine/engine.js';
import type { ExecConfig } from '../../engine/containers/exec-service.js';
import { intParam, type Router } from '../router.js';
import { STDERR, STDOUT, frame, pump, writeUpgradeHeaders } from '../streams.js';
import { failedPrecondition, messageOf } from '../../domain/errors.js';
import { writeUpgradeError } from '../server.js';

interface StartBody {
  Detach?: boolean;
  Tty?: boolean;
}

export function execRoutes(router: Router, engine: Engine): void {
  const execs = engine.execs;

  router.add('POST', '/containers/:id/exec', async (ctx) => {
    const body = await ctx.json<Partial<ExecConfig>>();
    return { status: 201, body: { Id: execs.create(ctx.params.id ?? '', body) } };
  });

  // Detached start (no Upgrade header): run it and answer at once.
  router.add('POST', '/exec/:id/start', async (ctx) => {
    const body = await ctx.json<StartBody>();
    const s = await execs.start(ctx.params.id ?? '');
    s.stdout.resume();
    s.stderr?.resume();
    s.stdin?.end();
    if (body.Detach) return { status: 200, body: '', headers: { 'Content-Type': 'text/plain' } };
    await s.exit.catch(() => undefined);
    return { status: 200, body: '', headers: { 'Content-Type': 'text/plain' } };
  });

  router.addUpgrade('POST', '/exec/:id/start', async (ctx) => {
    // The JSON body arrives in `head` (and possibly later socket data): read Content-Length bytes.
    const length = Number(ctx.req.headers['content-length'] ?? 0);
    let head = ctx.head;
    while (head.length < length) {
      const chunk = await new Promise<Buffer | null>((resolve) => {
        ctx.socket.once('data', (b: Buffer) => resolve(b));
        ctx.socket.once('end', () => resolve(null));
      });
      if (!chunk) break;
      head = Buffer.concat([head, chunk]);
    }
    const rest = head.subarray(length);
    const e = execs.get(ctx.params.id ?? '');
    if (e.running || e.exitCode !== null) {
      writeUpgradeError(ctx.socket, failedPrecondition(`Exec ${e.id} has already been started`), engine.log);
      return;
    }
    // As dockerd: the connection is hijacked first; a process that cannot start is reported
    // on the stream (its exit code, 126, is in the exec's inspect).
    writeUpgradeHeaders(ctx.socket);
    const raw = e.config.Tty;
    let s;
    try {
      s = await execs.start(e.id);
    } catch (err) {
      const text = Buffer.from(`${messageOf(err)}\r\n`);
      ctx.socket.end(raw ? text : frame(STDOUT, text));
      return;
    }
    const socket = ctx.socket;
    if (s.stdin) {
      const stdin = s.stdin;
      if (rest.length > 0) stdin.write(rest);
      socket.on('data', (b: Buffer) => stdin.write(b));
      socket.once('end', () => stdin.end());
    } else {
      socket.resume();
    }
    const out = pump(s.stdout, socket, STDOUT, raw);
    const err = s.stderr ? pump(s.stderr, socket, STDERR, raw) : Promise.resolve();
    await s.exit.catch(() => undefined);
    await Promise.all([out, err]);
    socket.end();
  });

  router.add('POST', '/exec/:id/resize', (ctx) => {
    execs.resize(ctx.params.id ?? '', intParam(ctx.query, 'h') ?? 0, intParam(ctx.query, 'w') ?? 0);
    return { status: 200, body: '', headers: { 'Content-Type': 'text/plain; charset=utf-8' } };
  });

  router.add('GET', '/exec/:id/json', (ctx) => {
    const e = execs.get(ctx.params.id ?? '');
    return {
      status: 200,
      body: {
        ID: e.id,
        Running: e.running,
        ExitCode: e.exitCode ?? 0,
        ProcessConfig: {
          tty: e.config.Tty,
          entrypoint: e.config.Cmd[0] ?? '',
          arguments: e.config.Cmd.slice(1),
          privileged: e.config.Privileged,
          user: e.config.User,
        },
        OpenStdin: e.config.AttachStdin,
        OpenStderr: e.config.AttachStderr,
        OpenStdout: e.config.AttachStdout,
        CanRemove: false,
        ContainerID: e.containerId,
        DetachKeys: e.config.DetachKeys,
        Pid: e.pid,
      },
    };
  });
}
