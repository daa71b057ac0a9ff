import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hex sha256 of the whole file at `path` (streamed: memory does not grow with the file). */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
