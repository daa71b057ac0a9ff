/** Shared bits of the stream tests: fetch a stream, read its records and their ids. */
import { request } from 'undici';
import { decodeExample, getInt } from '../../src/tfrecord/example/index.js';
import { readAllRecords } from '../../src/tfrecord/reader.js';

export interface StreamResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** GET /v1/stream with `params`, the whole body read. */
export async function fetchStream(baseUrl: string, params: Record<string, string | number | boolean>, headers: Record<string, string> = {}): Promise<StreamResponse> {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  const res = await request(`${baseUrl}/v1/stream?${qs}`, { headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers as Record<string, string>, body };
}

/** The records of a TFRecord body (CRC-checked). */
export function recordsOf(body: Buffer): Promise<Buffer[]> {
  return readAllRecords(body);
}

/** The `synth/id` (manifest-order id) of each record of a records-format body. */
export async function synthIds(body: Buffer): Promise<number[]> {
  return (await recordsOf(body)).map((r) => getInt(decodeExample(r), 'synth/id'));
}
