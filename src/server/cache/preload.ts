import type { Catalog } from '../catalog.js';
import type { RecordReader } from './record-reader.js';

/**
 * Read the datasets into the record cache one after the other, while their sum fits (a dataset
 * that would evict another is left to be read as streams need it); one log line per dataset.
 */
export async function preloadDatasets(catalog: Catalog, reader: RecordReader, log: (line: string) => void, stop: () => boolean): Promise<void> {
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  let room = reader.capacity;
  for (const ds of catalog.datasets.values()) {
    if (stop()) return;
    if (ds.bytes > room) {
      log(`dataset ${ds.name} not preloaded: its ${mb(ds.bytes)} do not fit in the ${mb(room)} of record cache left (--cache-mb)`);
      continue;
    }
    room -= ds.bytes;
    const t0 = performance.now();
    try {
      const r = await reader.preload(ds, stop);
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      if (stop()) return;
      const bad = r.corrupt > 0 ? `; ${r.corrupt} corrupt record${r.corrupt === 1 ? '' : 's'}, streams that reach ${r.corrupt === 1 ? 'it' : 'them'} fail (first: ${r.firstError!.message})` : '';
      log(`dataset ${ds.name} preloaded: ${r.records} records, ${mb(r.bytes)} in ${seconds} s${bad}`);
    } catch (error) {
      if (stop()) return;
      log(`dataset ${ds.name} not preloaded: ${(error as Error).message}`);
    }
  }
}
