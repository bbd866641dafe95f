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
  {
    // Networks (issue 6): the networks, what each container asked to be
    // attached to (from create until rm), the live endpoint while it runs, and
    // its published ports. A unique (network, address) index is the IPAM's
    // guarantee that no address is ever handed out twice.
    version: 3,
    sql: `
      CREATE TABLE networks (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        driver      TEXT NOT NULL,          -- bridge | host | null
        created     TEXT NOT NULL,          -- RFC 3339 with nanoseconds
        builtin     INTEGER NOT NULL DEFAULT 0,  -- bridge/host/none: cannot be removed
        subnet      TEXT,                   -- CIDR (bridge driver)
        gateway     TEXT,
        ip_range    TEXT,
        user_ipam   INTEGER NOT NULL DEFAULT 0,  -- subnet given by the user (--ip allowed)
        bridge      TEXT,                   -- kernel bridge name
        internal    INTEGER NOT NULL DEFAULT 0,
        attachable  INTEGER NOT NULL DEFAULT 0,
        enable_ipv6 INTEGER NOT NULL DEFAULT 0,
        labels      TEXT NOT NULL DEFAULT '{}',
        options     TEXT NOT NULL DEFAULT '{}',
        ipam_options TEXT NOT NULL DEFAULT '{}',
        dns_port    INTEGER NOT NULL DEFAULT 0   -- where the embedded DNS listens on the gateway
      );
      CREATE TABLE network_attachments (
        container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
        network_id   TEXT NOT NULL,         -- no FK: a removed network fails the next start, as in Docker
        network_name TEXT NOT NULL,
        position     INTEGER NOT NULL,      -- eth0, eth1 … in this order
        aliases      TEXT NOT NULL DEFAULT '[]',
        ipv4_request TEXT NOT NULL DEFAULT '',
        endpoint_config TEXT NOT NULL DEFAULT '{}', -- as the client sent it (inspect shows IPAMConfig, DriverOpts)
        state        TEXT NOT NULL DEFAULT 'down' CHECK (state IN ('down', 'creating', 'up')),
        endpoint_id  TEXT,
        ip           TEXT,
        mac          TEXT,
        host_veth    TEXT,
        ifname       TEXT,
        PRIMARY KEY (container_id, network_id)
      );
      CREATE UNIQUE INDEX network_attachments_ip ON network_attachments(network_id, ip) WHERE ip IS NOT NULL;
      CREATE INDEX network_attachments_by_network ON network_attachments(network_id);
      CREATE TABLE port_mappings (
        container_id   TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
        proto          TEXT NOT NULL,
        container_port INTEGER NOT NULL,
        host_ip        TEXT NOT NULL,
        host_port      INTEGER NOT NULL,
        container_ip   TEXT NOT NULL,
        PRIMARY KEY (host_ip, proto, host_port)
      );
      CREATE INDEX port_mappings_by_container ON port_mappings(container_id);
    `,
  },
];
