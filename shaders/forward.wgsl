// Batched masked forward passes for the circuit search (needs softfloat.wgsl and mlp.wgsl).
//
// One invocation = one circuit. It finds its node combination by binary search over the
// combinations' first indices, decodes its edge masks from the mixed-radix index (layer 0 slowest,
// like src/circuits/space.ts), runs the masked forward pass on every data row, sums the weights of
// the rows whose rounded outputs (half to even) all equal their labels, and appends its index to
// `found` when that sum reaches `need` (the smallest count whose accuracy beats the threshold,
// computed on the CPU with the reference's float64 division). Circuits whose arithmetic
// overflowed are appended with FOUND_RECHECK set: the CPU reference decides those.
//
// Edge masks come from small per-combination tables (u32, bit r*nIn+j = edge j -> r), so node masks
// are never needed: edges only join active nodes, a masked hidden node's value reaches nothing,
// and the output mask is never applied (docs/semantics.md, N2).
//
// With `params.ablate`, pruned parts pass replacement values instead of zero (the mean- and
// resample-ablation criteria, docs/criteria.md, K2): each row's values come from `replacement`,
// and a pruned edge j -> r adds w_rj * replacement_j (mlp.wgsl). A pruned node's edges are all
// pruned (C3), so it passes its replacement value downstream.

struct Params {
  /// Index of this dispatch's first circuit, counted from the first combination's first circuit.
  first: u32,
  /// Index of this dispatch's first circuit within the request (what `found` records).
  base: u32,
  /// Circuits in this dispatch.
  count: u32,
  nCombos: u32,
  nRows: u32,
  /// Sum of all row weights.
  total: u32,
  /// Weighted correct rows a circuit needs.
  need: u32,
  /// Slots in `found` after the counter.
  capacity: u32,
  /// Workgroups along x (the dispatch may be two-dimensional).
  groupsX: u32,
  /// 1 when the fast path's bounds hold for this model and data (mlp.wgsl), else 0.
  fast: u32,
  /// 1 when pruned parts pass the rows' replacement values, 0 for zero ablation.
  ablate: u32,
}

/// Marks an entry of `found` whose arithmetic overflowed.
const FOUND_RECHECK: u32 = 0x80000000u;

/// Invocations per workgroup.
override workgroupSize: u32 = 64u;
/// Stop a circuit's rows as soon as its decision is known (false: evaluate every row, for benchmarks).
override earlyExit: bool = true;
/// Try the certified native-f32 path before the exact one (false: exact only, for tests and benchmarks).
override fastPath: bool = true;

@group(0) @binding(0) var<uniform> params: Params;
/// Rows: the input bits (nIn), the label bits (nOut, NaN for a label no rounded output can equal), the weight.
@group(0) @binding(2) var<storage, read> rows: array<u32>;
/// Per combination, stride 1 + 2L: first circuit, edge-choice counts per layer, table offsets per layer.
@group(0) @binding(3) var<storage, read> combos: array<u32>;
/// Edge-mask tables: two words per mask (bits 0..31, then 32..63), table offsets in masks.
@group(0) @binding(4) var<storage, read> choices: array<u32>;
/// [0] number of entries appended (may exceed capacity), [1] rows the exact path decided, then
/// the entries.
@group(0) @binding(5) var<storage, read_write> found: array<atomic<u32>>;
/// With `params.ablate`: per row, the replacement value (float32 bits) of every unit of layers
/// 0..L-1 (inputs first, layer-major), `mlpActOffset(L)` words per row.
@group(0) @binding(6) var<storage, read> replacement: array<u32>;

var<private> edgeMasks: array<vec2<u32>, MLP_MAX_LAYERS>;
/// Rows of the current circuit that the exact path decided (added to found[1] once per circuit).
var<private> exactRows: u32;

/// The edge masks of the circuit at `position` (counted from the first combination's start).
fn decodeCircuit(position: u32) {
  let L = mlpLayers();
  let stride = 1u + 2u * L;
  // Last combination whose first circuit is <= position.
  var lo = 0u;
  var hi = params.nCombos - 1u;
  while (lo < hi) {
    let mid = (lo + hi + 1u) / 2u;
    if (combos[mid * stride] <= position) {
      lo = mid;
    } else {
      hi = mid - 1u;
    }
  }
  let at = lo * stride;
  var local = position - combos[at];
  for (var k = 0u; k < L; k++) {
    let l = L - 1u - k; // the last layer varies fastest
    let n = combos[at + 1u + l];
    let mask = combos[at + 1u + L + l] + local % n;
    edgeMasks[l] = vec2<u32>(choices[2u * mask], choices[2u * mask + 1u]);
    local = local / n;
  }
}

