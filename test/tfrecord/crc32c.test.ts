import { describe, expect, it } from 'vitest';
import { crc32c, crc32cImplementation, crc32cJs, maskCrc, maskedCrc32c, unmaskCrc } from '../../src/tfrecord/crc32c.js';

/** Bitwise CRC32C straight from the definition (reflected polynomial 0x82F63B78), independent of crc-32's tables. */
function referenceCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  // RFC 3720 (iSCSI), appendix B.4
  it.each([
    ['32 bytes of zeros', new Uint8Array(32), 0x8a9136aa],
    ['32 bytes of 0xff', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['32 incrementing bytes', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['32 decrementing bytes', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
    [
      'an iSCSI read command PDU',
      Uint8Array.from([
        0x01, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0x14, 0, 0, 0, 0x18, 0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
      ]),
      0xd9963a56,
    ],
  ])('matches the RFC 3720 vector for %s', (_name, data, expected) => {
    expect(crc32c(data)).toBe(expected);
    expect(crc32cJs(data)).toBe(expected);
  });

  it('agrees with a bitwise CRC32C on random lengths, native and JavaScript alike', () => {
    let seed = 7;
    for (let len = 0; len < 5000; len += len < 300 ? 13 : 997) {
      const data = Uint8Array.from({ length: len }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
      expect(crc32c(data)).toBe(referenceCrc32c(data));
      expect(crc32cJs(data)).toBe(referenceCrc32c(data));
    }
  });

  it('uses the native CRC32C where @node-rs/crc32 loads (it does on this project\'s machines)', () => {
    expect(crc32cImplementation).toBe('native');
  });

  it('masks as TensorFlow does and unmasks back', () => {
    const crc = crc32c(Buffer.from('hello'));
    expect(maskCrc(crc)).toBe((((crc >>> 15) | ((crc << 17) >>> 0)) + 0xa282ead8) % 2 ** 32);
    expect(unmaskCrc(maskCrc(crc))).toBe(crc);
    expect(maskedCrc32c(Buffer.from('hello'))).toBe(maskCrc(crc));
    expect(maskCrc(0)).toBe(0xa282ead8);
  });
});
