import { parentPort } from 'node:worker_threads';
import { crc32c } from '../tfrecord/crc32c.js';
import { DecodeKind, type DecodeRequest, type DecodeResponse } from './decode-protocol.js';
import { fastDecodeInto, fastHeader } from './fast-decode.js';
import type { ImageHeader } from './image-header.js';

/**
 * A thread of the decode pool: decodes each batch it is sent into one pixel buffer (the one the
 * request brought when it is large enough) and transfers it back with the request's own buffer.
 */
parentPort!.on('message', (req: DecodeRequest) => {
  const n = req.ends.length;
  const kinds = new Uint8Array(n);
  const layout = new Uint32Array(3 * n);
  const headers: (ImageHeader | undefined)[] = new Array<ImageHeader | undefined>(n);
  const errors: Record<number, string> = {};
  const image = (i: number): Uint8Array => req.data.subarray(i === 0 ? 0 : req.ends[i - 1]!, req.ends[i]!);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const h = (headers[i] = fastHeader(image(i), req.encoding, req.channels));
    if (!h) {
      kinds[i] = DecodeKind.Fallback;
      continue;
    }
    layout[3 * i] = h.width;
    layout[3 * i + 1] = h.height;
    layout[3 * i + 2] = total;
    total += h.width * h.height * req.channels;
  }
  // With some slack, so that the buffer serves later batches of a slightly different make-up.
  const out = req.out && req.out.byteLength >= total ? req.out : new ArrayBuffer(Math.ceil(total * 1.125));
  const crcs = req.crc ? new Uint32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const h = headers[i];
    if (!h) continue;
    const pixels = new Uint8Array(out, layout[3 * i + 2]!, h.width * h.height * req.channels);
    try {
      fastDecodeInto(image(i), req.encoding, h, req.channels, pixels);
      if (crcs) crcs[i] = crc32c(pixels);
    } catch (error) {
      kinds[i] = DecodeKind.Error;
      errors[i] = (error as Error).message;
    }
  }
  const res: DecodeResponse = { id: req.id, data: req.data, pixels: out, kinds, layout, crcs, errors };
  parentPort!.postMessage(res, [req.data.buffer as ArrayBuffer, out]);
});
