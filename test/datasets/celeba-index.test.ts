import { appendFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { annotationRow, compareImageNames, loadCelebaIndex } from '../../src/datasets/celeba-index.js';
import { IMAGES } from '../../fixtures/celeba-spec.js';
import { CELEBA_FIXTURE, copyCelebaFixture } from './helpers.js';

describe('loadCelebaIndex', () => {
  it('reads the partition list and every annotation file of the fixture', async () => {
    const index = await loadCelebaIndex({ root: CELEBA_FIXTURE });
    expect(index.images).toEqual(IMAGES.map((i) => i.name));
    expect([...index.partitionOf]).toEqual(IMAGES.map((i) => i.partition));
    expect(Object.keys(index.tables).sort()).toEqual(['attributes', 'bbox', 'identity', 'landmarks', 'landmarksAlign']);
    const i7 = IMAGES.findIndex((i) => i.id === 7);
    expect([...annotationRow(index.tables.bbox!, i7)!]).toEqual([...IMAGES[i7]!.bbox]);
    expect([...annotationRow(index.tables.attributes!, i7)!]).toEqual([...IMAGES[i7]!.attributes]);
    expect(annotationRow(index.tables.bbox!, IMAGES.findIndex((i) => i.quirk === 'no-bbox-row'))).toBeUndefined();
    expect(index.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails before parsing when a required annotation file is missing, naming it and why', async () => {
    const root = await copyCelebaFixture();
    await rm(join(root, 'Anno', 'list_bbox_celeba.txt'));
    await expect(loadCelebaIndex({ root, required: { bbox: '--bbox' } })).rejects.toThrow(
      `${join(root, 'Anno', 'list_bbox_celeba.txt')}: the annotation file is missing (needed by --bbox)`,
    );
  });

  it('fails when the partition list is missing', async () => {
    const root = await copyCelebaFixture();
    await rm(join(root, 'Eval', 'list_eval_partition.txt'));
    await expect(loadCelebaIndex({ root })).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT', file: join(root, 'Eval', 'list_eval_partition.txt') });
  });

  it('reports a missing optional file and leaves its table out', async () => {
    const root = await copyCelebaFixture();
    await rm(join(root, 'Anno', 'list_landmarks_celeba.txt'));
    const missing: string[] = [];
    const index = await loadCelebaIndex({ root, onMissing: (name) => missing.push(name) });
    expect(missing).toEqual(['landmarks']);
    expect(index.tables.landmarks).toBeUndefined();
  });

  it('rejects an image listed twice', async () => {
    const root = await copyCelebaFixture();
    await appendFile(join(root, 'Eval', 'list_eval_partition.txt'), '000003.jpg 1\r\n');
    await expect(loadCelebaIndex({ root })).rejects.toThrow(`${join(root, 'Eval', 'list_eval_partition.txt')}: line 31: 000003.jpg is listed twice`);
    const root2 = await copyCelebaFixture();
    const identity = join(root2, 'Anno', 'identity_CelebA.txt');
    await appendFile(identity, '000003.jpg 5\r\n');
    await expect(loadCelebaIndex({ root: root2 })).rejects.toThrow(`${identity}: line 31: 000003.jpg is listed twice`);
  });
});

describe('compareImageNames', () => {
  it('orders by numeric id, then by text', () => {
    expect(['000010.jpg', '2.jpg', '000002.jpg', 'b.jpg', 'a.jpg'].sort(compareImageNames)).toEqual(['000002.jpg', '2.jpg', '000010.jpg', 'a.jpg', 'b.jpg']);
  });
});
