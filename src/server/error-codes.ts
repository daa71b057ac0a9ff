/**
 * Every error code a shard-server response can carry in `{"error": {"code", "param", "message"}}`,
 * with its HTTP status. docs/server.md documents each one (a test checks that).
 */
export const ERROR_CODES = {
  ERR_INVALID_PARAMETER: { status: 400, what: 'a query parameter has a bad value (wrong type, out of range, unknown dataset or partition)' },
  ERR_MISSING_PARAMETER: { status: 400, what: 'a required query parameter is absent' },
  ERR_UNKNOWN_PARAMETER: { status: 400, what: 'the query has a parameter the route does not know' },
  ERR_BAD_REQUEST: { status: 400, what: 'the request itself is malformed (bad URL encoding, a body where none is expected, ...); the status may be another 4xx' },
  ERR_UNAUTHORIZED: { status: 401, what: 'a token is configured and the request has no or a wrong `Authorization: Bearer` token' },
  ERR_NOT_FOUND: { status: 404, what: 'no such route, dataset or file (only names listed in a manifest are served)' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, what: '`CONNECT` (this is no proxy); the `Allow` header lists the methods served' },
  ERR_REQUEST_TIMEOUT: { status: 408, what: 'the request did not arrive whole within `--request-timeout`' },
  ERR_PRECONDITION_FAILED: { status: 412, what: '`If-Match` or `If-Unmodified-Since` did not hold' },
  ERR_URI_TOO_LONG: { status: 414, what: 'a path segment is longer than the server accepts' },
  ERR_HEADERS_TOO_LARGE: { status: 431, what: 'the request line and headers are larger than the server accepts (16 KiB)' },
  ERR_RANGE_NOT_SATISFIABLE: { status: 416, what: 'no range of the `Range` header overlaps the file' },
  ERR_INTERNAL: { status: 500, what: 'the server failed (details are in its log, never in the response)' },
  ERR_BAD_DATA: { status: 500, what: 'a record of the shard set is corrupt or its image does not match the manifest' },
  ERR_TOO_MANY_STREAMS: { status: 503, what: 'the cap on concurrent streams is reached; retry after `Retry-After` seconds' },
  ERR_SHUTTING_DOWN: { status: 503, what: 'the server is closing' },
} as const satisfies Record<string, { status: number; what: string }>;

/** A stable error code of the HTTP API. */
export type ErrorCode = keyof typeof ERROR_CODES;
