import { ApiError, invalidParameter } from '../api-error.js';
import type { Catalog, Dataset } from '../catalog.js';

/** A parsed query string as fastify gives it (a repeated name becomes an array). */
export type Query = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The single string value of each parameter, after checking that every name is one of
 * `allowed` and none is repeated.
 */
export function singleValues(query: Query, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (!allowed.includes(name)) {
      const known = allowed.length === 0 ? 'this route takes no parameters' : `known: ${allowed.join(', ')}`;
      throw new ApiError('ERR_UNKNOWN_PARAMETER', `Unknown parameter ${JSON.stringify(name)} (${known})`, { param: name });
    }
    if (typeof value !== 'string') throw invalidParameter(name, 'a single value', value);
    out.set(name, value);
  }
  return out;
}

/** An integer parameter in [min, max] written as decimal digits; `fallback` when absent. */
export function integerParam(values: Map<string, string>, name: string, min: number, max: number, fallback?: number): number {
  const raw = values.get(name);
  if (raw === undefined) {
    if (fallback === undefined) throw new ApiError('ERR_MISSING_PARAMETER', `Missing parameter ${name}: an integer from ${min} to ${max}`, { param: name });
    return fallback;
  }
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw invalidParameter(name, `an integer from ${min} to ${max}`, raw);
  return n;
}

/** A boolean parameter: `true`/`1` or `false`/`0`. */
export function booleanParam(values: Map<string, string>, name: string, fallback: boolean): boolean {
  const raw = values.get(name);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw invalidParameter(name, 'true, false, 1 or 0', raw);
}

/** One of `choices`. */
export function choiceParam<T extends string>(values: Map<string, string>, name: string, choices: readonly T[], fallback: T): T {
  const raw = values.get(name);
  if (raw === undefined) return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw invalidParameter(name, `one of ${choices.join(', ')}`, raw);
}

/** The dataset named by the `dataset` parameter; it may be left out when the server has one dataset. */
export function datasetParam(values: Map<string, string>, catalog: Catalog): Dataset {
  const raw = values.get('dataset');
  const names = [...catalog.datasets.keys()];
  if (raw === undefined) {
    if (names.length === 1) return catalog.datasets.get(names[0]!)!;
    throw new ApiError('ERR_MISSING_PARAMETER', `Missing parameter dataset: one of ${names.join(', ')} (the server has several)`, { param: 'dataset' });
  }
  const ds = catalog.get(raw);
  if (!ds) throw invalidParameter('dataset', `one of ${names.join(', ')}`, raw);
  return ds;
}
