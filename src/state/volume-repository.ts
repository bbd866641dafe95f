/** Rows of the volumes tables <-> domain Volume values. Short statements, no I/O besides SQLite. */
import type { Db } from './database.js';
import type { StringMap, Volume } from '../domain/volume.js';

interface VolumeRow {
  name: string;
  driver: string;
  labels: string | null;
  options: string | null;
  created_at: number;
  anonymous: number;
  state: 'creating' | 'ready';
}

export type VolumeState = VolumeRow['state'];

function parseMap(json: string | null): StringMap | null {
  return json === null ? null : (JSON.parse(json) as StringMap);
}

function toVolume(row: VolumeRow): Volume {
  return {
    name: row.name,
    driver: row.driver,
    labels: parseMap(row.labels),
    options: parseMap(row.options),
    createdAt: row.created_at,
    anonymous: row.anonymous === 1,
  };
}

/**
 * The daemon is the only writer, so ready volumes are also kept in memory
 * (loaded once, updated by every write here): lists and lookups never touch
 * SQLite, and callers may cache per Volume object (they are immutable).
 */
export class VolumeRepository {
  private cache: Map<string, Volume> | undefined;

  constructor(private readonly db: Db) {}

  private ready(): Map<string, Volume> {
    if (!this.cache) {
      const rows = this.db.prepare("SELECT * FROM volumes WHERE state = 'ready' ORDER BY name").all() as VolumeRow[];
      this.cache = new Map(rows.map((r) => [r.name, toVolume(r)]));
    }
    return this.cache;
  }

  get(name: string): Volume | undefined {
    return this.ready().get(name);
  }

  /** In creation order (clients sort for display). */
  list(): Volume[] {
    return [...this.ready().values()];
  }

  /** Rows of every state, for start-up reconciliation. */
  listWithState(): Array<{ volume: Volume; state: VolumeState }> {
    const rows = this.db.prepare('SELECT * FROM volumes').all() as VolumeRow[];
    return rows.map((r) => ({ volume: toVolume(r), state: r.state }));
  }

  exists(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM volumes WHERE name = ?').get(name) !== undefined;
  }

  insertCreating(v: Volume): void {
    this.db
      .prepare(
        "INSERT INTO volumes (name, driver, labels, options, created_at, anonymous, state) VALUES (?, ?, ?, ?, ?, ?, 'creating')",
      )
      .run(
        v.name,
        v.driver,
        v.labels === null ? null : JSON.stringify(v.labels),
        v.options === null ? null : JSON.stringify(v.options),
        v.createdAt,
        v.anonymous ? 1 : 0,
      );
  }

  markReady(name: string): void {
    this.db.prepare("UPDATE volumes SET state = 'ready' WHERE name = ?").run(name);
    const row = this.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as VolumeRow | undefined;
    if (row && this.cache) this.cache.set(name, toVolume(row));
  }

  delete(name: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM volume_users WHERE volume = ?').run(name);
      this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
    })();
    this.cache?.delete(name);
  }

  // --- users (containers referencing a volume) ---

  usersOf(name: string): string[] {
    return (
      this.db.prepare('SELECT container_id FROM volume_users WHERE volume = ? ORDER BY rowid').all(name) as Array<{
        container_id: string;
      }>
    ).map((r) => r.container_id);
  }

  userCounts(): Map<string, number> {
    const rows = this.db.prepare('SELECT volume, COUNT(*) AS n FROM volume_users GROUP BY volume').all() as Array<{
      volume: string;
      n: number;
    }>;
    return new Map(rows.map((r) => [r.volume, r.n]));
  }

  addUser(name: string, containerId: string): void {
    this.db.prepare('INSERT OR IGNORE INTO volume_users (volume, container_id) VALUES (?, ?)').run(name, containerId);
  }

  removeUsersOf(containerId: string): void {
    this.db.prepare('DELETE FROM volume_users WHERE container_id = ?').run(containerId);
  }

  // --- mount holders (reference counts of driver mounts) ---

  holdersOf(name: string): string[] {
    return (
      this.db.prepare('SELECT holder FROM volume_mount_holders WHERE volume = ?').all(name) as Array<{ holder: string }>
    ).map((r) => r.holder);
  }

  allHolders(): Array<{ volume: string; holder: string }> {
    return this.db.prepare('SELECT volume, holder FROM volume_mount_holders').all() as Array<{
      volume: string;
      holder: string;
    }>;
  }

  /** Returns the number of holders after adding. */
  addHolder(name: string, holder: string): number {
    this.db.prepare('INSERT OR IGNORE INTO volume_mount_holders (volume, holder) VALUES (?, ?)').run(name, holder);
    return this.holdersOf(name).length;
  }

  /** Returns the number of holders left. */
  removeHolder(name: string, holder: string): number {
    this.db.prepare('DELETE FROM volume_mount_holders WHERE volume = ? AND holder = ?').run(name, holder);
    return this.holdersOf(name).length;
  }

  clearHolders(name: string): void {
    this.db.prepare('DELETE FROM volume_mount_holders WHERE volume = ?').run(name);
  }
}
