import { compilePackageWasm, WasmHeap, type WasmHeapExports } from './wasm-heap.js';

interface LodePngExports extends WasmHeapExports {
  lodepng_decode32(out: number, width: number, height: number, png: number, size: number): number;
}

/**
 * lodepng (the WASM build of `@cwasm/lodepng`) driven directly: the input goes into a region kept
 * across images and the RGBA it decodes is converted to RGB or grey straight into the caller's
 * buffer (the package's `decode` copies it to a fresh RGBA array first). One per thread.
 */
export class LodePng {
  private static module: WebAssembly.Module | undefined;
  private heap: WasmHeap<LodePngExports> | undefined;
  private meta = 0;

  /**
   * Decode `encoded` (8-bit, `width`×`height` as its header says) into `out` as uint8 HWC with
   * `channels` (3: RGB, alpha dropped; 1: grey, for grey PNGs only). Throws on corrupt data.
   */
  decodeInto(encoded: Uint8Array, width: number, height: number, channels: 1 | 3, out: Uint8Array): void {
    const heap = this.ready();
    const x = heap.exports;
    const error = x.lodepng_decode32(this.meta, this.meta + 4, this.meta + 8, heap.input(encoded), encoded.length);
    if (error !== 0) throw new Error(`lodepng error ${error}`);
    const [pointer, w, h] = new Uint32Array(x.memory.buffer, this.meta, 3);
    try {
      if (w !== width || h !== height) throw new Error(`the image is ${h}×${w}, its header says ${height}×${width}`);
      const rgba = heap.bytes(pointer!, width * height * 4);
      const n = width * height * channels;
      if (channels === 1) {
        for (let i = 0, j = 0; j < n; i += 4) out[j++] = rgba[i]!;
      } else {
        for (let i = 0, j = 0; j < n; i += 4) {
          out[j++] = rgba[i]!;
          out[j++] = rgba[i + 1]!;
          out[j++] = rgba[i + 2]!;
        }
      }
    } finally {
      x.free(pointer!);
    }
  }

  private ready(): WasmHeap<LodePngExports> {
    if (this.heap) return this.heap;
    LodePng.module ??= compilePackageWasm('@cwasm/lodepng/lodepng.wasm');
    const exports = new WebAssembly.Instance(LodePng.module).exports as unknown as LodePngExports;
    this.meta = exports.malloc(12);
    if (this.meta === 0) throw new Error('lodepng cannot allocate');
    this.heap = new WasmHeap(exports);
    return this.heap;
  }
}
