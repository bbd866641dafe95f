/** Public surface of the archive package. */
export { BLOCK, makeHeader, TarFormatError, type EntryType, type TarHeader } from './tar-format.js';
export { readTar, type ReadTarOptions, type TarEntry } from './tar-reader.js';
export { encodeEntry, encodeTar, tarStream, type TarBody, type TarWriteEntry } from './tar-writer.js';
export { decompress, detectCompression, peek, throughTool, type Compression } from './compression.js';
export { cleanEntryName, resolveFollowInRoot, resolveInRoot, symlinkEscapes, UnsafePathError, type CleanOptions } from './paths.js';
export {
  extractTar,
  OPAQUE_WHITEOUT,
  OVERLAY_OPAQUE_XATTR,
  WHITEOUT_PREFIX,
  type ExtractOptions,
  type ExtractResult,
} from './extract.js';
export { packDirectory, deviceNumbers, type PackOptions } from './pack.js';
export { getXattr, getXattrs, setXattrs, type XattrSet } from './xattr.js';
export { makeNodes, type NodeSpec } from './devices.js';
export { UnexpectedEof } from './byte-reader.js';
export { hashingTap, sha256Digest, type Digest } from './digest.js';
