import { compilePackageWasm, WasmHeap, type WasmHeapExports } from './wasm-heap.js';

interface TurboJpegExports extends WasmHeapExports {
  tjInitDecompress(): number;
  tjDestroy(handle: number): number;
  tjDecompressHeader3(handle: number, jpeg: number, size: number, width: number, height: number, subsamp: number, colorspace: number): number;
  tjDecompress2(handle: number, jpeg: number, size: number, dst: number, width: number, pitch: number, height: number, pixelFormat: number, flags: number): number;
}

/** TurboJPEG pixel formats (turbojpeg.h). */
const TJPF_RGB = 0;
const TJPF_GRAY = 6;

/** libjpeg's longjmp (a fatal error) unwinds the C code by a JavaScript throw of this. */
class FatalJpegError extends Error {}

/*
 * What the module imports: the C library's setjmp/longjmp (setjmp returns 0, so a fatal error
 * throws out of the C code, as @cwasm/jpeg-turbo does) and WASI calls it never makes on this path.
 */
const IMPORTS: WebAssembly.Imports = {
  env: {
    setjmp: () => 0,
    longjmp: () => {
      throw new FatalJpegError('fatal error');
    },
  },
  wasi_snapshot_preview1: {
    environ_sizes_get: () => 0,
    environ_get: () => 0,
    proc_exit: () => undefined,
    fd_close: () => 0,
    fd_seek: () => 0,
    fd_write: () => 0,
  },
};

/**
 * libjpeg-turbo (the WASM build of `@cwasm/jpeg-turbo`, whose own `decode` sets up a decompressor
 * and three mallocs per image and returns RGBA) driven directly: one decompressor and heap kept
 * across images, pixels decoded to RGB or grey straight into the caller's buffer. One per thread.
 */
export class TurboJpeg {
  private static module: WebAssembly.Module | undefined;
  private heap: WasmHeap<TurboJpegExports> | undefined;
  private handle = 0;
  private meta = 0;

  /**
   * Decode `encoded` (8-bit, 1 or 3 components, `width`×`height` as its header says) into
   * `out` as uint8 HWC with `channels` (3: RGB; 1: grey, for grey JPEGs only). Throws on corrupt
   * data, libjpeg's warnings included (truncated or damaged entropy data): never wrong pixels.
   */
  decodeInto(encoded: Uint8Array, width: number, height: number, channels: 1 | 3, out: Uint8Array): void {
    const heap = this.ready();
    const x = heap.exports;
    try {
      const src = heap.input(encoded);
      if (x.tjDecompressHeader3(this.handle, src, encoded.length, this.meta, this.meta + 4, this.meta + 8, this.meta + 12) !== 0) {
        throw new Error('libjpeg-turbo cannot read the header');
      }
      const dims = new Uint32Array(x.memory.buffer, this.meta, 2);
      const w = dims[0]!;
      const h = dims[1]!;
      if (w !== width || h !== height) throw new Error(`the image is ${h}×${w}, its header says ${height}×${width}`);
      const size = width * height * channels;
      const dst = heap.output(size);
      if (x.tjDecompress2(this.handle, src, encoded.length, dst, width, width * channels, height, channels === 3 ? TJPF_RGB : TJPF_GRAY, 0) !== 0) {
        throw new Error('libjpeg-turbo reports corrupt data');
      }
      out.set(heap.bytes(dst, size));
    } catch (error) {
      // A fatal error leaves the decompressor (and the C stack) mid-call: start afresh next time.
      if (error instanceof FatalJpegError || !(error instanceof Error)) this.heap = undefined;
      throw error instanceof FatalJpegError ? new Error('libjpeg-turbo stopped on a fatal error (corrupt or unsupported data)') : error;
    }
  }

  private ready(): WasmHeap<TurboJpegExports> {
    if (this.heap) return this.heap;
    TurboJpeg.module ??= compilePackageWasm('@cwasm/jpeg-turbo/jpeg-turbo.wasm');
    const exports = new WebAssembly.Instance(TurboJpeg.module, IMPORTS).exports as unknown as TurboJpegExports;
    const handle = exports.tjInitDecompress();
    const meta = exports.malloc(16);
    if (handle === 0 || meta === 0) throw new Error('libjpeg-turbo cannot allocate a decompressor');
    this.handle = handle;
    this.meta = meta;
    this.heap = new WasmHeap(exports);
    return this.heap;
  }
}
