// Interchange interventions on the CPU: the model side of the what-then-where test, bit for bit
// the TypeScript reference (src/mappings.ts interventionOutputs). Values are float32 held in f64;
// each multiply-add is done in f64 (a float32 x float32 product is exact there) and rounded to
// float32 once, in torch's order: first product, then j ascending, the bias last (docs/semantics.md, N2).

import { alloc, mark, release } from './heap';

/** One layer: `out[r] = leaky(bias[r] + sum_j w[r][j] * x[j])` in the reference's rounding. */
@inline function computeLayer(w: usize, b: usize, nIn: i32, nOut: i32, slope: f64, x: usize, out: usize): void {
  for (let r = 0; r < nOut; r++) {
    const row = w + (<usize>(r * nIn) << 3);
    let acc: f64 = <f64><f32>(load<f64>(x) * load<f64>(row));
    for (let j = 1; j < nIn; j++) {
      acc = <f64><f32>(acc + load<f64>(x + (<usize>j << 3)) * load<f64>(row + (<usize>j << 3)));
    }
    let v: f64 = <f64><f32>(acc + load<f64>(b + (<usize>r << 3)));
    if (!(v >= 0)) v = <f64><f32>(v * slope);
    store<f64>(out + (<usize>r << 3), v);
  }
}

/**
 * For every candidate c and pair p, writes `out[c * nPairs + p]` = 1 when output 0 of the model run
 * on base p, with candidate c's hidden neurons overwritten (after their activation) by their values
 * on source p, is greater than 0.5, else 0 (docs/semantics.md, N4).
 *
 * Memory (written by src/backends/wasm-interventions.ts): sizesPtr i32[L+1]; wPtr / bPtr f64 weights
 * (row-major out x in) and biases, layers concatenated (as forward.ts); sourcesPtr / basesPtr f64
 * [nPairs x nIn], row-major; candPtr u32[nCand], bit i = hidden neuron i (layer 1 first, then
 * layer-major); outPtr u8[nCand * nPairs].
 */
export function interventionOutputs(
  L: i32, sizesPtr: usize, wPtr: usize, bPtr: usize, slope: f64,
  nPairs: i32, sourcesPtr: usize, basesPtr: usize, nCand: i32, candPtr: usize, outPtr: usize,
): void {
  const top = mark();
  // Per layer: its weights, biases and activation offsets (in values).
  const wOff = alloc((L + 1) << 3);
  const bOff = alloc((L + 1) << 3);
  const aOff = alloc((L + 2) << 2);
  let w = wPtr, b = bPtr, total = 0;
  for (let l = 0; l <= L; l++) {
    store<i32>(aOff + (<usize>l << 2), total);
    const size = load<i32>(sizesPtr + (<usize>l << 2));
    total += size;
    if (l < L) {
      const next = load<i32>(sizesPtr + (<usize>(l + 1) << 2));
      store<usize>(wOff + (<usize>l << 3), w);
      store<usize>(bOff + (<usize>l << 3), b);
      w += <usize>(size * next) << 3;
      b += <usize>next << 3;
    }
  }
  const nIn = load<i32>(sizesPtr);
  const hidden0 = nIn; // flat index of hidden neuron 0
  const source = alloc(total << 3);
  const base = alloc(total << 3);
  const work = alloc(total << 3);
  // Layer of each hidden neuron (bit position).
  const layerOf = alloc(32 << 2);
  for (let l = 1, i = 0; l < L; l++) {
    const size = load<i32>(sizesPtr + (<usize>l << 2));
    for (let k = 0; k < size && i < 32; k++, i++) store<i32>(layerOf + (<usize>i << 2), l);
  }
  for (let p = 0; p < nPairs; p++) {
    runModel(L, sizesPtr, wOff, bOff, aOff, slope, sourcesPtr + (<usize>(p * nIn) << 3), nIn, source);
    runModel(L, sizesPtr, wOff, bOff, aOff, slope, basesPtr + (<usize>(p * nIn) << 3), nIn, base);
    for (let c = 0; c < nCand; c++) {
      const mask = load<u32>(candPtr + (<usize>c << 2));
      let out: f64;
      if (mask == 0) {
        out = load<f64>(base + (<usize>load<i32>(aOff + (<usize>L << 2)) << 3));
      } else {
        // Layers below the first intervened one are the base run's; recompute from there on.
        const first = load<i32>(layerOf + (<usize>ctz(mask) << 2));
        memory.copy(work, base, <usize>load<i32>(aOff + (<usize>(first + 1) << 2)) << 3);
        for (let l = first; l <= L; l++) {
          if (l > first) {
            const nPrev = load<i32>(sizesPtr + (<usize>(l - 1) << 2));
            const n = load<i32>(sizesPtr + (<usize>l << 2));
            computeLayer(
              load<usize>(wOff + (<usize>(l - 1) << 3)), load<usize>(bOff + (<usize>(l - 1) << 3)), nPrev, n, slope,
              work + (<usize>load<i32>(aOff + (<usize>(l - 1) << 2)) << 3), work + (<usize>load<i32>(aOff + (<usize>l << 2)) << 3),
            );
          }
          if (l < L) patchLayer(l, mask, sizesPtr, aOff, hidden0, source, work);
        }
        out = load<f64>(work + (<usize>load<i32>(aOff + (<usize>L << 2)) << 3));
      }
      store<u8>(outPtr + <usize>c * <usize>nPairs + <usize>p, out > 0.5 ? 1 : 0);
    }
  }
  release(top);
}

/** Overwrites layer l's neurons that are in `mask` with their source values. */
@inline function patchLayer(l: i32, mask: u32, sizesPtr: usize, aOff: usize, hidden0: i32, source: usize, work: usize): void {
  const at = load<i32>(aOff + (<usize>l << 2));
  const size = load<i32>(sizesPtr + (<usize>l << 2));
  for (let k = 0; k < size; k++) {
    const bit = at + k - hidden0;
    if (bit < 32 && ((mask >>> <u32>bit) & 1) != 0) {
      store<f64>(work + (<usize>(at + k) << 3), load<f64>(source + (<usize>(at + k) << 3)));
    }
  }
}

/** The plain forward pass of one input (f64 values of float32 inputs) into `acts` (every layer). */
function runModel(L: i32, sizesPtr: usize, wOff: usize, bOff: usize, aOff: usize, slope: f64, x: usize, nIn: i32, acts: usize): void {
  // The input, rounded to float32 as the reference's input tensor.
  for (let j = 0; j < nIn; j++) store<f64>(acts + (<usize>j << 3), <f64><f32>load<f64>(x + (<usize>j << 3)));
  for (let l = 1; l <= L; l++) {
    computeLayer(
      load<usize>(wOff + (<usize>(l - 1) << 3)), load<usize>(bOff + (<usize>(l - 1) << 3)),
      load<i32>(sizesPtr + (<usize>(l - 1) << 2)), load<i32>(sizesPtr + (<usize>l << 2)), slope,
      acts + (<usize>load<i32>(aOff + (<usize>(l - 1) << 2)) << 3), acts + (<usize>load<i32>(aOff + (<usize>l << 2)) << 3),
    );
  }
}
