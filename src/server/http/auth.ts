import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../api-error.js';

/** `WWW-Authenticate` challenge of a 401. */
export const AUTH_REALM = 'Bearer realm="shardstream"';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * A checker of `Authorization: Bearer <token>` headers. The comparison is constant-time: both
 * sides are hashed to 32 bytes and compared with timingSafeEqual, so neither the token's length
 * nor its content leaks through timing.
 */
export function bearerChecker(token: string): (authorization: string | undefined) => void {
  const expected = digest(token);
  return (authorization) => {
    const m = authorization === undefined ? null : /^Bearer[ \t]+([^ \t].*?)[ \t]*$/i.exec(authorization);
    if (!m) {
      throw new ApiError('ERR_UNAUTHORIZED', 'This server needs an Authorization: Bearer <token> header', { headers: { 'www-authenticate': AUTH_REALM } });
    }
    if (!timingSafeEqual(digest(m[1]!), expected)) {
      throw new ApiError('ERR_UNAUTHORIZED', 'The bearer token is not valid', { headers: { 'www-authenticate': `${AUTH_REALM}, error="invalid_token"` } });
    }
  };
}
