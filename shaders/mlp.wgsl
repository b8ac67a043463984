// The MLP on the GPU: the model buffer shared by the kernels, and one neuron's output computed two
// ways (the kernels use the first and fall back to the second):
//
// 1. Fast: native f32 arithmetic with a certified bound E on its distance from the reference value
//    R (src/model.ts). WGSL only promises that f32 + and * return one of the two floats around the
//    exact result (not always the nearest), may flush subnormals to zero, and may contract a*b+c;
//    the bound covers all of that. Per neuron with N = inputs + 1 terms t_j (products and bias):
//      E <= sum_j |w_j| E_j                      (the inputs' own error)
//         + N 2^-21 sum_j |t_j|                  (rounding: the reference's N steps of 2^-24 (+2^-53)
//                                                 and this computation's 2N steps of 2^-23, any order)
//         + 4N 2^-100                            (flushed subnormals, below)
//    then LeakyReLU, which is max(1, |slope|)-Lipschitz, adds 2^-22 |slope| |v| for its rounded
//    product (and 2 2^-100). Each bound is computed in f32 and inflated by 2^-12 (and 2^-100) for
//    its own rounding.
//    Flushed subnormals: flushing moves a value by less than 2^-126, so a flushed sum input or
//    result costs < 2^-126, and a flushed product input < 2^-126 times the other factor. The
//    allowance was first argued from |x|, |w| <= 2^20, but only inputs and parameters are checked
//    against 2^20: hidden activations are capped only by FAST_LIMIT (weights of 2^20 make them 2^60
//    in three layers). A subnormal weight times such an activation, flushed, loses up to 2^-126
//    2^64 = 2^-62, far beyond 4 2^-100, and later layers of large weights grow that past any
//    decision margin (SwiftShader flushes, and decided such a model wrongly: test
//    webgpu-subnormal). So the CPU keeps the fast path off when a weight (or, to keep this argument
//    short, the slope) is subnormal (fastPathHolds, src/backends/webgpu-data.ts). Then every flush
//    is bounded whatever the activations: a subnormal activation times a weight or the slope (<=
//    2^20) costs < 2^-106; a product's result, a sum's two inputs and its result < 2^-126 each (a
//    subnormal bias too); the reference's own subnormal roundings 2^-150. Per term that is <
//    2^-105, within 4 2^-100. A negative subnormal acc that `acc < 0` reads as zero keeps v = acc,
//    off the reference's acc * slope by < 2^-126 (1 + 2^20); as err > 2^-99 > |acc| it takes the
//    Lipschitz branch, whose 2 2^-100 covers that. The bound's own arithmetic loses < 2^-126 per
//    flush in err (a hidden bound is >= 2^-100, an input's 0, factors are normal) and < 2^-106 in
//    the magnitude, which err takes scaled by N 2^-21: within the 2^-100 added per neuron.
//    A decision (round half to even equals the label, or v > 0.5) is taken only when the value is
//    farther than 2E (+2^-20) from every boundary (k + 0.5, or 0.5): R is then on the same side, so
//    the decision is the reference's. Otherwise (or when |v| or E exceed 2^64, which keeps every
//    value finite) the exact path decides.
// 2. Exact: the reference's arithmetic emulated on float32 bit patterns (softfloat.wgsl), in its
//    order: first product, then multiply-adds with j ascending, the bias last, LeakyReLU after
//    every layer.
//
// Model buffer (written by src/backends/webgpu-data.ts), all u32:
//   [0] L (number of weight layers)   [1] LeakyReLU slope (float32 bits)
//   [2 .. 2+L]        layer sizes, inputs first
//   [3+L .. 3+2L)     offset of layer l's weights (row-major out x in)
//   [3+2L .. 3+3L)    offset of layer l's biases
//   [3+3L .. 4+4L)    offset of layer l's activations in `act` (layer 0 = the inputs)
//   then the weights and biases themselves (float32 bits).

