// The boundary between the kernels and JS: limits, status codes and record layouts. Everything
// here is exported from the module (assembly/index.ts) as a Wasm global, and JS reads the values
// at run time (src/backends/wasm-module.ts), so the two sides cannot drift apart.

/** Largest number of weight layers the circuit kernels take. */
export const MAX_LAYERS = 16;
/** A layer's edges are packed in one u64 per edge choice: at most this many edges per layer. */
export const MAX_PACKED_EDGES = 64;
/** Largest layer width the circuit kernels' static scratch holds. */
export const MAX_WIDTH = 32;

/** Bytes per entry of the combination table read by evaluateCombinations (forward.ts). */
export const COMBO_BYTES = 32;
/** Entry fields (byte offsets): i32 node-mask pointer, i32 edge-choice counts pointer, i32 edge choices pointer, i32 circuit count, f64 offset of the first circuit. */
export const COMBO_NODE_MASKS = 0;
export const COMBO_COUNTS = 4;
export const COMBO_CHOICES = 8;
export const COMBO_COUNT = 12;
export const COMBO_OFFSET = 16;

/** Truth tables are u32 masks over the distinct grounding inputs: at most this many. */
export const MAX_GROUNDING_INPUTS = 32;
/** A neuron's parent-bit rows index tables: at most this many parents. */
export const MAX_GROUNDING_PARENTS = 30;
/** Largest joint candidate choices of one layer the counting DP takes. */
export const MAX_GROUNDING_STATES: i32 = 1 << 22;

/** Grounding problem layout (grounding.ts): version word, header and neuron-record sizes in i32 words. */
export const PROBLEM_VERSION = 1;
export const PROBLEM_HEADER_WORDS = 5;
export const PROBLEM_NEURON_WORDS = 6;

/** Grounding kernel errors (groundingError()). */
export const ERR_NONE = 0;
export const ERR_BAD_PROBLEM = 1;
export const ERR_TOO_LARGE = 2;
export const ERR_UNNAMABLE = 3;
export const ERR_COMPLETION_INDEX = 4;

/** Per-circuit status written by groundCircuitBatch (ground-circuits.ts). */
export const GROUND_OK = 0;
/** The count does not fit in a u64: JS recounts in BigInt. */
export const GROUND_OVERFLOW = 1;
/** Past the kernels' limits or a degenerate separator ("Not allowed"): JS redoes it in TS. */
export const GROUND_FALLBACK = 2;
/** The count did not fit a u64 but fits the wide count (WIDE_COUNT_LIMBS u64 limbs, low first). */
export const GROUND_WIDE = 3;
/** Limbs of a wide grounding count: 4 x 64 = 256 bits. */
export const WIDE_COUNT_LIMBS = 4;

/** Interventions (intervene.ts): candidate neuron sets are u32 masks over the hidden neurons. */
export const MAX_INTERVENTION_NEURONS = 31;

/**
 * numpy's legacy Gaussian noise (numpy-noise.ts): byte offsets in its state block. The 624
 * MT19937 words come first; then the next word's index, the cached second Gaussian (flag and
 * value), the pairs drawn ahead (the next one's index and their count), a pair waiting for JS's
 * exact logarithm (flag: 1 waiting, 2 answered; its r2 and the answer), the logarithm's constants
 * JS writes (ln(j/256) as hi and lo parts, f64[363] each, j = 181..362 used; ln 2 in three
 * parts), and the pairs drawn ahead: NOISE_MAX_PAIRS of (x1, x2, r2, ln(r2)) as f64.
 */
export const NOISE_INDEX = 2496;
export const NOISE_HAS_GAUSS = 2500;
export const NOISE_PENDING = 2504;
export const NOISE_GAUSS = 2512;
export const NOISE_PAIR_NEXT = 2520;
export const NOISE_PAIR_COUNT = 2524;
export const NOISE_R2 = 2536;
export const NOISE_LOG = 2544;
export const NOISE_LN_HI = 2560;
export const NOISE_LN_LO = 2560 + 363 * 8;
export const NOISE_LN2_PARTS = 2560 + 2 * 363 * 8;
export const NOISE_PAIRS = 8400; // past the ln 2 parts (8392), 16-byte aligned
export const NOISE_MAX_PAIRS = 256;
export const NOISE_STATE_BYTES = NOISE_PAIRS + NOISE_MAX_PAIRS * 32;
