import { MANIFEST_FILE, parseManifest, type Manifest } from '../shards/manifest.js';
import { parseIndex, type RecordIndex } from '../tfrecord/record-index.js';
import { indexPathFor } from '../tfrecord/writer.js';
import { InvalidInputError } from '../core/errors.js';
import { IncompleteResponseError, ManifestChangedError, ProtocolError } from './errors.js';
import type { HttpClient, HttpResponse } from './http.js';
import type { ShardStore } from './shard-store.js';

/**
 * A shard set under a base URL (nginx, an S3-compatible bucket, any static server with Range
 * support). Records are fetched with single-range requests; each answer's `Content-Range` and
 * total size are checked, and a shard whose ETag changes between requests stops the read.
 */
export class HttpStore implements ShardStore {
  readonly location: string;
  private readonly base: URL;
  private readonly etags = new Map<string, string>();

  constructor(
    base: URL,
    private readonly http: HttpClient,
  ) {
    this.base = withTrailingSlash(base);
    this.location = String(this.base);
  }

  describe(name: string): string {
    return String(this.url(name));
  }

  async manifest(): Promise<Manifest> {
    const url = this.url(MANIFEST_FILE);
    return parseManifest(parseJson(await this.http.getText(url), String(url)), String(url));
  }

  async index(shard: string, size: number): Promise<RecordIndex> {
    const url = this.url(indexPathFor(shard));
    return parseIndex(await this.http.getText(url), String(url), size);
  }

  read(shard: string, offset: number, length: number, size: number): Promise<Buffer> {
    const url = this.url(shard);
    return this.http.retry(url, async () => {
      const res = await this.http.get(url, { headers: { range: `bytes=${offset}-${offset + length - 1}` } });
      try {
        this.checkRange(url, res, offset, length, size);
        this.checkEtag(shard, url, res);
      } catch (error) {
        res.body.destroy();
        throw error;
      }
      return readExactly(res, length, String(url), offset);
    });
  }

  async close(): Promise<void> {
    // The HttpClient belongs to the caller.
  }

  private url(name: string): URL {
    return new URL(encodeURIComponent(name), this.base);
  }

  private checkRange(url: URL, res: HttpResponse, offset: number, length: number, size: number): void {
    if (res.statusCode === 200) {
      // A whole-file answer is only right when the whole file was asked for.
      if (offset === 0 && length === size && Number(res.headers['content-length']) === size) return;
      throw new ProtocolError(String(url), `answered 200 with the whole file to a request for bytes ${offset}-${offset + length - 1}: the server ignores Range requests, which reading a shard set over HTTP needs (nginx, S3 and most static servers support them)`);
    }
    if (res.statusCode !== 206) throw new ProtocolError(String(url), `answered ${res.statusCode} to a Range request, expected 206`);
    const header = res.headers['content-range'];
    const m = typeof header === 'string' ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim()) : null;
    if (!m) throw new ProtocolError(String(url), `206 answer without a single-range Content-Range (got ${JSON.stringify(header ?? null)})`);
    if (Number(m[1]) !== offset || Number(m[2]) !== offset + length - 1) {
      throw new ProtocolError(String(url), `asked for bytes ${offset}-${offset + length - 1} but got ${m[1]}-${m[2]}`);
    }
    if (m[3] !== '*' && Number(m[3]) !== size) throw new ManifestChangedError(String(url), `is ${m[3]} bytes but the manifest says ${size}: the shard set changed`);
  }

  private checkEtag(shard: string, url: URL, res: HttpResponse): void {
    const etag = res.headers.etag;
    if (typeof etag !== 'string') return;
    const seen = this.etags.get(shard);
    if (seen === undefined) this.etags.set(shard, etag);
    else if (seen !== etag) throw new ManifestChangedError(String(url), `changed while being read (ETag ${seen}, now ${etag})`);
  }
}

function withTrailingSlash(url: URL): URL {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InvalidInputError(source, `invalid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** The body of a range answer into one buffer of exactly `length` bytes. */
async function readExactly(res: HttpResponse, length: number, url: string, offset: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let got = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    if (got + chunk.length > length) {
      res.body.destroy();
      throw new ProtocolError(url, `bytes ${offset}-${offset + length - 1}: the answer is longer than the range`);
    }
    chunk.copy(out, got);
    got += chunk.length;
  }
  if (got < length) throw new IncompleteResponseError(url, `bytes ${offset}-${offset + length - 1}: the answer ended after ${got} bytes`);
  return out;
}
