/** Mount syntax, parsed once at the edge: the public surface of src/domain/mounts. */
export * from './api-types.js';
export * from './spec.js';
export { isValidMountMode, modeIsReadWrite, modePropagation, modeHasNoCopy } from './modes.js';
export { parseVolumeFlagClient, parseVolumeFlagsClient, splitVolumeFlag, type VolumeFlagResult, type VolumeFlagParts } from './volume-flag.js';
export { parseMountFlagClient, mountApiVersionError, BIND_NONRECURSIVE_WARNING, type ParsedMountFlag } from './mount-flag.js';
export {
  parseTmpfsFlagClient,
  parseTmpfsFlagsClient,
  validateTmpfsDestination,
  parseTmpfsMap,
  tmpfsOptionsReadOnly,
  mergeTmpfsOptionList,
  mergeTmpfsOptions,
  tmpfsOptionsFromApi,
  TMPFS_DEFAULT_OPTIONS,
} from './tmpfs.js';
export { parseBind, bindToApiMount } from './bind.js';
export {
  validateApiMount,
  mountConfigError,
  mountConfigMessage,
  mountSpecFromApi,
  bindSourceMissingError,
  type ValidatedApiMount,
} from './validate.js';
export { parseVolumesFrom, inheritMounts, type VolumesFromSpec } from './volumes-from.js';
export {
  collectMounts,
  verifyMountSettings,
  effectiveMounts,
  sortMounts,
  bindNeedsSlavePropagation,
  type CollectMountsInput,
  type CollectedMounts,
} from './collect.js';
export { mountDepth, ERR_TARGET_IS_ROOT } from './paths.js';
export { readCsvRecord, CsvParseError } from './csv.js';
