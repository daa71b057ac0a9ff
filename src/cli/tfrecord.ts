import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option } from 'commander';
import type { CorruptRecordError } from '../core/errors.js';
import { ShardstreamError } from '../core/errors.js';
import { parseCompression, type Compression } from '../tfrecord/compression.js';
import { createProgram, EXIT_FAILURE, parseCount, runCli, UsageError } from './run-cli.js';
import { writeOut } from './output.js';

// The library is imported inside the actions that use it, so that --help, --version and a usage
// error load only commander (start-up time, issue 13).

const compressionOption = (): Option =>
  new Option('-c, --compression <type>', 'input compression: auto (by name, then magic bytes), none, gzip, zlib').default('auto').argParser((v) => {
    try {
      return parseCompression(v, '--compression');
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  });

const program = createProgram('tfrecord', 'Read, count, verify and index TFRecord files (TensorFlow format, masked CRC32C framing).');

program
  .command('cat')
  .description('print each record as the canonical protobuf JSON of its tf.train.Example, one per line')
  .argument('<file...>', 'TFRecord files')
  .option('-n, --limit <n>', 'stop after N records in all', parseCount)
  .addOption(compressionOption())
  .option('--no-verify', 'skip CRC checks')
  .action(async (files: string[], opts: { limit?: number; compression: Compression; verify: boolean }) => {
    const [{ readRecords }, { exampleToJson }] = await Promise.all([import('../tfrecord/reader.js'), import('../tfrecord/example/json.js')]);
    let left = opts.limit ?? Infinity;
    for (const file of files) {
      if (left <= 0) break;
      for await (const r of readRecords(file, { compression: opts.compression, verify: opts.verify })) {
        if (!(await writeOut(`${exampleToJson(r.data, `${file} @ byte ${r.offset}`)}\n`))) return;
        if (--left <= 0) break;
      }
    }
  });

program
  .command('count')
  .description('count the records of each file (CRCs are checked)')
  .argument('<file...>', 'TFRecord files')
  .addOption(compressionOption())
  .action(async (files: string[], opts: { compression: Compression }) => {
    const { readRecords } = await import('../tfrecord/reader.js');
    let total = 0;
    for (const file of files) {
      let n = 0;
      for await (const _ of readRecords(file, { compression: opts.compression })) n++;
      total += n;
      await writeOut(files.length > 1 ? `${n}\t${file}\n` : `${n}\n`);
    }
    if (files.length > 1) await writeOut(`${total}\ttotal\n`);
  });

program
  .command('verify')
  .description('check every CRC of every record of the files, or with --manifest a whole shard set; reports each problem with its file and byte offset or line; exit 0 only if all is good')
  .argument('[file...]', 'TFRecord files')
  .addOption(compressionOption())
  .option('--manifest <dir>', "check the shard set in DIR: every shard its manifest.json lists exists with the listed size, sha256 and record count, every record's CRCs, every .index against its shard")
  .option('--expect-records <n>', 'also fail unless the files hold N records in all (e.g. the X-Shardstream-Body-Records header of a saved stream: a body cut at a batch boundary has fewer)', parseCount)
  .option('-q, --quiet', 'print only the totals (no progress display)')
  .action(async (files: string[], opts: VerifyOptions) => {
    if (files.length === 0 && opts.manifest === undefined) throw new UsageError('give TFRecord files to verify, or --manifest <dir>');
    if (files.length === 0 && opts.expectRecords !== undefined) throw new UsageError('--expect-records counts the records of the files given; none given');
    const filesOk = files.length === 0 || (await verifyFiles(files, opts));
    const setOk = opts.manifest === undefined || (await verifyManifest(opts.manifest, opts));
    if (!filesOk || !setOk) process.exitCode = EXIT_FAILURE;
  });

program
  .command('index')
  .description('write FILE.index (one "<offset> <size>" line per record, the tfrecord2idx / DALI format)')
  .argument('<file...>', 'uncompressed TFRecord files')
  .option('--check', 'compare with the existing .index files instead of writing them; exit 1 on a difference')
  .action(async (files: string[], opts: { check?: boolean }) => {
    const [{ readRecords }, { formatIndex, IndexBuilder }, { indexPathFor, writeIndexFile }] = await Promise.all([
      import('../tfrecord/reader.js'),
      import('../tfrecord/record-index.js'),
      import('../tfrecord/writer.js'),
    ]);
    let differ = 0;
    for (const file of files) {
      const builder = new IndexBuilder();
      for await (const r of readRecords(file, { compression: 'none' })) builder.add(r.offset, r.data.length + 16);
      const index = builder.build();
      const indexPath = indexPathFor(file);
      if (opts.check) {
        const existing = await readFile(indexPath, 'utf8').catch(() => undefined);
        const same = existing === formatIndex(index);
        if (!same) differ++;
        await writeOut(`${existing === undefined ? 'MISSING' : same ? 'ok' : 'DIFFERS'}\t${indexPath}\n`);
      } else {
        await writeIndexFile(file, index);
        await writeOut(`${builder.count}\t${indexPath}\n`);
      }
    }
    if (differ > 0) process.exitCode = EXIT_FAILURE;
  });

interface VerifyOptions {
  compression: Compression;
  manifest?: string;
  expectRecords?: number;
  quiet?: boolean;
}

/** `verify FILE...`: every CRC, and the record count with --expect-records; whether all is good. */
async function verifyFiles(files: readonly string[], opts: VerifyOptions): Promise<boolean> {
  const { readRecords } = await import('../tfrecord/reader.js');
  let good = 0;
  let bad = 0;
  let badFiles = 0;
  for (const file of files) {
    let fileBad = 0;
    const report = (e: CorruptRecordError): void => {
      fileBad++;
      process.stderr.write(`${e.message}\n`);
    };
    try {
      for await (const _ of readRecords(file, { compression: opts.compression, onCorrupt: 'skip', onSkip: report })) good++;
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      fileBad++;
      process.stderr.write(`${e instanceof ShardstreamError ? e.message : `${file}: ${e.message}`}\n`);
    }
    if (fileBad > 0) badFiles++;
    bad += fileBad;
    if (!opts.quiet) await writeOut(`${fileBad === 0 ? 'ok' : 'CORRUPT'}\t${file}\n`);
  }
  await writeOut(`${files.length} files, ${good} good records, ${bad} corrupt records${badFiles ? ` in ${badFiles} files` : ''}\n`);
  const countOk = opts.expectRecords === undefined || opts.expectRecords === good;
  if (!countOk) process.stderr.write(`${files.length === 1 ? files[0] : `${files.length} files`}: expected ${opts.expectRecords} records, found ${good}\n`);
  return bad === 0 && countOk;
}

/** `verify --manifest DIR`: the whole shard set; whether all is good. */
async function verifyManifest(dir: string, opts: VerifyOptions): Promise<boolean> {
  const [{ verifyShardSet }, { createProgressBar }] = await Promise.all([import('../shards/verify-shard-set.js'), import('../core/progress.js')]);
  const result = await verifyShardSet({
    dir,
    ...(opts.quiet ? {} : { progress: createProgressBar({ label: `verify ${dir}`, unit: 'B' }) }),
    onProblem: (p) => void process.stderr.write(`${p.message}\n`),
  });
  const n = result.problems.length;
  await writeOut(`${dir}: ${result.shards} shards, ${result.records} good records, ${result.bytes} bytes: ${n === 0 ? 'ok' : `${n} problem${n === 1 ? '' : 's'}`}\n`);
  return n === 0;
}

await runCli(program);
