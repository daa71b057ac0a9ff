import { describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';

// dcgan-train maps flags to TrainOptions and lets resolveTrainOptions refuse them before anything
// loads or opens: the data folder below does not exist, so each refusal here came first.

const MISSING = '/nonexistent/shard-set';

describe('dcgan-train usage errors (resolveTrainOptions, in the flags\' words)', () => {
  it.each<[string, string[], string]>([
    ['--rank not below --world', ['--data', MISSING, '--rank', '2', '--world', '2', '--independent-replicas'], 'error: --rank must be below --world (2), got 2'],
    ['--eval-every with a URL and no --eval-data', ['--data', 'http://127.0.0.1:9', '--eval-every', '1'], 'error: --eval-every needs --eval-data <dir>, the MNIST shard-set folder, when --data is a URL'],
    ['a --size that is no power of two', ['--data', MISSING, '--size', '12'], 'error: --size: Expected a power of two ≥ 8 for size but received 12 of type number'],
    ['an --eval-images of 1', ['--data', MISSING, '--eval-every', '1', '--eval-images', '1'], 'error: --eval-images: Expected an integer ≥ 2 for eval.images but received 1 of type number'],
    ['a --data that is neither a folder nor an http(s) URL', ['--data', 'ftp://host/shards'], 'error: --data: Expected an http(s) URL or a directory for source but received "ftp://host/shards" of type string'],
    ['an unknown --partition', ['--data', MISSING, '--partition', 'dev'], "error: option '-p, --partition <name>' argument 'dev' is invalid. expected one of train, val, test, all"],
  ])('%s exits 2 naming the flag', async (_, args, message) => {
    const r = await runBin('dcgan-train', args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('(run with --help for usage)');
    expect(r.stdout).toBe('');
  });
});
