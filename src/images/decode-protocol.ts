import type { FastEncoding } from './fast-decode.js';

/** A batch for a decode worker: the encoded images back to back in one transferred buffer. */
export interface DecodeRequest {
  readonly id: number;
  readonly encoding: FastEncoding;
  readonly channels: number;
  /** The encoded images (its buffer is transferred, and comes back in the response for reuse). */
  readonly data: Uint8Array;
  /** End offset of each image in `data`. */
  readonly ends: Uint32Array;
  /** Compute the CRC-32C of each decoded image (the server's tensor records need them). */
  readonly crc: boolean;
  /** A buffer for the pixels from an earlier response (transferred), used when it is large enough. */
  readonly out: ArrayBuffer | undefined;
}

/** What a worker found for one image. */
export const DecodeKind = {
  Ok: 0,
  /** The small-image path does not handle it: decode it with sharp. */
  Fallback: 1,
  Error: 2,
} as const;

/** A decode worker's answer to the request of the same `id`, in request order. */
export interface DecodeResponse {
  readonly id: number;
  /** The request's `data`, back for the next request. */
  readonly data: Uint8Array;
  /** The decoded images back to back (transferred). */
  readonly pixels: ArrayBuffer;
  /** {@link DecodeKind} of each image. */
  readonly kinds: Uint8Array;
  /** Width, height and byte offset in `pixels` of each image (3 numbers per image; 0 unless ok). */
  readonly layout: Uint32Array;
  /** CRC-32C of each image's pixels when requested (0 unless ok). */
  readonly crcs: Uint32Array | undefined;
  /** The decoder's message for each image that failed, by index. */
  readonly errors: Readonly<Record<number, string>>;
}

/** One image's outcome: pixels, `fallback` (decode it with sharp), or the decoder's error. */
export type DecodeResult =
  | { readonly kind: 'ok'; readonly pixels: Uint8Array; readonly width: number; readonly height: number }
  | { readonly kind: 'fallback' }
  | { readonly kind: 'error'; readonly message: string };
