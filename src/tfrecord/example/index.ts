// The tf.train.Example codec (DESIGN §2): its types and builders, the hand-written encoder and
// decoder, typed access to one feature, and the canonical JSON form.
export type { Example, Feature, FeatureKind } from './types.js';
export { bytesFeature, floatFeature, int64Feature } from './build.js';
export { encodeExample } from './encode.js';
export { decodeExample } from './decode.js';
export { getBytes, getBytesList, getFloatList, getInt, getInt64List, getString } from './field.js';
export { exampleToJson, exampleTypes } from './json.js';
