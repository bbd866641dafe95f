/**
 * Compression and encryption stages: which program, which arguments, and how
 * to recognise a stream by its first bytes. zstd is multithreaded (-T0);
 * gzip uses pigz when it is installed.
 */
import { existsSync } from 'node:fs';
import type { CompressionKind } from './format.js';

export type StreamKind = CompressionKind | 'age' | 'age-armor';

export function detectStream(head: Uint8Array): StreamKind {
  const b = (i: number): number => head[i] ?? -1;
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  const text = Buffer.from(head.subarray(0, 40)).toString('latin1');
  if (text.startsWith('age-encryption.org/v1\n')) return 'age';
  if (text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----')) return 'age-armor';
  return 'none';
}

function pigz(): string | undefined {
  for (const p of ['/usr/bin/pigz', '/usr/local/bin/pigz']) if (existsSync(p)) return p;
  return undefined;
}

export function compressor(kind: CompressionKind, level?: number): [string, string[]] | undefined {
  switch (kind) {
    case 'zstd':
      return ['zstd', ['-q', '-c', `-${level ?? 3}`, '-T0']];
    case 'gzip': {
      const p = pigz();
      return p ? [p, ['-c', `-${level ?? 6}`]] : ['gzip', ['-c', `-${level ?? 6}`]];
    }
    case 'none':
      return undefined;
  }
}

export function decompressor(kind: CompressionKind): [string, string[]] | undefined {
  switch (kind) {
    case 'zstd':
      return ['zstd', ['-q', '-d', '-c']];
    case 'gzip': {
      const p = pigz();
      return p ? [p, ['-d', '-c']] : ['gzip', ['-d', '-c']];
    }
    case 'none':
      return undefined;
  }
}

export function extensionFor(kind: CompressionKind, encrypted: boolean): string {
  const base = kind === 'zstd' ? '.tar.zst' : kind === 'gzip' ? '.tar.gz' : '.tar';
  return encrypted ? `${base}.age` : base;
}

export function parseCompression(v: string): CompressionKind {
  if (v === 'zstd' || v === 'gzip' || v === 'none') return v;
  if (v === 'gz') return 'gzip';
  if (v === 'zst') return 'zstd';
  throw new Error(`invalid compression "${v}": use zstd, gzip or none`);
}
