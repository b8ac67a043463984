// Batched interchange interventions for the mapping search (needs softfloat.wgsl and mlp.wgsl).
//
// One invocation = one (candidate neuron set, sample pair). It runs the full model on the pair's
// source input, then on its base input with the candidate's hidden neurons overwritten (after
// their activation) by their source values (docs/semantics.md, N4), and reads `output 0 > 0.5` (fast path
// first, exact path when its bound cannot decide; mlp.wgsl). Every formula
// node whose expected value on this pair differs marks (node, candidate) invalid, so `valid` ends
// as "valid for all pairs". The minimal-mapping search that uses the table stays on the CPU
// (src/mappings.ts). Overflowing arithmetic sets status[0]: the CPU then recomputes the table.
// status[1] counts the interventions the exact path decided.

struct Params {
  nPairs: u32,
  nCandidates: u32,
  /// Formula nodes (rows of `expected` and `valid`), possibly of several formulas.
  nNodes: u32,
  /// Workgroups along x (the dispatch may be two-dimensional).
  groupsX: u32,
  /// 1 when the fast path's bounds hold for this model and these inputs (mlp.wgsl), else 0.
  fast: u32,
}

override workgroupSize: u32 = 64u;
/// Try the certified native-f32 path before the exact one (false: exact only).
override fastPath: bool = true;

@group(0) @binding(0) var<uniform> params: Params;
/// Per pair: the source input bits, then the base input bits.
@group(0) @binding(2) var<storage, read> pairs: array<u32>;
/// Candidate sets as bitmasks over the hidden neurons, numbered layer-major from 0.
@group(0) @binding(3) var<storage, read> candidates: array<u32>;
/// expected[node * nPairs + pair]: the formula's value with the node forced to its source value.
@group(0) @binding(4) var<storage, read> expected: array<u32>;
/// valid[node * nCandidates + candidate]: 1 on entry, 0 once a pair disagrees.
@group(0) @binding(5) var<storage, read_write> valid: array<atomic<u32>>;
/// [0]: 1 if some arithmetic overflowed; [1]: interventions the exact path decided.
@group(0) @binding(6) var<storage, read_write> status: array<atomic<u32>>;

/// Runs the model on the input at `pairs[at..]`. A hidden neuron whose bit is set in `patched`
/// (numbered layer-major) keeps the value the previous run left in `act`: its source value, as
/// each slot of `act` is overwritten only when its own neuron is computed.
fn runModel(at: u32, patched: u32) {
  let L = mlpLayers();
  for (var j = 0u; j < mlpSize(0u); j++) {
    act[j] = pairs[at + j];
  }
  var hidden = 0u; // layer-major number of the next hidden neuron
  for (var l = 0u; l < L; l++) {
    let out = mlpActOffset(l + 1u);
    for (var n = 0u; n < mlpSize(l + 1u); n++) {
      var v = mlpDenseNeuron(l, n);
      if (l + 1u < L) {
        if (((patched >> hidden) & 1u) == 1u) {
          v = act[out + n];
        }
        hidden++;
      }
      act[out + n] = v;
    }
  }
}

/// The fast path of `runModel` (same patching); false when a bound does not hold.
fn runModelFast(at: u32, patched: u32) -> bool {
  let L = mlpLayers();
  for (var j = 0u; j < mlpSize(0u); j++) {
    fast[j] = vec2<f32>(bitcast<f32>(pairs[at + j]), 0.0);
  }
  var hidden = 0u;
  for (var l = 0u; l < L; l++) {
    let out = mlpActOffset(l + 1u);
    for (var n = 0u; n < mlpSize(l + 1u); n++) {
      // A patched neuron keeps the source run's value and bound.
      let keep = l + 1u < L && ((patched >> hidden) & 1u) == 1u;
      if (l + 1u < L) {
        hidden++;
      }
      if (!keep && !mlpFastDenseNeuron(l, n)) {
        return false;
      }
    }
  }
  return true;
}

/// `output 0 > 0.5` for pair p with candidate c patched in: 1 or 0.
fn interventionOutput(c: u32, p: u32) -> u32 {
  let nIn = mlpSize(0u);
  let outAt = mlpActOffset(mlpLayers());
  // Run 0: the source input; run 1: the base input patched with run 0's values. (One call site
  // for the model, so that it is inlined once.)
  if (fastPath && params.fast == 1u) {
    var ok = true;
    for (var run = 0u; run < 2u && ok; run++) {
      ok = runModelFast(2u * nIn * p + run * nIn, select(0u, candidates[c], run == 1u));
    }
    if (ok) {
      let d = mlpFastAboveHalf(fast[outAt].x, fast[outAt].y);
      if (d != 2u) {
        return d;
      }
    }
  }
  atomicAdd(&status[1], 1u);
  for (var run = 0u; run < 2u; run++) {
    runModel(2u * nIn * p + run * nIn, select(0u, candidates[c], run == 1u));
  }
  return select(0u, 1u, sfAboveHalf(act[outAt]));
}

@compute @workgroup_size(workgroupSize)
fn intervene(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let t = (group.y * params.groupsX + group.x) * workgroupSize + lane;
  if (t >= params.nPairs * params.nCandidates) {
    return;
  }
  let c = t / params.nPairs;
  let p = t % params.nPairs;
  sfOverflow = false;
  let out = interventionOutput(c, p);
  if (sfOverflow) {
    atomicStore(&status[0], 1u);
  }
  for (var n = 0u; n < params.nNodes; n++) {
    if (expected[n * params.nPairs + p] != out) {
      atomicStore(&valid[n * params.nCandidates + c], 0u);
    }
  }
}
