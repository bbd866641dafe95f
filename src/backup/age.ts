/**
 * Encryption with the stock `age` tool (age-encryption.org/v1): X25519 or
 * ssh recipients, or a passphrase (scrypt). Files decrypt with plain `age -d`.
 *
 * age reads passphrases only from a terminal, never from a pipe or the
 * environment. So a passphrase stage runs age under script(1), which gives
 * it a pseudo-terminal; the passphrase goes in through that terminal and the
 * data through extra descriptors (/dev/fd/3 and 4, real pipes). Whatever the
 * terminal echoes is read and dropped, never logged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageError, startStage, type Stage } from './procs.js';

export type Encryption =
  | { readonly kind: 'recipients'; readonly recipients: readonly string[] }
  | { readonly kind: 'passphrase'; readonly passphrase: string };

export type Decryption =
  | { readonly kind: 'identities'; readonly identities: readonly string[] }
  | { readonly kind: 'passphrase'; readonly passphrase: string };

export class AgeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgeInputError';
  }
}

const RECIPIENT = /^(age1[02-9ac-hj-np-z]{58}|ssh-(ed25519|rsa) [A-Za-z0-9+/=]+( .*)?)$/;

export function validateRecipient(r: string): void {
  if (!RECIPIENT.test(r.trim())) throw new AgeInputError(`invalid age recipient "${r}": expected age1… or an ssh public key`);
}

/** The terminal would interpret control characters (^C, ^U, ^D …) instead of passing them on. */
export function validatePassphrase(p: string): void {
  if (p.length === 0) throw new AgeInputError('empty passphrase');
  if (/[\u0000-\u001f\u007f]/.test(p)) throw new AgeInputError('passphrase must not contain control characters or newlines');
  if (Buffer.byteLength(p) > 1000) throw new AgeInputError('passphrase too long (at most 1000 bytes)');
}

/** A passphrase file's content: the first line, without its newline. */
export function passphraseFromFile(content: string): string {
  return content.replace(/\r?\n[\s\S]*$/, '');
}

interface Secrets {
  dir: string;
  cleanup(): void;
}

function secretsDir(): Secrets {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-age-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function withCleanup(stage: Stage, cleanup: () => void): Stage {
  void stage.done.then(cleanup, cleanup);
  return stage;
}

/** Encrypts `input` into `output` (file descriptors). */
export function startEncrypt(enc: Encryption, input: number, output: number): Stage {
  if (enc.kind === 'recipients') {
    if (enc.recipients.length === 0) throw new AgeInputError('no age recipient');
    enc.recipients.forEach(validateRecipient);
    const args = ['--encrypt'];
    for (const r of enc.recipients) args.push('-r', r.trim());
    return startStage('age', 'age', args, [input, output, 'pipe']);
  }
  validatePassphrase(enc.passphrase);
  return passphraseStage(['--encrypt', '--passphrase'], `${enc.passphrase}\n${enc.passphrase}\n`, input, output);
}

/** Decrypts `input` into `output`. */
export function startDecrypt(dec: Decryption, input: number, output: number): Stage {
  if (dec.kind === 'identities') {
    if (dec.identities.length === 0) throw new AgeInputError('the archive is encrypted: an age identity or a passphrase is needed');
    const s = secretsDir();
    const args = ['--decrypt'];
    dec.identities.forEach((id, i) => {
      const f = join(s.dir, `identity-${i}`);
      writeFileSync(f, id.endsWith('\n') ? id : `${id}\n`, { mode: 0o600 });
      args.push('-i', f);
    });
    return withCleanup(startStage('age', 'age', args, [input, output, 'pipe']), s.cleanup);
  }
  validatePassphrase(dec.passphrase);
  return passphraseStage(['--decrypt'], `${dec.passphrase}\n`, input, output);
}

function passphraseStage(ageArgs: string[], typed: string, input: number, output: number): Stage {
  const cmd = `exec age ${ageArgs.join(' ')} -o /dev/fd/4 /dev/fd/3`;
  const inner = startStage('age', 'script', ['-q', '-e', '-c', cmd, '/dev/null'], ['pipe', 'pipe', 'pipe', input, output], {
    env: { ...process.env, SHELL: '/bin/sh', TERM: 'dumb' },
  });
  // The terminal's output (prompts, echo of the passphrase) stays here; only age's error lines leave.
  let tty = '';
  inner.child.stdout?.on('data', (b: Buffer) => {
    if (tty.length < 16 * 1024) tty += b.toString('utf8');
  });
  inner.child.stdin?.on('error', () => undefined);
  // Keep the terminal open until age is done: an EOF there would reach age as ^D.
  inner.child.stdin?.write(typed);
  const errorLines = (): string =>
    tty
      .split(/\r?\n/)
      .map((l) => l.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').trim())
      .filter((l) => l.startsWith('age: error:') || l.startsWith('age: '))
      .join('; ');
  const done = inner.done.then(
    (code) => {
      inner.child.stdin?.end();
      return code;
    },
    (e: unknown) => {
      inner.child.stdin?.end();
      const lines = errorLines();
      throw lines ? new StageError('age', null, null, lines) : e;
    },
  );
  done.catch(() => undefined);
  return { name: 'age', child: inner.child, done, stderrText: errorLines };
}
