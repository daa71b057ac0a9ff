import { Counter, Gauge, Histogram, MetricsRegistry } from '../core/metrics.js';

/** The metrics one shard server keeps (names are documented in docs/server.md). */
export interface ServerMetrics {
  readonly registry: MetricsRegistry;
  readonly requests: Counter;
  readonly responseBytes: Counter;
  readonly requestSeconds: Histogram;
  readonly streamRecords: Counter;
  readonly streamBatches: Counter;
  readonly streamsActive: Gauge;
  readonly streamsRejected: Counter;
  readonly streamErrors: Counter;
  readonly cacheHits: Counter;
  readonly cacheMisses: Counter;
  readonly diskReadBytes: Counter;
  readonly imageCacheHits: Counter;
  readonly decodedImages: Counter;
  readonly decodeSeconds: Histogram;
}

/** Create the server's metrics; `cache` reports the record cache's size at scrape time. */
export function createServerMetrics(cache: { readonly bytes: number; readonly size: number }, images: { readonly bytes: number; readonly size: number } = { bytes: 0, size: 0 }): ServerMetrics {
  const registry = new MetricsRegistry();
  const r = <M extends Counter | Gauge | Histogram>(m: M): M => registry.register(m);
  const metrics: ServerMetrics = {
    registry,
    requests: r(new Counter('shardstream_http_requests_total', 'HTTP requests answered, by route, method and status.', ['route', 'method', 'status'])),
    responseBytes: r(new Counter('shardstream_http_response_bytes_total', 'Bytes written to clients (headers included), by route.', ['route'])),
    requestSeconds: r(new Histogram('shardstream_http_request_duration_seconds', 'Time from request to the end of the response, by route.', [0.001, 0.01, 0.1, 1, 10, 60, 600], ['route'])),
    streamRecords: r(new Counter('shardstream_stream_records_total', 'Records sent in streams, by dataset and format.', ['dataset', 'format'])),
    streamBatches: r(new Counter('shardstream_stream_batches_total', 'Batches sent in streams, by dataset and format.', ['dataset', 'format'])),
    streamsActive: r(new Gauge('shardstream_streams_active', 'Streams being sent now.')),
    streamsRejected: r(new Counter('shardstream_streams_rejected_total', 'Streams refused with 503 because the cap on concurrent streams was reached.')),
    streamErrors: r(new Counter('shardstream_stream_errors_total', 'Streams that ended early, by reason (client_gone, stalled, bad_data, internal).', ['reason'])),
    cacheHits: r(new Counter('shardstream_record_cache_hits_total', 'Records served from the shared record cache (or from a read already in flight).')),
    cacheMisses: r(new Counter('shardstream_record_cache_misses_total', 'Records read from disk.')),
    diskReadBytes: r(new Counter('shardstream_disk_read_bytes_total', 'Bytes read from shard files for streams and --preload.')),
    imageCacheHits: r(new Counter('shardstream_image_cache_hits_total', 'Images of tensor batches found decoded in the image cache.')),
    decodedImages: r(new Counter('shardstream_decoded_images_total', 'Images decoded for format=tensor (image cache misses), by encoding.', ['encoding'])),
    decodeSeconds: r(new Histogram('shardstream_decode_seconds', 'Wall time to decode the images of one tensor batch that were not in the image cache.', [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10])),
  };
  r(new Gauge('shardstream_record_cache_bytes', 'Bytes held by the record cache.', () => cache.bytes));
  r(new Gauge('shardstream_record_cache_entries', 'Records held by the record cache.', () => cache.size));
  r(new Gauge('shardstream_image_cache_bytes', 'Bytes of pixels held by the image cache.', () => images.bytes));
  r(new Gauge('process_resident_memory_bytes', 'Resident set size of the server process.', () => process.memoryUsage.rss()));
  return metrics;
}
