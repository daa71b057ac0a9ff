// The accepted values and defaults of the converter's options, apart from mnist.ts (which loads
// sharp and the writer) so that mnist-convert --help can show them.

/** How MNIST images are stored. */
export type MnistEncoding = 'png' | 'raw';
/** The encodings, for option checks. */
export const MNIST_ENCODINGS: readonly MnistEncoding[] = ['png', 'raw'];

/** The defaults of `MnistConvertOptions` (`convertMnist`). */
export const MNIST_DEFAULTS = { partition: 'all', size: 64, format: 'png' } as const;
