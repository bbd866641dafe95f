/**
 * The manifest side of a backup: scans the tar stream tar produced and turns
 * every data member into its canonical manifest line (with the checksum of
 * its content), written to a file as it goes. Runs in-process (CRC-32: cheap)
 * or in a worker thread (SHA-256: a second of CPU per GiB, on another core).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { DATA_DIR } from './format.js';
import { entryLine } from './manifest.js';
import { nameComponents } from './safety.js';
import { TarScanner, type ChecksumAlgorithm, type Member } from './tar-scanner.js';

export interface TapInit {
  /** Where the manifest lines go. */
  readonly manifestPath: string;
  readonly checksum: ChecksumAlgorithm;
}

export interface TapResult {
  readonly entries: number;
  readonly files: number;
  /** Content bytes of regular files. */
  readonly bytes: number;
  /** Offset of the end-of-archive marker in the stream (-1: none). */
  readonly eofAt: number;
}

export class TapCore {
  private readonly scanner: TarScanner;
  private readonly fd: number;
  private lines: string[] = [];
  private entries = 0;
  private files = 0;
  private bytes = 0;

  constructor(init: TapInit) {
    this.fd = openSync(init.manifestPath, 'w', 0o644);
    const rel = (name: string): string[] => nameComponents(name).slice(1);
    this.scanner = new TarScanner(
      {
        onMember: () => 'skip',
        onMemberDone: (m: Member, digest: string | undefined) => {
          if (nameComponents(m.name)[0] !== DATA_DIR) return;
          this.lines.push(entryLine(m, rel(m.name), digest, m.type === 'hardlink' ? rel(m.linkname) : undefined, init.checksum));
          this.entries++;
          if (m.type === 'file') {
            this.files++;
            this.bytes += m.size;
          }
          if (this.lines.length >= 1024) this.flush();
        },
      },
      { hash: init.checksum },
    );
  }

  /** Members seen so far (progress). */
  get members(): number {
    return this.scanner.members;
  }

  push(chunk: Buffer): void {
    this.scanner.push(chunk);
  }

  private flush(): void {
    if (this.lines.length === 0) return;
    writeSync(this.fd, `${this.lines.join('\n')}\n`);
    this.lines = [];
  }

  finish(): TapResult {
    this.scanner.finish();
    this.flush();
    closeSync(this.fd);
    return { entries: this.entries, files: this.files, bytes: this.bytes, eofAt: this.scanner.endAt };
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* closed */
    }
  }
}
