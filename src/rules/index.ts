export { predict, rangeFor, PredictError } from './predict.js';
export { Case, Cases, type CaseInput, type Outcome } from './case.js';