// MLP_MAX_NEURONS, MLP_MAX_LAYERS and MASK_BITS come from limits.wgsl, generated from
// shaders/limits.json (the same table gives the host side its limits).

@group(0) @binding(1) var<storage, read> model: array<u32>;

/// Exact path: activations (float32 bits) of every layer (layer offsets from `mlpActOffset`).
var<private> act: array<u32, MLP_MAX_NEURONS>;
/// Fast path: activations (x) and their error bounds (y).
var<private> fast: array<vec2<f32>, MLP_MAX_NEURONS>;
/// Ablated neurons (the circuit kernel's mean and resample ablation): the replacement value
/// (float32 bits) of each unit of layers 0..L-1, at its offset in `act`. A pruned edge j -> r adds
/// w_rj * replacement_j in its place in the sum (src/circuits/ablation.ts). Replacement values
/// are exact, so in the fast path they carry no error; the CPU enables the fast path only when
/// they are <= 2^20 in magnitude, as it does for inputs.
var<private> mlpReplacement: array<u32, MLP_MAX_NEURONS>;

/// Fast path: the CPU enables it only when |weights|, |biases|, |slope| and |inputs| are <= 2^20
/// and no weight and not the slope is subnormal (see the flushed subnormals above).
const FAST_LIMIT: f32 = 18446744073709551616.0; // 2^64: larger values or bounds go the exact way
const FAST_ABS: f32 = 7.888609052210118e-31; // 2^-100
/// Tests only: every fast-path result is scaled by (1 + fastSkew), a GPU rounding as badly as WGSL
/// allows, to check that the bound still holds. 0 compiles away.
override fastSkew: f32 = 0.0;

fn mlpLayers() -> u32 {
  return model[0];
}

fn mlpSlope() -> u32 {
  return model[1];
}

fn mlpSize(l: u32) -> u32 {
  return model[2u + l];
}

fn mlpWeightOffset(l: u32) -> u32 {
  return model[3u + model[0] + l];
}

fn mlpBiasOffset(l: u32) -> u32 {
  return model[3u + 2u * model[0] + l];
}

fn mlpActOffset(l: u32) -> u32 {
  return model[3u + 3u * model[0] + l];
}

/// Output r of layer l from the activations in `act`, with only the inputs whose bit is set in
/// `inputs` (bit j = input j): the masked edges contribute +-0, which never changes a non-zero sum;
/// with `ablate`, they contribute their weight times the input's replacement value instead.
/// The multiply-adds of the inputs, the bias and LeakyReLU share one loop so that the large
/// `sfMulAdd` is inlined once (shader compile time, code size).
fn mlpNeuron(l: u32, r: u32, inputs: u32, ablate: bool) -> u32 {
  let nIn = mlpSize(l);
  let w = mlpWeightOffset(l) + r * nIn;
  let x = mlpActOffset(l);
  let bias = model[mlpBiasOffset(l) + r];
  let slope = mlpSlope();
  // One multiply-add call site: inputs j < nIn, then the bias (j == nIn), then LeakyReLU (j == nIn + 1).
  var acc = 0u;
  for (var j = 0u; j < nIn + 2u; j++) {
    var a = acc;
    var u = SF_ONE;
    var v = bias;
    if (j < nIn) {
      if (((inputs >> j) & 1u) == 1u) {
        u = act[x + j];
      } else if (ablate) {
        u = mlpReplacement[x + j];
      } else {
        continue;
      }
      v = model[w + j];
    } else if (j > nIn) {
      if ((acc & SF_SIGN) == 0u) {
        break; // LeakyReLU keeps non-negative values
      }
      a = 0u;
      u = acc;
      v = slope;
    }
    acc = sfMulAdd(a, u, v);
  }
  return acc;
}

/// Output r of layer l with every input (layers wider than 32 inputs are not supported).
fn mlpDenseNeuron(l: u32, r: u32) -> u32 {
  let nIn = mlpSize(l);
  return mlpNeuron(l, r, mlpAllInputs(nIn), false);
}

