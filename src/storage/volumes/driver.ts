/**
 * The contract between the engine and a volume driver. The engine owns
 * state and reference counts; a driver only validates options and mounts.
 */
export type VolumeOptions = Readonly<Record<string, string>>;

export interface VolumeRef {
  readonly name: string;
  /** <root>/volumes/<name>/_data */
  readonly dataPath: string;
  readonly options: VolumeOptions | null;
}

export interface VolumeDriver {
  readonly name: string;
  /** Throws EngineError WITHOUT the "create <name>: " prefix (the engine adds it). */
  validateCreate(options: VolumeOptions | null): void;
  /**
   * True when the volume's data lives on something that must be mounted
   * (type/device/o given, or ballast's size-limited volumes).
   */
  needsMount(options: VolumeOptions | null): boolean;
  /**
   * Mounts the device onto dataPath; idempotent if already mounted correctly
   * (a wrong mount found there is replaced). Throws EngineError('internal')
   * with Docker's text ("failed to mount local volume: mount …: <errno>");
   * the engine adds "error while mounting volume '<dataPath>': " at start.
   * A failed mount leaves nothing behind.
   */
  mount(vol: VolumeRef): Promise<void>;
  /** Idempotent. Detaches loop devices the driver attached. */
  unmount(vol: VolumeRef): Promise<void>;
  /** From /proc/self/mountinfo. */
  isMounted(vol: VolumeRef): boolean;
  /**
   * Optional: deletes what the driver keeps next to `_data` (the local
   * driver's size-limited image). Called on volume removal, after unmount.
   * Never touches a bind source or a user's device.
   */
  remove?(vol: VolumeRef): Promise<void>;
}
