/** The volume model: what a volume is, independent of storage and wire formats. */
import { invalidArgument } from './errors.js';

export type StringMap = Readonly<Record<string, string>>;

export interface Volume {
  readonly name: string;
  readonly driver: string;
  /** null when created without labels (Docker renders `null`); {} when an empty map was sent. */
  readonly labels: StringMap | null;
  readonly options: StringMap | null;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Created without a name (64-hex); current Docker labels these, 20.10 does not. */
  readonly anonymous: boolean;
}

export interface CreateVolumeRequest {
  name?: string;
  driver?: string;
  driverOpts?: StringMap | null;
  labels?: StringMap | null;
  anonymous?: boolean;
}

const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * The local driver's name rule (moby volume/local validateName). The caller
 * prefixes "create <name>: ".
 */
export function validateLocalVolumeName(name: string): void {
  if (name.length === 1) {
    throw invalidArgument('volume name is too short, names should be at least two alphanumeric characters');
  }
  if (!VALID_NAME.test(name)) {
    throw invalidArgument(
      `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

/** The label current Docker puts on anonymous volumes; prune at API >= 1.42 keys on it. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';
