import { InvalidParameterError } from '../core/errors.js';

/** TensorFlow's `compression_type`, plus `auto` (by file name, then by magic bytes). */
export type Compression = 'auto' | 'none' | 'gzip' | 'zlib';

const COMPRESSIONS: readonly Compression[] = ['auto', 'none', 'gzip', 'zlib'];

/** Parse a `--compression` style value. */
export function parseCompression(value: string, param = 'compression'): Compression {
  if ((COMPRESSIONS as readonly string[]).includes(value)) return value as Compression;
  throw new InvalidParameterError(param, `one of ${COMPRESSIONS.join(', ')}`, value);
}
