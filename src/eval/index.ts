export { evaluateDigits, type DigitEvaluation, type EvaluateDigitsOptions, type EvalSubject } from './evaluate.js';
export { SCORE_RULES, type DigitScore } from './digit-score.js';
export { CLASSIFIER_TRAINING, type ClassifierTraining } from './classifier-training.js';
export { featureStats, frechetDistance, type FeatureStats } from './frechet.js';
export { EVAL_HEADERS, readEvalCsv, type EvalRow } from './eval-log.js';
