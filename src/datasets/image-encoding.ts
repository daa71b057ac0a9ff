/** How converted images are stored. */
export type ImageEncoding = 'jpeg' | 'png' | 'raw';
/** The encodings, for option checks. */
export const IMAGE_ENCODINGS: readonly ImageEncoding[] = ['jpeg', 'png', 'raw'];
