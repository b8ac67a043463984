/**
 * Grounding on the AssemblyScript kernels (assembly/grounding.ts, assembly/ground-circuits.ts): the
 * same results as src/grounding.ts, with the counting DP, the distinct-dict hash sets and the
 * enumeration odometer in Wasm. JS writes the problem as flat i32 words into the kernel's bump
 * heap (layouts read from the module, assembly/layout.ts); nothing but numbers crosses the boundary.
 *
 * Counts come back as u64 with an overflow flag; on overflow the BigInt TypeScript path answers.
 */
import { BackendUnavailableError, LimitError } from '../errors.ts';
import {
  countGroundings,
  checkDistinctCap,
  decodeGrounding,
  distinctGateDicts,
  iterateGroundings,
  DEFAULT_DISTINCT_CAP,
  type Grounding,
  type GroundingChoice,
  type GroundingProblem,
} from '../grounding.ts';
import type { NodeCombination } from '../circuits/space.ts';
import type { Model } from '../model.ts';
import { combinationInModule, wasmSupportsModel } from './wasm-circuits.ts';
import { writeActivations, writeI32, writeModel } from './wasm-layout.ts';
import { instantiateWasmModule, type KernelExports, type WasmLayout, type WasmModule } from './wasm-module.ts';

/** Grounding operations bound to one kernel instance (synchronous once loaded). */
export interface GroundingKernels {
  /** Same as {@link countGroundings}. */
  count(problem: GroundingProblem): bigint;
  /** Same as {@link distinctGateDicts}. */
  distinct(problem: GroundingProblem, options?: { cap?: number }): number;
  /** Same sequence as {@link iterateGroundings}; `batch` groundings are fetched per kernel call. */
  iterate(problem: GroundingProblem, options?: { batch?: number }): Generator<Grounding, void, undefined>;
  /**
   * Counts of circuits `locals` (ascending local indices) of one node combination, everything
   * (activations, candidates, DP) in one kernel call. `lastRows` are the distinct grounding inputs'
   * rows (`GroundingInputs`). Entries the kernel cannot answer exactly are `null` (the caller
   * counts those with the TS reference).
   */
  countCircuits(model: Model, combo: NodeCombination, locals: readonly number[], lastRows: readonly (readonly number[])[]): (bigint | null)[];
}

let loading: Promise<GroundingKernels> | null = null;

/**
 * Grounding kernels on an instance of their own, for single problems (iterate, count, distinct):
 * loaded once, then cached. The Wasm backend binds {@link groundingKernels} to its own instance.
 */
export function loadGroundingKernels(): Promise<GroundingKernels> {
  loading ??= instantiateWasmModule().then(groundingKernels, (e: unknown) => {
    loading = null;
    throw e instanceof BackendUnavailableError ? e : new BackendUnavailableError(`Wasm kernels could not be loaded: ${(e as Error).message}`);
  });
  return loading;
}

/** The grounding operations on `module` (its heap is reset before each problem). */
export function groundingKernels(module: WasmModule): GroundingKernels {
  return new KernelSession(module);
}

/**
 * Grounding on one kernel instance. Every operation resets the bump heap and writes its problem
 * afresh, so an iterator interleaved with other calls (the module's generation changed) re-loads
 * its problem and restores its position.
 */
class KernelSession implements GroundingKernels {
  private readonly k: KernelExports;

  constructor(private readonly module: WasmModule) {
    this.k = module.exports;
  }

