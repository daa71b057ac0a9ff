/** One feature of a tf.train.Example: a typed list. int64 values are bigints so that all 64 bits survive. */
export type Feature =
  | { readonly kind: 'bytes'; readonly value: readonly Uint8Array[] }
  | { readonly kind: 'float'; readonly value: readonly number[] }
  | { readonly kind: 'int64'; readonly value: readonly bigint[] };

/** A tf.train.Example as a map from feature key to feature, in wire order. */
export type Example = Record<string, Feature>;

/** The kinds of feature. */
export type FeatureKind = Feature['kind'];

/** Shared bigints for small int64 values (labels, sizes, ids): the builders and the decoder hand these out instead of allocating. */
export const SMALL_INT64: readonly bigint[] = Array.from({ length: 4096 }, (_, i) => BigInt(i));
