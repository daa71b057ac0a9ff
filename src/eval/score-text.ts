import type { DigitClassifier } from './classifier-cache.js';
import type { DigitScore } from './digit-score.js';

/** `recognised 83.1 %, 10 digits present, entropy 2.29 nats, classifier FID 7.9` */
export function formatScore(score: DigitScore): string {
  return `recognised ${(score.recognised * 100).toFixed(1)} %, ${score.digitsPresent} digits present, entropy ${score.entropy.toFixed(2)} nats, classifier FID ${score.fid.toFixed(1)}`;
}

/** `digit classifier .../model.json (trained in 42 s | cached): 98.4 % right on 10,000 test digits` */
export function formatClassifier(classifier: DigitClassifier): string {
  const how = classifier.trained ? `trained now in ${classifier.trainSeconds.toFixed(0)} s` : 'cached';
  return `digit classifier ${classifier.path} (${how}): ${(classifier.testAccuracy * 100).toFixed(2)} % right on ${classifier.testImages.toLocaleString('en-US')} test digits`;
}