  countCircuits(model: Model, combo: NodeCombination, locals: readonly number[], lastRows: readonly (readonly number[])[]): (bigint | null)[] {
    const { grounding } = this.module.layout;
    if (!wasmSupportsModel(this.module, model) || lastRows.length > grounding.maxInputs) return locals.map(() => null);
    this.module.reset();
    const w = this.module;
    const m = writeModel(w, model);
    // The model's input tensor is float32 (N8): rows are rounded before the forward pass, as in TS.
    const { act, nPairs } = writeActivations(w, model, Float32Array.from(lastRows.flat()), lastRows.length);
    const c = combinationInModule(this.module, combo);
    const localsPtr = writeI32(w, locals);
    const counts = w.alloc(locals.length * 8);
    const status = w.alloc(locals.length * 4);
    const wide = w.alloc(locals.length * 8 * grounding.wideLimbs);
    this.k.groundCircuitBatch(m.L, m.sizes, m.weights, m.biases, m.slope, c.nodeMasks, c.counts, c.choices,
      lastRows.length, nPairs, act, localsPtr, locals.length, counts, status, wide);
    const buffer = w.memory().buffer;
    const st = new Int32Array(buffer, status, locals.length);
    const n = new BigUint64Array(buffer, counts, locals.length);
    const limbs = new BigUint64Array(buffer, wide, locals.length * grounding.wideLimbs);
    return locals.map((_, i) =>
      st[i] === grounding.ok ? n[i]! : st[i] === grounding.wide ? fromLimbs(limbs, i * grounding.wideLimbs, grounding.wideLimbs) : null,
    );
  }

  count(problem: GroundingProblem): bigint {
    const ctx = this.load(problem);
    return ctx === null ? countGroundings(problem) : this.countIn(problem, ctx);
  }

  distinct(problem: GroundingProblem, options: { cap?: number } = {}): number {
    // Name sets are u64 masks of codes < 64: wider inputs ("49INPUTS"...) stay on the TS path.
    const ctx = problem.inputWidth > 48 ? null : this.load(problem);
    if (ctx === null) return distinctGateDicts(problem, options); // past the kernels' limits
    checkDistinctCap(problem, this.countIn(problem, ctx), options.cap ?? DEFAULT_DISTINCT_CAP);
    const n = this.k.groundingDistinct(ctx);
    if (n < 0n) throw new Error(`Wasm distinct-gate-dict kernel failed with error ${this.k.groundingError()}`);
    return Number(n);
  }

  *iterate(problem: GroundingProblem, options: { batch?: number } = {}): Generator<Grounding, void, undefined> {
    const N = problem.neurons.length;
    const batch = Math.max(1, Math.floor(options.batch ?? 4096));
    const recordWords = 2 * N;
    let generation = -1;
    let ctx = 0;
    let buf = 0;
    let last: Int32Array | null = null; // the last grounding handed out, as (cand, completion) pairs
    let emitted = 0;
    for (;;) {
      if (generation !== this.module.generation) {
        const loaded = this.load(problem);
        if (loaded === null) {
          yield* skip(iterateGroundings(problem), emitted); // past the kernels' limits
          return;
        }
        ctx = loaded;
        generation = this.module.generation;
        buf = this.module.alloc(Math.max(4, batch * recordWords * 4));
        if (last) this.restore(ctx, last, N);
        else this.k.groundingIterStart(ctx);
      }
      const n = this.k.groundingIterNext(ctx, buf, batch);
      if (n < 0) throw new LimitError('a grounding has more local truth tables than the Wasm enumeration can index (2^31)');
      if (n === 0) return;
      // Copy out before yielding: the consumer may run other kernels in between.
      const records = new Int32Array(this.module.memory().buffer, buf, n * recordWords).slice();
      last = records.subarray((n - 1) * recordWords);
      for (let r = 0; r < n; r++) {
        emitted++;
        yield decodeGrounding(problem, choiceOf(records, r, N));
      }
    }
  }

  /** Resets the heap and writes + compiles the problem; `null` if it is too large for the kernels. */
  private load(problem: GroundingProblem): number | null {
    const words = encodeGroundingProblem(problem, this.module.layout);
    this.module.reset();
    const ptr = this.module.alloc(words.byteLength);
    new Int32Array(this.module.memory().buffer, ptr, words.length).set(words);
    const ctx = this.k.groundingPrepare(ptr) >>> 0;
    if (ctx !== 0) return ctx;
    if (this.k.groundingError() === this.module.layout.grounding.errTooLarge) return null;
    throw new Error(`Wasm grounding kernel rejected the problem (error ${this.k.groundingError()})`);
  }

