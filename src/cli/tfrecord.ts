import { readFile, rename, writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option } from 'commander';
import type { CorruptRecordError } from '../core/errors.js';
import { ShardstreamError } from '../core/errors.js';
import { exampleToJson } from '../tfrecord/example.js';
import { parseCompression, readRecords, type Compression } from '../tfrecord/reader.js';
import { formatIndex, IndexBuilder } from '../tfrecord/record-index.js';
import { indexPathFor, partialPathFor } from '../tfrecord/writer.js';
import { createProgram, EXIT_FAILURE, parseCount, runCli } from './run-cli.js';
import { writeOut } from './output.js';

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
  .description('check every CRC of every record; reports each bad record with its file and byte offset; exit 0 only if all are good')
  .argument('<file...>', 'TFRecord files')
  .addOption(compressionOption())
  .option('-q, --quiet', 'print only the totals')
  .action(async (files: string[], opts: { compression: Compression; quiet?: boolean }) => {
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
    if (bad > 0) process.exitCode = EXIT_FAILURE;
  });

program
  .command('index')
  .description('write FILE.index (one "<offset> <size>" line per record, the tfrecord2idx / DALI format)')
  .argument('<file...>', 'uncompressed TFRecord files')
  .option('--check', 'compare with the existing .index files instead of writing them; exit 1 on a difference')
  .action(async (files: string[], opts: { check?: boolean }) => {
    let differ = 0;
    for (const file of files) {
      const builder = new IndexBuilder();
      for await (const r of readRecords(file, { compression: 'none' })) builder.add(r.offset, r.data.length + 16);
      const text = formatIndex(builder.build());
      const indexPath = indexPathFor(file);
      if (opts.check) {
        const existing = await readFile(indexPath, 'utf8').catch(() => undefined);
        const same = existing === text;
        if (!same) differ++;
        await writeOut(`${existing === undefined ? 'MISSING' : same ? 'ok' : 'DIFFERS'}\t${indexPath}\n`);
      } else {
        await writeFile(partialPathFor(indexPath), text);
        await rename(partialPathFor(indexPath), indexPath);
        await writeOut(`${builder.count}\t${indexPath}\n`);
      }
    }
    if (differ > 0) process.exitCode = EXIT_FAILURE;
  });

await runCli(program);
