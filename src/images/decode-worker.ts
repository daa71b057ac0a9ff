import { parentPort } from 'node:worker_threads';
import type { DecodeRequest, DecodeResponse, DecodeResult } from './decode-protocol.js';
import { fastDecode } from './fast-decode.js';

/** A thread of the decode pool: decodes each batch it is sent and transfers the pixels back. */
parentPort!.on('message', (req: DecodeRequest) => {
  const results: DecodeResult[] = [];
  const transfer: ArrayBuffer[] = [];
  let start = 0;
  for (const end of req.ends) {
    const encoded = req.data.subarray(start, end);
    start = end;
    try {
      const img = fastDecode(encoded, req.encoding, req.channels);
      if (img) {
        results.push({ kind: 'ok', ...img });
        transfer.push(img.pixels.buffer as ArrayBuffer);
      } else results.push({ kind: 'fallback' });
    } catch (error) {
      results.push({ kind: 'error', message: (error as Error).message });
    }
  }
  const res: DecodeResponse = { id: req.id, results };
  parentPort!.postMessage(res, transfer);
});
