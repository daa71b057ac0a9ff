import type { FastEncoding } from './fast-decode.js';

/** A batch for a decode worker: the encoded images back to back in one transferred buffer. */
export interface DecodeRequest {
  readonly id: number;
  readonly encoding: FastEncoding;
  readonly channels: number;
  readonly data: Uint8Array;
  /** End offset of each image in `data`. */
  readonly ends: Uint32Array;
}

/** One image's outcome: pixels (their buffer transferred), `fallback` (decode it with sharp), or the decoder's error. */
export type DecodeResult =
  | { readonly kind: 'ok'; readonly pixels: Uint8Array; readonly width: number; readonly height: number }
  | { readonly kind: 'fallback' }
  | { readonly kind: 'error'; readonly message: string };

/** A decode worker's answer to the request of the same `id`, results in request order. */
export interface DecodeResponse {
  readonly id: number;
  readonly results: readonly DecodeResult[];
}
