/**
 * The line `shard-server` prints once it listens, and the parse of it: tests, benches and the
 * demo start the bin and read its URL from this line, so it is written and read in one place.
 */

/** `shard-server listening on <url>[ (bearer token required)]`. */
export function listeningLine(url: string, tokenRequired: boolean): string {
  return `shard-server listening on ${url}${tokenRequired ? ' (bearer token required)' : ''}`;
}

/** The URL of the listening line in a server's output so far, or undefined before it. */
export function listeningUrl(output: string): string | undefined {
  return /listening on (https?:\/\/\S+)/.exec(output)?.[1];
}
