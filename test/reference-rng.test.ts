/**
 * The emulations of Python's random, numpy's legacy RandomState and torch's generator against
 * vectors from the real libraries (scripts/reference-rng-vectors.py) and published constants.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { fma32 } from '../src/train/fma.ts';
import { crLog, crLogExact } from '../src/train/reference-rng/cr-log.ts';
import { crPowInt, crPowIntExact } from '../src/train/reference-rng/cr-pow.ts';
import { adamwStepScalars } from '../src/train/torch-engine.ts';
import { MT19937 } from '../src/train/reference-rng/mt19937.ts';
import { numpyMean, NumpyRandomState, pairwiseSum } from '../src/train/reference-rng/numpy-random.ts';
import { PythonRandom } from '../src/train/reference-rng/python-random.ts';
import { TorchGenerator } from '../src/train/reference-rng/torch-random.ts';
import { fixture } from './helpers.ts';

const V = fixture('reference-rng-vectors.json');

test('MT19937: the published outputs of init_genrand(5489) and init_by_array', () => {
  const mt = new MT19937(5489);
  assert.is(mt.next32(), 3499211612);
  for (let i = 1; i < 9999; i++) mt.next32();
  assert.is(mt.next32(), 4123659995); // the 10000th output, as the C++ standard requires of std::mt19937
  // mt19937ar.c's test: init_by_array({0x123, 0x234, 0x345, 0x456}) starts 1067595299 955945823 477289528.
  const byArray = new MT19937().seedByArray([0x123, 0x234, 0x345, 0x456]);
  assert.equal([byArray.next32(), byArray.next32(), byArray.next32()], [1067595299, 955945823, 477289528]);
  const c = byArray.clone();
  assert.is(c.next32(), byArray.next32());
});

test("Python's random: seed(int), getrandbits, random() and sample, as CPython 3.11", () => {
  for (const rec of V.python) {
    const r = new PythonRandom(BigInt(rec.seed));
    assert.equal(Array.from({ length: 8 }, () => r.getrandbits(32)), rec.getrandbits32, `seed ${rec.seed}`);
    assert.equal(Array.from({ length: 6 }, () => r.random()), rec.random, `seed ${rec.seed}`);
    for (const [k, want] of rec.bits) assert.is(r.getrandbits(k), want, `seed ${rec.seed}, getrandbits(${k})`);
    for (const [n, k, want] of rec.sample) {
      const pop = Array.from({ length: n }, (_, i) => i);
      assert.equal(r.sample(pop, k), want, `seed ${rec.seed}, sample(range(${n}), ${k})`);
    }
    assert.equal(Array.from({ length: 4 }, () => r.getrandbits(32)), rec.after, `seed ${rec.seed}: state after the samples`);
  }
});

test("main.py's gate draw: random.sample(gates, k) after random.seed(s)", () => {
  const gates = ['AND', 'OR', 'IMP', 'NAND', 'NOR', 'NIMP', 'XOR'];
  for (const [seed, k, want] of V.gate_samples) assert.equal(new PythonRandom(seed).sample(gates, k), want, `seed ${seed}, k ${k}`);
});

test("numpy's legacy RandomState: random_sample, choice with p, normal with the cached Gaussian", () => {
  for (const rec of V.numpy) {
    const np = new NumpyRandomState(rec.seed);
    const at = `seed ${rec.seed}`;
    assert.equal(Array.from({ length: 5 }, () => np.randomSample()), rec.random_sample, at);
    assert.equal(Array.from(np.choice(4, 40, [0.25, 0.25, 0.25, 0.25])), rec.choice_uniform, at);
    const raw: number[] = rec.skew_raw;
    const sum = pairwiseSum(raw);
    const p = raw.map((w) => w / sum);
    assert.equal(p, rec.skew_p, `${at}: w / np.sum(w)`);
    assert.equal(Array.from(np.choice(4, 40, p)), rec.choice_skewed, at);
    assert.equal(Array.from(np.normal(0, 0.1, 7)), rec.normal_a, at);
    assert.equal(Array.from(np.normal(0, 0.1, 6)), rec.normal_b, at);
    assert.equal(Array.from(np.normal(1.5, 2, 5)), rec.normal_c, at);
    assert.equal(Array.from({ length: 3 }, () => np.randomSample()), rec.random_sample_after, at);
  }
  // Reseeding drops the cached Gaussian.
  const np = new NumpyRandomState(3);
  np.normal(0, 1, 1);
  np.seed(0);
  assert.equal(Array.from(np.normal(0, 0.1, 7)), Array.from(new NumpyRandomState(0).normal(0, 0.1, 7)));
});

test('numpy normal at scale: 2,000,000 draws, float64 and float32 bytes hashed', () => {
  const b = V.normal_bulk;
  const g = new NumpyRandomState(b.seed).normal(b.loc, b.scale, b.n);
  const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  // The float64 values differ where glibc's log is not correctly rounded (see cr-log.ts); the
  // float32 cast main.py applies hides those last bits.
  assert.is(sha(new Uint8Array(Float32Array.from(g).buffer)), b.sha256_f32);
});

test('crLog is correctly rounded (decimal reference), on its fast path and its exact path', () => {
  for (const [x, want] of V.cr_log) {
    assert.is(crLog(x), want, `ln(${x})`);
    assert.is(crLogExact(x), want, `exact ln(${x})`);
  }
  assert.is(crLog(1), 0);
  assert.is(crLog(0), -Infinity);
  assert.ok(Number.isNaN(crLog(-1)) && Number.isNaN(crLog(NaN)));
});

test('crPowInt is correctly rounded on exact ties (Python\'s float(Fraction(b) ** t))', () => {
  // 3^34 and 5^23 have 54 bits: 0.75^34 and 0.625^23 lie exactly halfway between two doubles.
  const cases: [number, number, number][] = [
    [0.75, 34, 5.650448946785622e-5],
    [0.75, 33, 7.533931929047496e-5],
    [0.75, 35, 4.2378367100892165e-5],
    [0.625, 23, 2.01948391736579e-5],
    [0.9375, 14, 0.40513323286959535],
    [0.75, 1000, 1.151498540124827e-125],
    [0.5, 3, 0.125],
  ];
  for (const [b, t, want] of cases) {
    assert.is(crPowInt(b, t), want, `${b}^${t}`);
    assert.is(crPowIntExact(b, t), want, `exact ${b}^${t}`);
  }
  // AdamW with such betas steps through the ties (it used to run out of BigInt size).
  const o = { learningRate: 0.001, beta1: 0.5, beta2: 0.75, eps: 1e-8, weightDecay: 0.01 };
  for (const t of [1, 34, 35, 100, 5000]) assert.ok(Number.isFinite(adamwStepScalars(o, t).bc2Sqrt));
});

test("numpy's pairwise sum and mean", () => {
  for (const rec of V.pairwise) {
    assert.is(pairwiseSum(rec.values), rec.sum, `n = ${rec.n}`);
    assert.is(numpyMean(rec.values), rec.mean, `n = ${rec.n}`);
  }
});

test('torch generator: manual_seed, int64 draws, randperm', () => {
  const g = new TorchGenerator(0);
  const mt = new MT19937(0);
  const o1 = mt.next32();
  const o2 = mt.next32();
  assert.is(g.randomInt64(), ((BigInt(o1) << 32n) | BigInt(o2)) & ((1n << 63n) - 1n));
  const perm = new TorchGenerator(7).randperm(1000);
  assert.equal([...perm].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.equal(Array.from(new TorchGenerator(3).randperm(1)), [0]);
});

/** fma(a, b, c) rounded to float32 exactly, by integer arithmetic (the test's own reference). */
function exactFma32(a: number, b: number, c: number): number {
  // Scale every float32 to an integer times 2^-300; products need 2^-600.
  const big = (x: number, shift: number) => {
    const v = new DataView(new ArrayBuffer(8));
    v.setFloat64(0, x);
    const bits = v.getBigUint64(0);
    const sign = bits >> 63n ? -1n : 1n;
    const exp = Number((bits >> 52n) & 0x7ffn);
    let mant = bits & ((1n << 52n) - 1n);
    if (exp === 0 && mant === 0n) return 0n;
    mant |= 1n << 52n;
    const e = exp - 1075 + shift; // x = mant * 2^(exp - 1075)
    return sign * (e >= 0 ? mant << BigInt(e) : mant >> BigInt(-e));
  };
  const exact = big(a, 300) * big(b, 300) + big(c, 600); // units of 2^-600
  if (exact === 0n) return 0;
  // Round to float32: find the two float32 neighbours by bisection on fround of doubles near it.
  const approx = Number(exact) * 2 ** -600;
  let r = Math.fround(approx);
  const step = (x: number, up: boolean) => {
    const v = new DataView(new ArrayBuffer(4));
    v.setFloat32(0, x);
    let i = v.getInt32(0);
    i += (x > 0) === up ? 1 : -1;
    if (x === 0) return up ? 1.4e-45 : -1.4e-45;
    v.setInt32(0, i);
    return v.getFloat32(0);
  };
  const err = (x: number) => exact - big(x, 600);
  for (const up of [true, false]) {
    for (;;) {
      const n = step(r, up);
      const dn = err(n);
      const dr = err(r);
      const an = dn < 0n ? -dn : dn;
      const ar = dr < 0n ? -dr : dr;
      if (an < ar || (an === ar && (new Int32Array(new Float32Array([n]).buffer)[0]! & 1) === 0 && an !== 0n)) r = n;
      else break;
    }
  }
  return r;
}

