/**
 * The local terminal: its size (for ConsoleSize and resize requests), raw mode
 * while a container TTY is attached, and SIGWINCH → resize forwarding.
 */
import { spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

interface TtyIn {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
  isRaw?: boolean;
}

interface TtyOut {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** [rows, cols] of the output terminal; [0, 0] when it is not a terminal (docker's GetTtySize). */
export function ttySize(out: Writable): [number, number] {
  const o = out as Writable & TtyOut;
  if (!o.isTTY) return [0, 0];
  return [o.rows ?? 0, o.columns ?? 0];
}

export function isTerminal(s: Readable | Writable): boolean {
  return (s as (Readable | Writable) & { isTTY?: boolean }).isTTY === true;
}

/**
 * Puts the input terminal in raw mode (no echo, no line editing, no signals
 * from ^C) and returns an idempotent restore. A no-op when it is not a terminal.
 */
export function setRawTerminal(input: Readable): () => void {
  const i = input as Readable & TtyIn & { fd?: number };
  if (!i.isTTY) return () => undefined;
  // moby/term MakeRaw also clears OPOST (libuv's raw mode keeps ONLCR, which would
  // turn the container pty's "\r\n" into "\r\r\n"), so use stty(1) when it is there.
  if (typeof i.fd === 'number') {
    const saved = spawnSync('stty', ['-g'], { stdio: [i.fd, 'pipe', 'ignore'], encoding: 'utf8' });
    if (saved.status === 0 && saved.stdout.trim() !== '') {
      const raw = spawnSync('stty', ['raw', '-echo'], { stdio: [i.fd, 'ignore', 'ignore'] });
      if (raw.status === 0) {
        let restored = false;
        return () => {
          if (restored) return;
          restored = true;
          spawnSync('stty', [saved.stdout.trim()], { stdio: [i.fd as number, 'ignore', 'ignore'] });
        };
      }
    }
  }
  if (typeof i.setRawMode !== 'function') return () => undefined;
  const was = i.isRaw === true;
  i.setRawMode(true);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    try {
      i.setRawMode?.(was);
    } catch {
      /* the terminal went away */
    }
  };
}

/**
 * Sends the terminal size now (retrying a few times, as the docker CLI does for
 * a process that is not up yet) and again on every SIGWINCH. Returns a stop function.
 */
export function monitorTtySize(
  out: Writable,
  resize: (rows: number, cols: number) => Promise<void>,
  onGiveUp: () => void,
): () => void {
  const send = async (): Promise<boolean> => {
    const [rows, cols] = ttySize(out);
    if (rows === 0 && cols === 0) return true;
    try {
      await resize(rows, cols);
      return true;
    } catch {
      return false;
    }
  };
  let stopped = false;
  void (async () => {
    if (await send()) return;
    for (let retry = 0; retry < 10 && !stopped; retry++) {
      await new Promise((r) => setTimeout(r, (retry + 1) * 10));
      if (await send()) return;
    }
    if (!stopped) onGiveUp();
  })();
  const onWinch = (): void => void send();
  // Node emits 'resize' on a TTY WriteStream when the window size changes (SIGWINCH).
  out.on('resize', onWinch);
  return () => {
    stopped = true;
    out.off('resize', onWinch);
  };
}
