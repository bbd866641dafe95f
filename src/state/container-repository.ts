/** Rows of the containers table <-> container records. */
import type { Db } from './database.js';
import type { ContainerConfig, ContainerState, HostConfig } from '../domain/container.js';

/** A resolved mount as the engine stored it at create time (JSON). */
export type StoredMount = Record<string, unknown>;

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  imageId: string;
  imageRef: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  mounts: StoredMount[];
  state: ContainerState;
  runtime: string;
  restartCount: number;
  extra: Record<string, unknown>;
}

interface Row {
  id: string;
  name: string;
  created: string;
  image_id: string;
  image_ref: string;
  config: string;
  host_config: string;
  mounts: string;
  state: string;
  runtime: string;
  restart_count: number;
  extra: string;
}

function toRecord(r: Row): ContainerRecord {
  return {
    id: r.id,
    name: r.name,
    created: r.created,
    imageId: r.image_id,
    imageRef: r.image_ref,
    config: JSON.parse(r.config) as ContainerConfig,
    hostConfig: JSON.parse(r.host_config) as HostConfig,
    mounts: JSON.parse(r.mounts) as StoredMount[],
    state: JSON.parse(r.state) as ContainerState,
    runtime: r.runtime,
    restartCount: r.restart_count,
    extra: JSON.parse(r.extra) as Record<string, unknown>,
  };
}

export class ContainerRepository {
  constructor(private readonly db: Db) {}

  insert(c: ContainerRecord): void {
    this.db
      .prepare(
        `INSERT INTO containers (id, name, created, image_id, image_ref, config, host_config, mounts, state, runtime, restart_count, extra)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        c.id,
        c.name,
        c.created,
        c.imageId,
        c.imageRef,
        JSON.stringify(c.config),
        JSON.stringify(c.hostConfig),
        JSON.stringify(c.mounts),
        JSON.stringify(c.state),
        c.runtime,
        c.restartCount,
        JSON.stringify(c.extra),
      );
  }

  get(id: string): ContainerRecord | undefined {
    const r = this.db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as Row | undefined;
    return r && toRecord(r);
  }

  byName(name: string): ContainerRecord | undefined {
    const r = this.db.prepare('SELECT * FROM containers WHERE name = ?').get(name) as Row | undefined;
    return r && toRecord(r);
  }

  /** Ids starting with `prefix` (for short-id lookups). */
  idsWithPrefix(prefix: string): string[] {
    return (
      this.db.prepare("SELECT id FROM containers WHERE id LIKE ? || '%'").all(prefix) as Array<{ id: string }>
    ).map((r) => r.id);
  }

  list(): ContainerRecord[] {
    return (this.db.prepare('SELECT * FROM containers ORDER BY created DESC').all() as Row[]).map(toRecord);
  }

  updateState(id: string, state: ContainerState, extra?: Record<string, unknown>): void {
    if (extra) {
      this.db.prepare('UPDATE containers SET state = ?, extra = ? WHERE id = ?').run(JSON.stringify(state), JSON.stringify(extra), id);
    } else {
      this.db.prepare('UPDATE containers SET state = ? WHERE id = ?').run(JSON.stringify(state), id);
    }
  }

  updateExtra(id: string, extra: Record<string, unknown>): void {
    this.db.prepare('UPDATE containers SET extra = ? WHERE id = ?').run(JSON.stringify(extra), id);
  }

  incrementRestartCount(id: string): void {
    this.db.prepare('UPDATE containers SET restart_count = restart_count + 1 WHERE id = ?').run(id);
  }

  rename(id: string, name: string): void {
    this.db.prepare('UPDATE containers SET name = ? WHERE id = ?').run(name, id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  }

  /** Runs `fn` in one transaction (used to insert a container with its volume references). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
