/**
 * Test helper: send exact request bytes over TCP (no client-side URL normalisation) and read
 * the whole response. For traversal and malformed-request tests.
 *
 * ```ts
 * const res = await rawRequest(server.url, 'GET /v1/shards/..%2fmanifest.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
 * res.status; res.headers['content-type']; res.body
 * ```
 */
import { connect } from 'node:net';

/** A parsed raw response (the body is left as sent: chunked encoding is not undone). */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly raw: Buffer;
}

/** Send `request` to the host and port of `baseUrl`; resolves when the server closes the connection. */
export function rawRequest(baseUrl: string, request: string | Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`rawRequest: no end of response after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, split < 0 ? raw.length : split).toString('latin1');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: split < 0 ? Buffer.alloc(0) : raw.subarray(split + 4), raw });
    });
    socket.write(request);
  });
}
