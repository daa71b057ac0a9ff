// runBin moved to test/helpers/run-bin.ts (issue 16, item 7). This re-export keeps the test files
// written on main while the move was in progress working across the merge; once they import
// '../helpers/run-bin.js', delete this file.
export { runBin, type BinResult } from '../helpers/run-bin.js';
