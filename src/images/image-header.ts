/** What the header of an encoded image says, enough to choose a decoder. */
export interface ImageHeader {
  readonly width: number;
  readonly height: number;
  /** Colour components stored: 1 grey, 2 grey + alpha, 3 colour, 4 colour + alpha (PNG) or CMYK (JPEG). */
  readonly components: number;
  /** Bits per sample. */
  readonly bitDepth: number;
  /** PNG only: a palette image (colour type 3). */
  readonly palette: boolean;
}

/** The JPEG frame header (SOFn), or undefined when the bytes do not start like a JPEG or hold none. */
export function jpegHeader(b: Uint8Array): ImageHeader | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return undefined;
    const marker = b[p + 1]!;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    const length = (b[p + 2]! << 8) | b[p + 3]!;
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (p + 10 > b.length) return undefined;
      return { bitDepth: b[p + 4]!, height: (b[p + 5]! << 8) | b[p + 6]!, width: (b[p + 7]! << 8) | b[p + 8]!, components: b[p + 9]!, palette: false };
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame header
    p += 2 + length;
  }
  return undefined;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_COMPONENTS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/** The PNG header (IHDR), or undefined when the bytes do not start like a PNG. */
export function pngHeader(b: Uint8Array): ImageHeader | undefined {
  if (b.length < 29 || PNG_SIGNATURE.some((v, i) => b[i] !== v)) return undefined;
  if (b[12] !== 0x49 || b[13] !== 0x48 || b[14] !== 0x44 || b[15] !== 0x52) return undefined; // "IHDR"
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const components = PNG_COMPONENTS[b[25]!];
  if (components === undefined) return undefined;
  return { width: view.getUint32(16), height: view.getUint32(20), bitDepth: b[24]!, components, palette: b[25] === 3 };
}