/// The mask of every input of a layer of nIn inputs.
fn mlpAllInputs(nIn: u32) -> u32 {
  return select((1u << nIn) - 1u, 0xffffffffu, nIn >= 32u);
}

/// Fast path for output r of layer l (same `inputs` and `ablate` as `mlpNeuron`): writes its
/// value and bound to `fast`; false when they leave the range where the bound holds.
fn mlpFastNeuron(l: u32, r: u32, inputs: u32, ablate: bool) -> bool {
  let nIn = mlpSize(l);
  let w = mlpWeightOffset(l) + r * nIn;
  let x = mlpActOffset(l);
  let bias = bitcast<f32>(model[mlpBiasOffset(l) + r]);
  var acc = 0.0;
  var magnitude = abs(bias); // sum of |t_j| with the inputs' bounds included
  var err = 0.0;
  var terms = 1.0;
  var bits = select(inputs, mlpAllInputs(nIn), ablate);
  while (bits != 0u) {
    let j = countTrailingZeros(bits);
    bits = bits & (bits - 1u);
    let wj = bitcast<f32>(model[w + j]);
    var xe = fast[x + j];
    if (((inputs >> j) & 1u) == 0u) {
      xe = vec2<f32>(bitcast<f32>(mlpReplacement[x + j]), 0.0); // an ablated edge: exact
    }
    let xj = xe.x;
    let ej = xe.y;
    acc = (acc + xj * wj) * (1.0 + fastSkew);
    magnitude = magnitude + abs(wj) * (abs(xj) + ej);
    err = err + abs(wj) * ej;
    terms = terms + 1.0;
  }
  acc = (acc + bias) * (1.0 + fastSkew);
  err = err + terms * 4.76837158203125e-7 * magnitude + 4.0 * terms * FAST_ABS; // N 2^-21
  let slope = bitcast<f32>(mlpSlope());
  var v = acc;
  if (acc < 0.0) {
    v = acc * slope * (1.0 + fastSkew);
    err = max(1.0, abs(slope)) * err + 2.384185791015625e-7 * abs(slope) * (abs(acc) + err) + 2.0 * FAST_ABS; // 2^-22
  } else if (acc - err < 0.0) {
    // The reference may take the other branch: LeakyReLU's Lipschitz constant, and its product's rounding.
    err = max(1.0, abs(slope)) * err + 2.384185791015625e-7 * abs(slope) * (abs(acc) + err) + 2.0 * FAST_ABS;
  }
  err = err * 1.000244140625 + FAST_ABS; // the bound's own rounding (2^-12)
  fast[mlpActOffset(l + 1u) + r] = vec2<f32>(v, err);
  return abs(v) < FAST_LIMIT && err < FAST_LIMIT;
}

/// Output r of layer l with every input, fast path.
fn mlpFastDenseNeuron(l: u32, r: u32) -> bool {
  let nIn = mlpSize(l);
  return mlpFastNeuron(l, r, mlpAllInputs(nIn), false);
}

/// Fast path: round half to even of a value with bound e equals `label` (1), differs (0), or
/// cannot be decided from the bound (2). Labels are float32 bits with zero as +0.
fn mlpFastRoundEquals(v: f32, e: f32, label: u32) -> u32 {
  if (!(abs(v) < 4194304.0)) {
    return 2u; // |v| >= 2^22
  }
  let k = round(v);
  let margin = 0.5 - abs(v - k);
  if (!(margin > 2.0 * e + 9.5367431640625e-7)) {
    return 2u; // a rounding boundary k +- 0.5 is within reach (2^-20 covers the margin's rounding)
  }
  return select(0u, 1u, select(bitcast<u32>(k), 0u, k == 0.0) == label);
}

/// Fast path: whether a value with bound e is > 0.5 (1), not (0), or undecided (2).
fn mlpFastAboveHalf(v: f32, e: f32) -> u32 {
  let d = v - 0.5;
  if (!(abs(d) > 2.0 * e + 9.5367431640625e-7)) {
    return 2u;
  }
  return select(0u, 1u, d > 0.0);
}
