// The Example codec moved to ./example/ (issue 16, item 6). This re-export keeps the importers
// written on main while the move was in progress working across the merge; once they import
// './example/index.js' (or the module they need), delete this file.
export * from './example/index.js';
