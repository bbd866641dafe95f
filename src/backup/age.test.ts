/**
 * Encryption interoperates with the stock age tool: what ballast encrypts,
 * `age -d` decrypts (and the reverse), with recipients and with passphrases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDecrypt, startEncrypt, validatePassphrase, AgeInputError } from './age.js';

function scratch(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'age-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function through(start: (i: number, o: number) => ReturnType<typeof startEncrypt>, input: string, output: string): Promise<void> {
  const i = openSync(input, 'r');
  const o = openSync(output, 'w');
  try {
    await start(i, o).done;
  } finally {
    closeSync(i);
    closeSync(o);
  }
}

/** Runs stock `age -d` with a passphrase typed on a pseudo-terminal (age reads no other way). */
function stockDecryptWithPassphrase(file: string, out: string, passphrase: string): void {
  execFileSync('script', ['-q', '-e', '-c', `age -d -o ${out} ${file}`, '/dev/null'], { input: `${passphrase}\n`, stdio: ['pipe', 'ignore', 'ignore'] });
}

test('recipient: ballast encrypts, stock age -d decrypts; and back', async (t) => {
  const d = scratch(t);
  execFileSync('age-keygen', ['-o', join(d, 'key')], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', join(d, 'key')]).toString().trim();
  const plain = join(d, 'plain');
  writeFileSync(plain, Buffer.alloc(300_000, 'abc'));
  await through((i, o) => startEncrypt({ kind: 'recipients', recipients: [recipient] }, i, o), plain, join(d, 'enc'));
  assert.equal(readFileSync(join(d, 'enc')).subarray(0, 21).toString(), 'age-encryption.org/v1');
  execFileSync('age', ['-d', '-i', join(d, 'key'), '-o', join(d, 'stock-dec'), join(d, 'enc')]);
  assert.deepEqual(readFileSync(join(d, 'stock-dec')), readFileSync(plain));
  await through((i, o) => startDecrypt({ kind: 'identities', identities: [readFileSync(join(d, 'key'), 'utf8')] }, i, o), join(d, 'enc'), join(d, 'dec'));
  assert.deepEqual(readFileSync(join(d, 'dec')), readFileSync(plain));
});

test('passphrase: ballast encrypts without a terminal, stock age -d decrypts; wrong passphrase fails', async (t) => {
  const d = scratch(t);
  const plain = join(d, 'plain');
  writeFileSync(plain, 'secret data\n'.repeat(1000));
  await through((i, o) => startEncrypt({ kind: 'passphrase', passphrase: 'correct horse battery staple' }, i, o), plain, join(d, 'enc'));
  assert.match(readFileSync(join(d, 'enc')).subarray(0, 60).toString('latin1'), /-> scrypt /);
  stockDecryptWithPassphrase(join(d, 'enc'), join(d, 'stock-dec'), 'correct horse battery staple');
  assert.deepEqual(readFileSync(join(d, 'stock-dec')), readFileSync(plain));
  await through((i, o) => startDecrypt({ kind: 'passphrase', passphrase: 'correct horse battery staple' }, i, o), join(d, 'enc'), join(d, 'dec'));
  assert.deepEqual(readFileSync(join(d, 'dec')), readFileSync(plain));
  await assert.rejects(
    through((i, o) => startDecrypt({ kind: 'passphrase', passphrase: 'wrong' }, i, o), join(d, 'enc'), join(d, 'dec2')),
    /incorrect passphrase|age/,
  );
});

test('passphrases the terminal would mangle are refused', () => {
  assert.throws(() => validatePassphrase('a\u0003b'), AgeInputError);
  assert.throws(() => validatePassphrase(''), AgeInputError);
  validatePassphrase('ünïcode and spaces are fine');
});
