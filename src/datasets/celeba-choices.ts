// The accepted values and defaults of the converter's options, apart from celeba.ts and
// celeba-features.ts (which load sharp, the writer and the Example codec) so that
// celeba-convert --help can show them.

/** The CelebA image folders under `Img/`. */
export const CELEBA_IMAGE_TYPES = ['img_celeba', 'img_align_celeba', 'img_align_celeba_png'] as const;
/** A CelebA image folder. */
export type CelebaImageType = (typeof CELEBA_IMAGE_TYPES)[number];

/** `canonical`: DESIGN §3 keys; `seed`: the keys the reference Python loader parses. */
export type CelebaLayout = 'canonical' | 'seed';
/** The layouts, for option checks. */
export const CELEBA_LAYOUTS: readonly CelebaLayout[] = ['canonical', 'seed'];

/** The defaults of `CelebaConvertOptions` (`convertCeleba`). */
export const CELEBA_DEFAULTS = {
  partition: 'all',
  imageType: 'img_celeba',
  bbox: false,
  size: 64,
  format: 'jpeg',
  quality: 95,
  layout: 'canonical',
} as const;
