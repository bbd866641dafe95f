/** docker's confirmation prompt: "<warning>\nAre you sure you want to continue? [y/N] " on stdout. */
import type { CliIO } from './command.js';

export async function confirm(io: CliIO, warning: string): Promise<boolean> {
  io.stdout.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  const line = await readLine(io.stdin);
  return /^y(es)?$/i.test(line.trim());
}

function readLine(stream: CliIO['stdin']): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (chunk: Buffer | string) => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl));
    };
    const finish = (s: string) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
      resolve(s);
    };
    const onEnd = () => finish(buf);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.resume();
  });
}
