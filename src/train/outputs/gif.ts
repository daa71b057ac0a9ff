import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { InvalidInputError } from '../../core/errors.js';

/** Join same-sized PNG frames (e.g. the epoch grids) into an animated, looping GIF. */
export async function writeAnimatedGif(path: string, framePaths: readonly string[], options: { delayMs?: number } = {}): Promise<void> {
  if (framePaths.length === 0) return;
  const frames = await Promise.all(framePaths.map((p) => sharp(p).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })));
  const { width, height } = frames[0]!.info;
  const stacked = Buffer.concat(
    frames.map((f, i) => {
      if (f.info.width !== width || f.info.height !== height) throw new InvalidInputError(framePaths[i]!, `frame is ${f.info.width}×${f.info.height}, the first is ${width}×${height}`);
      return f.data;
    }),
  );
  await mkdir(dirname(path), { recursive: true });
  await sharp(stacked, { raw: { width, height: height * frames.length, channels: 3, pageHeight: height } })
    .gif({ delay: framePaths.map(() => options.delayMs ?? 500), loop: 0 })
    .toFile(path);
}