/// Bits [shift, shift + width) of the 64-bit mask m (m.x holds bits 0..31), width <= 32: the edges
/// of one neuron. (Shifts of 32 or more are not defined for u32, hence the cases.)
fn rowBits(m: vec2<u32>, shift: u32, width: u32) -> u32 {
  var v = m.x;
  if (shift >= 32u) {
    v = m.y >> (shift - 32u);
  } else if (shift > 0u) {
    v = (m.x >> shift) | (m.y << (32u - shift));
  }
  return v & select((1u << width) - 1u, 0xffffffffu, width >= 32u);
}

/// The masked forward pass on row `r` in the exact path: does every rounded output equal its label?
fn rowCorrectExact(r: u32, stride: u32) -> bool {
  let L = mlpLayers();
  let nIn = mlpSize(0u);
  let start = r * stride;
  for (var j = 0u; j < nIn; j++) {
    act[j] = rows[start + j];
  }
  for (var l = 0u; l < L; l++) {
    let inputs = mlpSize(l);
    let out = mlpActOffset(l + 1u);
    for (var n = 0u; n < mlpSize(l + 1u); n++) {
      act[out + n] = mlpNeuron(l, n, rowBits(edgeMasks[l], n * inputs, inputs), params.ablate == 1u);
    }
  }
  let outputs = mlpActOffset(L);
  var ok = true;
  for (var o = 0u; o < mlpSize(L); o++) {
    ok = ok && sfRoundHalfEven(act[outputs + o]) == rows[start + nIn + o];
  }
  return ok;
}

/// The same decision in the fast path: 1 correct, 0 not, 2 undecided (the exact path decides).
fn rowCorrectFast(r: u32, stride: u32) -> u32 {
  let L = mlpLayers();
  let nIn = mlpSize(0u);
  let start = r * stride;
  for (var j = 0u; j < nIn; j++) {
    fast[j] = vec2<f32>(bitcast<f32>(rows[start + j]), 0.0);
  }
  for (var l = 0u; l < L; l++) {
    let inputs = mlpSize(l);
    for (var n = 0u; n < mlpSize(l + 1u); n++) {
      if (!mlpFastNeuron(l, n, rowBits(edgeMasks[l], n * inputs, inputs), params.ablate == 1u)) {
        return 2u;
      }
    }
  }
  let outputs = mlpActOffset(L);
  var result = 1u;
  for (var o = 0u; o < mlpSize(L); o++) {
    let d = mlpFastRoundEquals(fast[outputs + o].x, fast[outputs + o].y, rows[start + nIn + o]);
    if (d == 2u) {
      return 2u;
    }
    result = result & d;
  }
  return result;
}

fn rowCorrect(r: u32, stride: u32) -> bool {
  if (params.ablate == 1u) {
    let units = mlpActOffset(mlpLayers());
    for (var u = 0u; u < units; u++) {
      mlpReplacement[u] = replacement[r * units + u];
    }
  }
  if (fastPath && params.fast == 1u) {
    let d = rowCorrectFast(r, stride);
    if (d != 2u) {
      return d == 1u;
    }
  }
  exactRows++;
  return rowCorrectExact(r, stride);
}

@compute @workgroup_size(workgroupSize)
fn evaluateCircuits(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let t = (group.y * params.groupsX + group.x) * workgroupSize + lane;
  if (t >= params.count) {
    return;
  }
  decodeCircuit(params.first + t);
  let L = mlpLayers();
  let stride = mlpSize(0u) + mlpSize(L) + 1u;
  sfOverflow = false;
  var correct = 0u;
  var remaining = params.total;
  for (var r = 0u; r < params.nRows; r++) {
    if (earlyExit && (correct >= params.need || correct + remaining < params.need)) {
      break;
    }
    let weight = rows[r * stride + stride - 1u];
    if (rowCorrect(r, stride)) {
      correct += weight;
    }
    remaining -= weight;
    if (sfOverflow) {
      break;
    }
  }
  if (exactRows != 0u) {
    atomicAdd(&found[1], exactRows);
  }
  if (sfOverflow || correct >= params.need) {
    let slot = atomicAdd(&found[0], 1u);
    if (slot < params.capacity) {
      atomicStore(&found[2u + slot], (params.base + t) | select(0u, FOUND_RECHECK, sfOverflow));
    }
  }
}
