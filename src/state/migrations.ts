/** Ordered schema migrations. Never edit an applied one: append a new version. */
export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE volumes (
        name        TEXT PRIMARY KEY,
        driver      TEXT NOT NULL,
        labels      TEXT,            -- JSON object, or NULL (Docker's "Labels": null)
        options     TEXT,            -- JSON object, or NULL
        created_at  INTEGER NOT NULL, -- ms since epoch
        anonymous   INTEGER NOT NULL DEFAULT 0,
        -- 'creating' until the directory exists: an incomplete marker cleared last.
        state       TEXT NOT NULL CHECK (state IN ('creating', 'ready'))
      );
      -- Who holds a volume's driver mount (containers, copy-up, backups). The
      -- device is mounted while at least one holder exists.
      CREATE TABLE volume_mount_holders (
        volume  TEXT NOT NULL REFERENCES volumes(name) ON DELETE CASCADE,
        holder  TEXT NOT NULL,
        PRIMARY KEY (volume, holder)
      );
      -- Which containers reference which volumes (any state): "in use" and "dangling".
      CREATE TABLE volume_users (
        volume        TEXT NOT NULL REFERENCES volumes(name),
        container_id  TEXT NOT NULL,
        PRIMARY KEY (volume, container_id)
      );
      CREATE INDEX volume_users_by_container ON volume_users(container_id);
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE containers (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,   -- with its leading "/"
        created     TEXT NOT NULL,          -- RFC 3339 with nanoseconds, as Docker shows it
        image_id    TEXT NOT NULL,          -- sha256:<hex>
        image_ref   TEXT NOT NULL,          -- what the user asked for ("busybox")
        config      TEXT NOT NULL,          -- JSON: Docker's Config
        host_config TEXT NOT NULL,          -- JSON: Docker's HostConfig (normalised)
        mounts      TEXT NOT NULL,          -- JSON: resolved mount points
        state       TEXT NOT NULL,          -- JSON: Docker's State
        runtime     TEXT NOT NULL,
        restart_count INTEGER NOT NULL DEFAULT 0,
        extra       TEXT NOT NULL DEFAULT '{}' -- JSON: engine bookkeeping (conmon pid, paths …)
      );
    `,
  },
];