test('fma32 rounds once, including sums that tie only in double', () => {
  const f = Math.fround;
  const rng = new MT19937(11);
  const rand = () => f((rng.next32() / 2 ** 32 - 0.5) * 2 ** ((rng.next32() % 20) - 10));
  for (let i = 0; i < 20000; i++) {
    const a = rand();
    const b = rand();
    const c = rand();
    assert.is(fma32(a, b, c), exactFma32(a, b, c), `fma(${a}, ${b}, ${c})`);
  }
  // Double rounding: with c = 1 + 2^-23 (odd last bit) and a*b = 2^-24 - 2^-70, the double sum is
  // the float32 midpoint 1 + 2^-23 + 2^-24 and rounds to even upwards; the exact sum lies below.
  for (const [a, b, c] of [
    [1 + 2 ** -23, (1 - 2 ** -23) * 2 ** -24, 1 + 2 ** -23],
    [-(1 + 2 ** -23), (1 - 2 ** -23) * 2 ** -24, -(1 + 2 ** -23)],
    [(1 + 2 ** -23) * 2 ** -10, (1 - 2 ** -23) * 2 ** -14, 1 + 3 * 2 ** -23],
  ] as const) {
    assert.is(fma32(f(a), f(b), f(c)), exactFma32(f(a), f(b), f(c)));
    assert.is.not(f(f(a) * f(b) + f(c)), fma32(f(a), f(b), f(c)), 'the naive sum double-rounds here');
  }
  for (let i = 0; i < 5000; i++) {
    const c = f(1 + (2 * (rng.next32() % 4096) + 1) * 2 ** -23);
    const a = f(1 + 2 ** -23 * (1 + (rng.next32() % 3)));
    const b = f(((rng.next32() % 2 ? 1 : -1) * 2 ** -24) / a);
    assert.is(fma32(a, b, c), exactFma32(a, b, c), `fma(${a}, ${b}, ${c})`);
  }
});

test.run();
