/**
 * The TypeScript training engine: the arithmetic of assembly/train.ts, operation for operation,
 * with every float32 operation written as `Math.fround` of the double result (exact for +, -,
 * *, / and sqrt of float32 operands). Slow; used to check the Wasm engine and where Wasm is absent.
 */
import { roundHalfEven } from '../data.ts';
import type { TrainingSet } from './data.ts';
import { paddedBatch, type EngineSetup, type TrainEngine } from './engine.ts';

const f = Math.fround;

/** Four-lane batch sum, then (lane0 + lane1) + (lane2 + lane3): the kernel's order. */
function batchSum(a: Float32Array, aOff: number, c: Float32Array | null, cOff: number, bp: number): number {
  const acc = [0, 0, 0, 0];
  for (let b = 0; b < bp; b += 4) {
    for (let k = 0; k < 4; k++) acc[k] = f(acc[k]! + (c ? f(a[aOff + b + k]! * c[cOff + b + k]!) : a[aOff + b + k]!));
  }
  return f(f(acc[0]! + acc[1]!) + f(acc[2]! + acc[3]!));
}

/** Creates the reference engine. */
export function createReferenceEngine(setup: EngineSetup): TrainEngine {
  const sizes = setup.layerSizes;
  const L = sizes.length - 1;
  const slope = f(setup.slope);
  const maxBp = paddedBatch(setup.batchSize);
  const params = setup.parameters.slice();
  const grads = new Float32Array(params.length);
  const m = new Float32Array(params.length);
  const v = new Float32Array(params.length);
  const acts = sizes.map((s) => new Float32Array(s * maxBp));
  const maxSize = Math.max(...sizes);
  let delta = new Float32Array(maxSize * maxBp);
  let other = new Float32Array(maxSize * maxBp);
  const offsets: number[] = [];
  for (let l = 0, at = 0; l < L; l++) {
    offsets.push(at);
    at += sizes[l + 1]! * (sizes[l]! + 1);
  }
  let b1pow = 1;
  let b2pow = 1;

  function loadBatch(set: TrainingSet, perm: Int32Array | null, start: number, count: number, bp: number) {
    const x0 = acts[0]!;
    for (let b = 0; b < bp; b++) {
      const s = perm ? perm[start + b]! : start + b;
      for (let j = 0; j < set.nInputs; j++) x0[j * bp + b] = b < count ? set.x[s * set.nInputs + j]! : 0;
    }
  }

  function forward(bp: number) {
    for (let l = 0; l < L; l++) {
      const nIn = sizes[l]!;
      const nOut = sizes[l + 1]!;
      const w = offsets[l]!;
      const aIn = acts[l]!;
      const aOut = acts[l + 1]!;
      for (let o = 0; o < nOut; o++) {
        const bias = params[w + nOut * nIn + o]!;
        for (let b = 0; b < bp; b++) {
          let acc = f(params[w + o * nIn]! * aIn[b]!);
          for (let j = 1; j < nIn; j++) acc = f(acc + f(params[w + o * nIn + j]! * aIn[j * bp + b]!));
          const z = f(acc + bias);
          aOut[o * bp + b] = z > 0 ? z : f(z * slope);
        }
      }
    }
  }

  function lossAndOutputDelta(perm: Int32Array, start: number, count: number, bp: number): number {
    const nOut = sizes[L]!;
    const out = acts[L]!;
    const denom = count * nOut;
    const scale = f(2 / denom);
    let sum = 0;
    for (let o = 0; o < nOut; o++) {
      for (let b = 0; b < bp; b++) {
        if (b >= count) {
          delta[o * bp + b] = 0;
          continue;
        }
        const a = out[o * bp + b]!;
        const diff = f(a - setup.data.y[perm[start + b]! * nOut + o]!);
        sum += f(diff * diff);
        const g = f(diff * scale);
        delta[o * bp + b] = a > 0 ? g : f(g * slope);
      }
    }
    return f(sum / denom);
  }

  function backward(bp: number) {
    for (let l = L - 1; l >= 0; l--) {
      const nIn = sizes[l]!;
      const nOut = sizes[l + 1]!;
      const w = offsets[l]!;
      const aIn = acts[l]!;
      for (let o = 0; o < nOut; o++) {
        for (let j = 0; j < nIn; j++) grads[w + o * nIn + j] = batchSum(delta, o * bp, aIn, j * bp, bp);
        grads[w + nOut * nIn + o] = batchSum(delta, o * bp, null, 0, bp);
      }
      if (l === 0) break;
      for (let j = 0; j < nIn; j++) {
        for (let b = 0; b < bp; b++) {
          let acc = f(params[w + j]! * delta[b]!);
          for (let o = 1; o < nOut; o++) acc = f(acc + f(params[w + o * nIn + j]! * delta[o * bp + b]!));
          other[j * bp + b] = aIn[j * bp + b]! > 0 ? acc : f(acc * slope);
        }
      }
      [delta, other] = [other, delta];
    }
  }

  function adamw() {
    const { learningRate: lr, beta1, beta2 } = setup.adamw;
    b1pow *= beta1;
    b2pow *= beta2;
    const decay = f(1 - lr * setup.adamw.weightDecay);
    const oneMinusB1 = f(1 - beta1);
    const b2 = f(beta2);
    const oneMinusB2 = f(1 - beta2);
    const stepSize = f(lr / (1 - b1pow));
    const bc2Sqrt = f(Math.sqrt(1 - b2pow));
    const eps = f(setup.adamw.eps);
    for (let i = 0; i < params.length; i++) {
      const g = grads[i]!;
      const p = f(params[i]! * decay);
      const mi = f(m[i]! + f(f(g - m[i]!) * oneMinusB1));
      const vi = f(f(v[i]! * b2) + f(f(g * g) * oneMinusB2));
      const denom = f(f(f(Math.sqrt(vi)) / bc2Sqrt) + eps);
      params[i] = f(p - f(stepSize * f(mi / denom)));
      m[i] = mi;
      v[i] = vi;
    }
  }

  return {
    name: 'ts',
    epoch(perm) {
      let total = 0;
      const n = setup.data.n;
      for (let start = 0; start < n; start += setup.batchSize) {
        const count = Math.min(setup.batchSize, n - start);
        const bp = paddedBatch(count);
        loadBatch(setup.data, perm, start, count, bp);
        forward(bp);
        total += lossAndOutputDelta(perm, start, count, bp);
        backward(bp);
        adamw();
      }
      return total;
    },
    parameters: () => params.slice(),
    countCorrect(set) {
      let correct = 0;
      for (let start = 0; start < set.n; start += setup.batchSize) {
        const count = Math.min(setup.batchSize, set.n - start);
        const bp = paddedBatch(count);
        loadBatch(set, null, start, count, bp);
        forward(bp);
        for (let b = 0; b < count; b++) {
          let ok = true;
          for (let o = 0; o < set.nOutputs; o++) if (roundHalfEven(acts[L]![o * bp + b]!) !== set.y[(start + b) * set.nOutputs + o]) ok = false;
          if (ok) correct++;
        }
      }
      return correct;
    },
    dispose() {},
  };
}