  private countIn(problem: GroundingProblem, ctx: number): bigint {
    const { grounding } = this.module.layout;
    const n = BigInt.asUintN(64, this.k.groundingCount(ctx));
    if (this.k.groundingError() === grounding.errTooLarge) return countGroundings(problem);
    if (!this.k.groundingOverflow()) return n;
    // Past 64 bits: the kernel's 256-bit count, else the exact BigInt path.
    const out = this.module.alloc(8 * grounding.wideLimbs);
    if (this.k.groundingCountWide(ctx, out) !== 0) return countGroundings(problem);
    return fromLimbs(new BigUint64Array(this.module.memory().buffer, out, grounding.wideLimbs), 0, grounding.wideLimbs);
  }

  /** Puts the odometer back on `record` (the last grounding handed out). */
  private restore(ctx: number, record: Int32Array, N: number): void {
    const state = this.module.alloc(N * 12 + 8);
    const buffer = this.module.memory().buffer;
    const cand = new Int32Array(buffer, state, N);
    const compl = new BigUint64Array(buffer, state + N * 4 + ((N * 4) % 8), N);
    for (let i = 0; i < N; i++) {
      cand[i] = record[2 * i]!;
      compl[i] = BigInt(record[2 * i + 1]!);
    }
    this.k.groundingIterRestore(ctx, state);
  }
}

/** The integer of `n` u64 limbs (low first) from `limbs[at]`. */
function fromLimbs(limbs: BigUint64Array, at: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 64n) | limbs[at + i]!;
  return v;
}

function* skip<T>(items: Iterable<T>, n: number): Generator<T, void, undefined> {
  let i = 0;
  for (const item of items) if (i++ >= n) yield item;
}

function choiceOf(records: Int32Array, r: number, N: number): GroundingChoice {
  const cand = new Array<number>(N);
  const completion = new Array<number>(N);
  for (let i = 0; i < N; i++) {
    cand[i] = records[(r * N + i) * 2]!;
    completion[i] = records[(r * N + i) * 2 + 1]!;
  }
  return { cand, completion };
}

/**
 * The flat i32 layout read by assembly/grounding.ts (documented there): header, neuron records,
 * candidate truth tables, layer-1 name codes, parent links.
 */
export function encodeGroundingProblem(problem: GroundingProblem, layout: WasmLayout): Int32Array {
  const { maxInputs, headerWords, neuronWords, problemVersion } = layout.grounding;
  const m = problem.inputs.length;
  if (m < 1 || m > maxInputs) throw new LimitError(`${m} distinct grounding inputs; the kernels accept 1 to ${maxInputs}`);
  const N = problem.neurons.length;
  const totalCand = problem.neurons.reduce((a, n) => a + n.tts.length, 0);
  const totalParents = problem.neurons.reduce((a, n) => a + (n.parents?.length ?? 0), 0);
  const words = new Int32Array(headerWords + neuronWords * N + 2 * totalCand + totalParents);
  words.set([problemVersion, m, N, totalCand, totalParents]);
  const tts = headerWords + neuronWords * N;
  const codes = tts + totalCand;
  const links = codes + totalCand;
  let cand = 0;
  let par = 0;
  problem.neurons.forEach((n, i) => {
    words.set([n.layer, n.index, n.tts.length, cand, n.parents ? n.parents.length : -1, par], headerWords + neuronWords * i);
    n.tts.forEach((tt, c) => {
      words[tts + cand + c] = tt | 0;
      words[codes + cand + c] = n.nameCodes ? n.nameCodes[c]! : -1;
    });
    n.parents?.forEach((p, j) => (words[links + par + j] = p));
    cand += n.tts.length;
    par += n.parents?.length ?? 0;
  });
  return words;
}
