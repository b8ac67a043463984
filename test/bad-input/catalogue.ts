/**
 * The bad-input catalogue: one row per wrong input, by where it enters (the library API, the CLI,
 * or the explorer's model-file loader, `readPickedModel` on the picked file's bytes, as
 * examples/explorer/src/main.ts calls it: model JSON, torch.save files and safetensors). Each row states the error it must give: what is
 * wrong and where (`what`), and what to do where that is not obvious from it (`fix`); the
 * runner (bad-input.test.ts) also checks that nothing was written.
 *
 * Rows complement the tables of the suites that came first, which this catalogue does not repeat:
 * test/model.test.ts (19 malformed models, API), test/cli.test.ts (21 analyze/demo command
 * lines), test/experiment-cli.test.ts (12 run/reproduce/merge/train command lines) and
 * test/experiment.test.ts (8 grid configurations, store refusals).
 */
import { CircuitSpace } from '../../src/circuits/space.ts';
import { analyzeModel } from '../../src/analyze.ts';
import { InputError, LimitError, ModelFormatError } from '../../src/errors.ts';
import { parseDataset } from '../../src/data.ts';
import { distinctGateDicts, distinctGroundingRows, groundingProblem } from '../../src/grounding.ts';
import type { Model } from '../../src/model.ts';
import { createWasmBackend } from '../../src/backends/wasm.ts';
import { candidateMasks } from '../../src/mappings.ts';
import { parseModel } from '../../src/model.ts';
import { PRETRAINED_XOR } from '../../src/pretrained-xor.ts';
import { parseShard, shardPlan, slurmShard, taskShard } from '../../src/experiment/grid.ts';
import { mergeResults } from '../../src/experiment/node-merge.ts';
import { ResultStore } from '../../src/experiment/node-store.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelFile } from '../../src/model-file.ts';
import { readPickedModel } from '../../examples/explorer/src/model-file.ts';
import { file, grid, layoutModel, liveLock, outPath, pretrained, resultsFolder, TINY } from './inputs.ts';
import { strToU8, zipSync } from 'fflate';
import { dictPickle, fixture, fixturePath, le, mlp231, mlp231Zip, op, safetensors, tensorOps, torchZip } from '../model-file-helpers.ts';

type ErrorClass = typeof InputError | typeof LimitError | typeof ModelFormatError;

/** Grounding counts of `indices` on the Wasm backend, the inputs keyed as the pipeline keys them. */
async function countOnWasm(model: Model, space: CircuitSpace, indices: number[], rows: number[][]) {
  const backend = await createWasmBackend();
  return backend.countGroundings({ model, space, indices, inputs: distinctGroundingRows(rows, model.layerSizes[0]!) });
}

/** One wrong input and the error it must give. */
export interface BadInput {
  /** Where it enters. */
  surface: 'api' | 'cli' | 'loader';
  /** The input, in a few words. */
  name: string;
  /** API and loader rows: the call. */
  call?: () => unknown;
  /** API and loader rows: the error's class. */
  error?: ErrorClass;
  /** CLI rows: the arguments of `mi-ident`. */
  argv?: () => string[];
  /** CLI rows: environment variables set for the command. */
  env?: Record<string, string>;
  /** What is wrong, and where. */
  what: RegExp;
  /** What to do, where the message must say it. */
  fix?: RegExp;
  /** CLI rows whose error goes on after its first line (a list, commands to paste): those lines. */
  detail?: RegExp;
  /** Files that must not exist afterwards. */
  absent?: () => string[];
  /** Folders that must be left exactly as they were. */
  unchanged?: () => string[];
  /** About how long the refusal takes when it comes from an estimate (printed when exceeded; only a hang fails). */
  withinMs?: number;
}

/** A shard plan of the array --array=0-3. */
const PLAN_0_3 = { tool: 'mi-ident', kind: 'shard-plan', tasks: [0, 1, 2, 3] };

/** The loader: a model file as the explorer reads it, from its bytes (`text` as UTF-8). */
const load = (text: string, name = 'model.json') => () => readPickedModel(new TextEncoder().encode(text), name);
/** The loader on a fixture of test/fixtures/pytorch. */
const loadFixture = (name: string) => () => readPickedModel(fixture(name), name);
/** The marker the malicious fixture's pickle would create (shared/fixtures/pytorch/README.md). */
const MARKER = '/tmp/PWNED_mi_ident';
const pretty = (m: unknown) => JSON.stringify(m, null, 1);
const xor = { gates: ['XOR'] };

/** A 2-6-1 model whose neurons take 25 distinct values on a 5 x 5 grid: 24 thresholds each. */
const wideGroundingModel = parseModel({ layerSizes: [2, 6, 1], weights: [Array(6).fill([5, 1]), [Array(6).fill(1)]], biases: [Array(6).fill(0), [0]] });

/** The last circuit (every edge) of the first combination that keeps 5 hidden neurons and the output. */
function fiveNeuronCircuit(space: CircuitSpace): number {
  const combo = space.combinations.find((c) => c.nodeMasks[1]!.filter(Boolean).length === 5 && c.nodeMasks[2]![0] === 1)!;
  return combo.offset + combo.count - 1;
}

/** {@link mlp231Zip} with a zip64 end-of-central-directory record (and its locator) that claims `entries` entries. */
function zip64Claiming(entries: number): Uint8Array {
  const z = mlp231Zip();
  let e = z.length - 22;
  while (!(z[e] === 0x50 && z[e + 1] === 0x4b && z[e + 2] === 5 && z[e + 3] === 6)) e--;
  const record = new DataView(new ArrayBuffer(76));
  record.setUint32(0, 0x06064b50, true);
  record.setBigUint64(4, 44n, true);
  record.setBigUint64(24, BigInt(entries), true);
  record.setBigUint64(32, BigInt(entries), true);
  record.setBigUint64(48, BigInt(new DataView(z.buffer, z.byteOffset).getUint32(e + 16, true)), true);
  record.setUint32(56, 0x07064b50, true); // the locator: where the zip64 record is
  record.setBigUint64(64, BigInt(e), true);
  record.setUint32(72, 1, true);
  const out = new Uint8Array(z.length + 76);
  out.set(z.subarray(0, e));
  out.set(new Uint8Array(record.buffer), e);
  out.set(z.subarray(e), e + 76);
  return out;
}

/** A safetensors file of any header (as JSON) and `dataBytes` zero bytes of data. */
function rawSafetensors(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

/** {@link resultsFolder} whose stored config.json `change` edits (the parsed JSON, any field). */
function storedWith(name: string, change: (stored: any) => void): string {
  const dir = resultsFolder(name);
  const stored = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  change(stored);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(stored));
  return dir;
}

/** What {@link resultsFolder} stores. */
const tinyStored = () => JSON.parse(readFileSync(join(resultsFolder(`tiny-${Math.random().toString(36).slice(2)}`), 'config.json'), 'utf8'));

/** {@link resultsFolder} with a folder `sub` inside it. */
function folderWith(name: string, sub: string): string {
  const dir = resultsFolder(name);
  mkdirSync(join(dir, sub));
  return dir;
}

export const CATALOGUE: BadInput[] = [
  // ---- the explorer's loader: parseModel on a file's text ----
  { surface: 'loader', name: 'empty file', call: load(''), error: ModelFormatError, what: /^model\.json is empty/, fix: /choose a model file \(JSON, torch\.save or safetensors/ },
  {
    surface: 'loader', name: 'a zip cut after its first header (a PyTorch checkpoint, half downloaded)', call: load('PK\u0003\u0004\u0014\u0000\u0000\u0000archive/data.pkl', 'model.pt'),
    error: ModelFormatError, what: /^model\.pt is truncated or corrupt: it starts like a zip archive \(as torch\.save writes\) but has no end-of-central-directory record/,
  },
  {
    surface: 'api', name: 'parseModel on a pickled checkpoint read as UTF-8 text', call: () => parseModel('\ufffd\u0002}q\u0000(X\u0006\u0000\u0000\u0000fc1.weight'),
    error: ModelFormatError, what: /^model is a Python pickle/, fix: /from its bytes, with loadModelFile/,
  },
  {
    surface: 'loader', name: "NaN written by Python's json.dump", call: load(pretty(pretrained()).replace(/("weights": \[\n\s*\[\n\s*\[\n\s*)([-\d.e]+)/, '$1NaN')),
    error: ModelFormatError, what: /^model\.json is not valid JSON: NaN at line \d+, column \d+ \(JSON has no NaN or Infinity/, fix: /every weight and bias must be a finite number/,
  },
  {
    surface: 'loader', name: '-Infinity in a bias', call: load(pretty(pretrained()).replace(/("biases": \[\n\s*\[\n\s*)([-\d.e]+)/, '$1-Infinity')),
    error: ModelFormatError, what: /^model\.json is not valid JSON: -Infinity at line \d+, column \d+/,
  },
  {
    surface: 'loader', name: 'truncated file', call: load(pretty(pretrained()).slice(0, 300)),
    error: ModelFormatError, what: /^model\.json is not valid JSON: it ends at line \d+, column \d+ before the JSON is complete \(a truncated file\?\)/,
  },
  {
    surface: 'loader', name: 'JSON Lines: two models in one file', call: load(`${JSON.stringify(pretrained())}\n${JSON.stringify(pretrained())}\n`),
    error: ModelFormatError, what: /^model\.json is not valid JSON at line 2, column 1: Unexpected non-whitespace character after JSON/, fix: /one JSON document is expected/,
  },
  {
    surface: 'loader', name: 'trailing comma', call: load('{"layerSizes": [2, 1],\n "weights": [[[1, 2]]],\n "biases": [[0]],\n}'),
    error: ModelFormatError, what: /^model\.json is not valid JSON at line 4, column 1: /,
  },
  {
    surface: 'loader', name: 'an analysis result (analyze --json) instead of a model',
    call: load(JSON.stringify({ schemaVersion: 1, layerSizes: [2, 3, 3, 1], options: {}, outputs: [] })),
    error: ModelFormatError, what: /^model is missing the field "weights": this is an analysis result \(mi-ident analyze --json\), not a model/,
  },
  {
    surface: 'loader', name: 'a results.jsonl record (the model inside "model")', call: load(JSON.stringify({ key: 'g1/s0', converged: true, model: pretrained() })),
    error: ModelFormatError, what: /^model is missing the field "layerSizes"/, fix: /inside the field "model"; save that object as the model file/,
  },
  {
    surface: 'loader', name: 'extra field negative_slope (snake_case: its value would be ignored)', call: load(JSON.stringify({ ...pretrained(), negativeSlope: undefined, negative_slope: 0.2 })),
    error: ModelFormatError, what: /^model field "negative_slope" is not recognised/, fix: /did you mean "negativeSlope"\?/,
  },
  {
    surface: 'loader', name: 'field "weight" for "weights"', call: load(JSON.stringify({ ...pretrained(), weights: undefined, weight: pretrained().weights })),
    error: ModelFormatError, what: /^model field "weight" is not recognised/, fix: /did you mean "weights"\?/,
  },
  {
    surface: 'loader', name: 'field "layer_sizes"', call: load(JSON.stringify({ ...pretrained(), layerSizes: undefined, layer_sizes: [2, 3, 3, 1] })),
    error: ModelFormatError, what: /^model field "layer_sizes" is not recognised/, fix: /did you mean "layerSizes"\?/,
  },
  {
    surface: 'loader', name: 'a weight that overflows a double (1e999)', call: load(JSON.stringify(pretrained()).replace('1.0496739149093628', '1e999')),
    error: ModelFormatError, what: /^weights\[0\]\[0\]\[0\] must be a finite number, got Infinity/,
  },
  { surface: 'loader', name: 'layerSizes as a string', call: load(JSON.stringify({ ...pretrained(), layerSizes: '2-3-3-1' })), error: ModelFormatError, what: /^layerSizes must be an array of at least 2 layer sizes/ },
  {
    surface: 'loader', name: 'a weight row as an object', call: load(JSON.stringify({ ...pretrained(), weights: [[[1, 1], { 0: 1, 1: 1 }, [1, 1]], ...pretrained().weights.slice(1)] })),
    error: ModelFormatError, what: /^weights\[0\]\[1\] must be an array, got object/,
  },
  { surface: 'loader', name: 'weights null', call: load(JSON.stringify({ ...pretrained(), weights: null })), error: ModelFormatError, what: /^weights must be an array, got null/ },
  { surface: 'loader', name: 'negativeSlope as a string', call: load(JSON.stringify({ ...pretrained(), negativeSlope: '0.01' })), error: ModelFormatError, what: /^negativeSlope must be a finite number, got "0.01"/ },

  // ---- found by the fuzzers (test/fuzz/, docs/fuzzing.md) ----
  {
    surface: 'loader', name: 'fuzz: negativeSlope 1e308, finite but not a float32 (was read as an infinite slope)', call: load(JSON.stringify({ ...pretrained(), negativeSlope: 1e308 })),
    error: ModelFormatError, what: /^negativeSlope is 1e\+308, beyond the float32 range \(at most 3\.4028234663852886e\+38 in size\): it would be read as Infinity/,
  },
  {
    surface: 'loader', name: 'fuzz: a weight just past the largest float32 (was read as -Infinity)', call: load(JSON.stringify(pretrained()).replace('1.0496739149093628', '-3.4028235677973366e38')),
    error: ModelFormatError, what: /^weights\[0\]\[0\]\[0\] is -3\.4028235677973366e\+38, beyond the float32 range .*it would be read as -Infinity/,
  },
  {
    surface: 'loader', name: 'fuzz: layerSizes[0] of 10^15 with 3-column rows (was a RangeError allocating the matrix)', call: load(JSON.stringify({ ...pretrained(), layerSizes: [1e15, 3, 3, 1] })),
    error: ModelFormatError, what: /^weights\[0\]\[0\] has 2 columns, layerSizes says 1000000000000000/,
  },
  {
    surface: 'loader', name: 'fuzz: a weight nested 100,000 arrays deep (its message was the whole value, or a stack overflow)',
    call: load(JSON.stringify(pretrained()).replace('1.0496739149093628', '['.repeat(100_000) + ']'.repeat(100_000))),
    error: ModelFormatError, what: /^weights\[0\]\[0\]\[0\] must be a finite number, got \[{7}\.\.\.\]{7}$/,
  },
  {
    surface: 'loader', name: 'fuzz: a lookalike field name of 4,000 characters (quoted whole in the message)', call: load(JSON.stringify({ ...pretrained(), weights: undefined, [`weight${'['.repeat(4000)}`]: 1 })),
    error: ModelFormatError, what: /^model field "weight\[{53}\.\.\. is not recognised: did you mean "weights"\?/,
  },
  {
    surface: 'loader', name: 'fuzz: a zip64 end record that lists 2^32 - 1 entries (fflate looped over them: still running after 120 s)', call: () => readPickedModel(zip64Claiming(0xffffffff), 'model.pt'),
    error: ModelFormatError, what: /^model\.pt is truncated or corrupt: it starts like a zip archive \(as torch\.save writes\) but its central directory lists 4294967295 entries, and entry 4 is not where it says/,
  },
  {
    surface: 'loader', name: 'fuzz: a byteorder record of 300,000 bytes (a stack overflow decoding it)', call: () => readPickedModel(torchZip(dictPickle([]), {}, { byteorder: 'x'.repeat(300_000) }), 'model.pt'),
    error: ModelFormatError, what: /^model\.pt: model\/byteorder says 300000 bytes, neither little nor big$/,
  },
  {
    surface: 'loader', name: 'fuzz: APPENDS of 200,000 items (a stack overflow spreading them)', call: () => readPickedModel(torchZip(Uint8Array.from([...op.proto, 0x5d, ...op.mark, ...new Array<number>(200_000).fill(0x4e), 0x65, ...op.stop]), {}), 'model.pt'),
    error: ModelFormatError, what: /^model\.pt: holds a list, not a state_dict/,
  },
  {
    surface: 'loader', name: 'fuzz: a 4-byte storage expanded by zero strides to 65536 x 65536 (allocated whole: 16 GiB)',
    call: () => readPickedModel(torchZip(dictPickle([['weight', tensorOps('0', 'FloatStorage', 1, 0, [65536, 65536], [0, 0])]]), { 0: new Uint8Array(4) }), 'model.pt'),
    error: ModelFormatError, what: /^model\.pt: weight has size \(65536, 65536\): 4294967296 elements, more than mi-ident reads in one tensor \(16777216\)/,
  },
  {
    surface: 'loader', name: 'fuzz: a parameter name of 4,000 characters with a newline (quoted whole and raw)',
    call: () => readPickedModel(torchZip(dictPickle([[`x\n${'y'.repeat(4000)}`, tensorOps('0', 'FloatStorage', 1, 0, [1, 1], [1, 1])]]), { 0: new Uint8Array(4) }), 'model.pt'),
    error: ModelFormatError, what: /^model\.pt: "x\\u000ay{58}\.\.\. \(4002 characters\)" is not the weight or bias of a layer/,
  },
  {
    surface: 'loader', name: 'fuzz: safetensors dtype "constructor" (a prototype key taken for a known dtype)', call: () => readPickedModel(rawSafetensors({ weight: { dtype: 'constructor', shape: [1, 1], data_offsets: [0, 4] } }, 4), 'model.safetensors'),
    error: ModelFormatError, what: /^model\.safetensors: weight has dtype "constructor", which is not a safetensors dtype/,
  },
  {
    surface: 'loader', name: 'fuzz: a safetensors entry without shape (told as "shape undefined")', call: () => readPickedModel(rawSafetensors({ weight: { dtype: 'F32', data_offsets: [0, 4] } }, 4), 'model.safetensors'),
    error: ModelFormatError, what: /^model\.safetensors: weight: its header entry has no shape \(a corrupt file\?\)/,
  },
  {
    surface: 'api', name: 'fuzz: a --data input of 1e39, finite but past float32 (the model read it as Infinity)', call: () => parseDataset({ x: [[0, 0], [1e39, 1]], y: [[0], [1]] }, 2, 1, '--data'),
    error: InputError, what: /^--data: x\[1\]\[0\] is 1e\+39, beyond the float32 range \(at most 3\.4028234663852886e\+38 in size\): it would be read as Infinity$/,
  },
  {
    surface: 'api', name: 'fuzz: config.json whose nSamplesVal is an object (told as [object Object])', call: () => mergeResults(outPath('fz-m1'), [storedWith('fz-obj', (s) => (s.config.nSamplesVal = {}))]),
    error: InputError, what: /config\.json holds an invalid configuration: nSamplesVal is \{\}, not a number$/,
  },
  {
    surface: 'api', name: 'fuzz: config.json with "config": null (a TypeError)', call: () => mergeResults(outPath('fz-m2'), [storedWith('fz-null', (s) => (s.config = null))]),
    error: InputError, what: /config\.json holds an invalid configuration: its config is null, not an object$/,
  },
  {
    surface: 'api', name: 'fuzz: config.json of 2^31 experiments (merge listed 2^31 units before reading any: out of memory)', call: () => mergeResults(outPath('fz-m3'), [storedWith('fz-huge', (s) => (s.config.nExperiments = 2 ** 31))]),
    error: InputError, what: /config\.json holds an invalid configuration: --n-experiments makes a grid of 2147483648 units \(with the other lists\), more than one grid may hold \(1000000\)/,
  },
  {
    surface: 'api', name: 'fuzz: config.json whose shard count is an object (told as shard 1/[object Object])', call: () => mergeResults(outPath('fz-m4'), [storedWith('fz-shard', (s) => (s.shard.count = {}))]),
    error: InputError, what: /config\.json holds an invalid shard \{"index":1,"count":\{\}\}: it must be \{"index": i, "count": n\} with 1 <= i <= n$/,
  },
  {
    surface: 'api', name: 'fuzz: a results.jsonl line whose unit is null (a TypeError in merge)', call: () => mergeResults(outPath('fz-m5'), [resultsFolder('fz-unit', { extra: { 'results.jsonl': '{"key":"g1/s0/k2/d1/t0.01/lr0.001","unit":null}\n{"key":"x"}\n' } })]),
    error: InputError, what: /results\.jsonl: line 1 is not a valid result record; the file was edited or damaged/,
  },
  {
    surface: 'api', name: 'fuzz: a folder named .lock in a results folder (EISDIR on resume)', call: () => ResultStore.open(folderWith('fz-lock', '.lock'), tinyStored().config),
    error: InputError, what: /^cannot lock .*fz-lock: .*\.lock is not a lock file mi-ident can take over \(EISDIR\); if no run is active, delete it$/,
  },

  // ---- the loader on torch.save and safetensors files (test/fixtures/pytorch, see its README) ----
  { surface: 'loader', name: 'empty.pt (0 bytes)', call: loadFixture('empty.pt'), error: ModelFormatError, what: /^empty\.pt is empty \(0 bytes\)/ },
  { surface: 'loader', name: 'truncated.pt: the first half of a torch.save zip', call: loadFixture('truncated.pt'), error: ModelFormatError, what: /^truncated\.pt is truncated or corrupt: it starts like a zip archive .* but has no end-of-central-directory record/ },
  {
    surface: 'loader', name: 'not_a_zip.pt: 1024 random bytes', call: loadFixture('not_a_zip.pt'), error: ModelFormatError,
    what: /^not_a_zip\.pt is not a PyTorch file: neither a zip archive \(torch\.save since PyTorch 1\.6\) nor a legacy torch\.save pickle \(its first byte is 0xcd\)/,
  },
  {
    surface: 'loader', name: 'malicious.pt: a state_dict whose second value is os.system(...) (refused, not run)', call: loadFixture('malicious.pt'), error: ModelFormatError,
    what: /^malicious\.pt names os\.system in its pickle, which mi-ident refuses without running anything/, fix: /torch\.save\(model\.state_dict\(\), path\)/, absent: () => [MARKER],
  },
  {
    surface: 'loader', name: 'whole_module.pt: torch.save(model), a whole nn.Module', call: loadFixture('whole_module.pt'), error: ModelFormatError,
    what: /^whole_module\.pt is a whole pickled nn\.Module \(class mi_identifiability\.neural_model\.MLP\), not a state_dict/, fix: /Save model\.state_dict\(\) instead/,
  },
  {
    surface: 'loader', name: "authors_dict_tanh.pt: the authors' checkpoint dict with activation 'tanh'", call: loadFixture('authors_dict_tanh.pt'), error: ModelFormatError,
    what: /^authors_dict_tanh\.pt: the checkpoint says activation 'tanh'; mi-ident analyses LeakyReLU networks only \(activation 'leaky_relu'\)/,
  },
  {
    surface: 'loader', name: 'mlp_float64_inexact.pt: float64 weights that are not float32 values', call: loadFixture('mlp_float64_inexact.pt'), error: ModelFormatError,
    what: /^mlp_float64_inexact\.pt: layers\.0\.0\.weight is float64 \(torch\.DoubleStorage\) and not exactly float32: its value -?[\d.e-]+ at \[0, 0\] would be rounded to/, fix: /convert deliberately \(model\.float\(\) before saving\)/,
  },
  { surface: 'loader', name: 'bad_header_len.safetensors: header length 1000000', call: loadFixture('bad_header_len.safetensors'), error: ModelFormatError, what: /^bad_header_len\.safetensors: the header length 1000000 is larger than the file \(652 bytes\): truncated, or not a safetensors file/ },
  { surface: 'loader', name: 'bad_json.safetensors: the header is not JSON', call: loadFixture('bad_json.safetensors'), error: ModelFormatError, what: /^bad_json\.safetensors: the safetensors header is not valid JSON/ },
  { surface: 'loader', name: 'bad_offsets.safetensors: the last tensor cut off', call: loadFixture('bad_offsets.safetensors'), error: ModelFormatError, what: /^bad_offsets\.safetensors: layers\.2\.0\.bias: data_offsets \[96, 100\] run past the end of the 96-byte data section/ },
  { surface: 'loader', name: 'overlapping_offsets.safetensors', call: loadFixture('overlapping_offsets.safetensors'), error: ModelFormatError, what: /^overlapping_offsets\.safetensors: layers\.0\.0\.bias: data_offsets \[12, 24\] overlap layers\.0\.0\.weight \[0, 24\]/ },
  {
    surface: 'loader', name: 'wrong_dtype.safetensors: I64 weights', call: loadFixture('wrong_dtype.safetensors'), error: ModelFormatError,
    what: /^wrong_dtype\.safetensors: layers\.0\.0\.weight has dtype I64; weights and biases must be floating point/, fix: /float32; float64, float16 and bfloat16 are converted where exact/,
  },
  { surface: 'loader', name: 'shape_mismatch.safetensors: a shape bigger than its bytes', call: loadFixture('shape_mismatch.safetensors'), error: ModelFormatError, what: /^shape_mismatch\.safetensors: layers\.1\.0\.weight: shape \[3, 4\] needs 48 bytes of F32, but data_offsets \[36, 72\] span 36/ },

  // ---- model files through the API (loadModelFile): what the fixtures do not cover ----
  {
    surface: 'api', name: 'a state_dict named fc1, fc2, out: the layer order is not in the names',
    call: () => loadModelFile(safetensors(mlp231(['fc1.weight', 'fc1.bias', 'out.weight', 'out.bias'])), 'm.safetensors'), error: ModelFormatError,
    what: /^m\.safetensors: cannot tell the order of the layers "fc1", "out" from their names: they do not follow one pattern of words and numbers/, fix: /Rename the keys, e\.g\. to layers\.0\.weight.*Keys: fc1\.weight, fc1\.bias, out\.weight, out\.bias/,
  },
  {
    surface: 'api', name: 'a BatchNorm buffer in the state_dict (running_mean)',
    call: () => loadModelFile(safetensors([...mlp231(), { name: 'bn.running_mean', dtype: 'F32', shape: [1], data: le('F32', [0]) }]), 'm.safetensors'), error: ModelFormatError,
    what: /^m\.safetensors: "bn\.running_mean" is not the weight or bias of a layer: mi-ident reads MLPs of nn\.Linear layers only/,
  },
  {
    surface: 'api', name: 'layers whose shapes do not chain in name order',
    call: () => loadModelFile(safetensors(mlp231(['fc2.weight', 'fc2.bias', 'fc1.weight', 'fc1.bias'])), 'm.safetensors'), error: ModelFormatError,
    what: /^m\.safetensors: fc2\.weight has shape \(3, 2\): it takes 2 inputs, but the layer before it in name order \(fc1\) has 1 outputs/,
  },
  {
    surface: 'api', name: 'a TorchScript archive (torch.jit.save)', call: () => loadModelFile(torchZip(dictPickle([]), {}, { 'code/__torch__.py': 'x', 'constants.pkl': 'x' }), 'm.pt'), error: ModelFormatError,
    what: /^m\.pt is a TorchScript archive \(torch\.jit\.save\)/, fix: /torch\.save\(model\.state_dict\(\), path\)/,
  },
  {
    surface: 'api', name: 'a zip of a JSON file, named .pt', call: () => loadModelFile(zipSync({ 'model.json': strToU8('{}') }), 'm.pt'), error: ModelFormatError,
    what: /^m\.pt is a zip archive but not a torch\.save file: it has no <folder>\/data\.pkl \(entries: model\.json\)/,
  },
  {
    surface: 'api', name: 'a pickle opcode of protocol 0 (INT)', call: () => loadModelFile(torchZip(Uint8Array.from([...op.proto, 0x49, 0x31, 0x0a, ...op.stop]), {}), 'm.pt'), error: ModelFormatError,
    what: /^m\.pt \(model\/data\.pkl\): its pickle uses the opcode INT \(at byte 2\), which mi-ident does not read/, fix: /torch\.save writes tensors and plain containers with protocol 2/,
  },
  {
    surface: 'api', name: 'os.system named by STACK_GLOBAL (protocol 4), refused where it is resolved',
    call: () => loadModelFile(torchZip(Uint8Array.from([...op.proto, 0x8c, 2, 0x6f, 0x73, 0x8c, 6, ...new TextEncoder().encode('system'), 0x93, ...op.stop]), {}), 'm.pt'), error: ModelFormatError,
    what: /^m\.pt names os\.system in its pickle, which mi-ident refuses without running anything/,
  },
  {
    surface: 'api', name: 'a checkpoint with both state_dict and model_state_dict',
    call: () => loadModelFile(torchZip(Uint8Array.from([...op.proto, ...op.emptyDict, ...op.mark, ...op.str('state_dict'), ...op.emptyDict, ...op.str('model_state_dict'), ...op.emptyDict, ...op.setitems, ...op.stop]), {}), 'c.pt'),
    error: ModelFormatError, what: /^c\.pt: holds both "state_dict" and "model_state_dict": which one is the model is not clear/,
  },
  {
    surface: 'api', name: 'a training checkpoint without a state_dict inside', call: () => loadModelFile(torchZip(dictPickle([['epoch', op.int(3)], ['loss', op.int(0)]]), {}), 'c.pt'), error: ModelFormatError,
    what: /^c\.pt: is a dict but not a state_dict: "epoch" holds a number, "loss" holds a number/, fix: /read when it holds one under "state_dict" or "model_state_dict"/,
  },
  {
    surface: 'api', name: 'float16 infinity in a weight', error: ModelFormatError,
    call: () => loadModelFile(safetensors([{ name: 'weight', dtype: 'F16', shape: [1, 2], data: le('U16', [0x3c00, 0x7c00]) }, { name: 'bias', dtype: 'F16', shape: [1], data: le('U16', [0]) }]), 'h.safetensors'),
    what: /^h\.safetensors: weight holds Infinity at \[0, 1\]; every weight and bias must be finite/,
  },
  {
    surface: 'api', name: 'a legacy torch.save file cut inside its storages', call: () => loadModelFile(fixture('legacy_format.pt').subarray(0, 1160), 'old.pt'), error: ModelFormatError,
    what: /^old\.pt \(legacy torch\.save format\): the file ends inside storage \d+: truncated/,
  },
  {
    surface: 'api', name: 'a pickle.dump file (not torch.save)', call: () => loadModelFile(Uint8Array.from([0x80, 4, 0x95, 1, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x2e]), 'sd.pkl'), error: ModelFormatError,
    what: /^sd\.pkl is a Python pickle but not a torch\.save file \(pickle\.dump\?\)/, fix: /torch\.save\(model\.state_dict\(\), path\)/,
  },

  // ---- the library API ----
  { surface: 'api', name: 'analyzeModel without gates', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { gates: [] }), error: InputError, what: /^no gate given: name one gate per model output/ },
  { surface: 'api', name: 'gates as a string', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { gates: 'XOR' as unknown as string[] }), error: InputError, what: /^analyzeModel: gates must be an array of gate names/ },
  {
    surface: 'api', name: "pairOrder 'ba' (checked before the circuit search, not after it)", call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, pairOrder: 'ba' as 'BA' }),
    error: InputError, what: /^analyzeModel: pairOrder must be 'BA', 'AB' or 'all', got "ba"/,
  },
  { surface: 'api', name: 'accuracyThreshold NaN', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, accuracyThreshold: NaN }), error: InputError, what: /^analyzeModel: accuracyThreshold must be a finite number, got NaN/ },
  { surface: 'api', name: 'formulaDepth 1.5', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, formulaDepth: 1.5 }), error: InputError, what: /^analyzeModel: formulaDepth must be an integer >= 0, got 1.5/ },
  { surface: 'api', name: 'minSparsity as a string', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, minSparsity: '0.3' as unknown as number }), error: InputError, what: /^analyzeModel: minSparsity must be a finite number/ },
  {
    surface: 'api', name: 'circuit data with 2 label columns for 1 output',
    call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, data: { x: [[0, 0]], y: [[0, 1]] } }), error: InputError, what: /^the circuit data has 2 label column\(s\); the model has 1 output\(s\)/,
  },
  {
    surface: 'api', name: '2-8-4-1 without a sparsity filter: 3.4e12 circuits, past maxCircuits (counted, not enumerated)',
    call: () => analyzeModel(parseModel(layoutModel([2, 8, 4, 1])), { ...xor, minSparsity: 0 }), error: LimitError,
    what: /^layer sizes 2-8-4-1 with min sparsity 0 give 3,380,009,831,648 circuits, more than the cap of 5,000,000/, fix: /raise it with --max-circuits \(API: maxCircuits\) or raise the min sparsity/, withinMs: 1000,
  },
  {
    surface: 'api', name: 'the same with maxCircuits raised past 2^32: a block of 167 million edge masks',
    call: () => analyzeModel(parseModel(layoutModel([2, 8, 4, 1])), { ...xor, minSparsity: 0, maxCircuits: 1e13 }), error: LimitError,
    what: /^a 7 x 4 block of active nodes has 167,578,321 valid edge masks \(1\.2 GiB as a list\), more than the 33,554,432 kept in memory/, fix: /raise the min sparsity/, withinMs: 20000,
  },
  { surface: 'api', name: 'CircuitSpace 2-9-9-1: 81 edges in a layer', call: () => new CircuitSpace([2, 9, 9, 1], { minSparsity: 0.5 }), error: LimitError, what: /^layer sizes 2-9-9-1 have a layer of 81 edges \(9 x 9\)/, fix: /at most 64: analyse a narrower model/ },
  { surface: 'api', name: 'CircuitSpace with a layer of 17', call: () => new CircuitSpace([1, 17, 1]), error: LimitError, what: /^layer sizes 1-17-1 are too wide .*at most 16 neurons per layer/ },
  {
    surface: 'api', name: 'CircuitSpace of 30 hidden layers of 1: 2^31 node combinations',
    call: () => new CircuitSpace([2, ...Array(30).fill(1), 1]), error: LimitError, what: /have 2,147,483,647 node-mask combinations to walk, more than 16,777,216/, withinMs: 1000,
  },
  {
    surface: 'api', name: 'groundings whose counting table would take gigabytes (24 thresholds per neuron, 5 parents)',
    call: () => {
      const space = new CircuitSpace([2, 6, 1]);
      return countOnWasm(wideGroundingModel, space, [fiveNeuronCircuit(space)], grid(5));
    },
    error: LimitError, what: /^circuit \d+ \(enumeration index\): grounding: neuron \(2,0\)'s table of \(candidate, parents' candidates\) pairs would have 191,102,976 entries \(2,916 MiB or more\)/,
    fix: /ground on fewer distinct input rows \(--ground-data.*or raise the min sparsity/, withinMs: 2000,
  },
  {
    surface: 'api', name: 'distinct gate dicts past their cap (they enumerate groundings)',
    call: () => {
      const space = new CircuitSpace([2, 3, 3, 1]);
      const model = parseModel(PRETRAINED_XOR);
      return distinctGateDicts(groundingProblem(model, space.decode(2999), grid(2)), { cap: 10 });
    },
    error: LimitError, what: /^counting distinct gate dicts would go through \d+ groundings, more than the cap of 10/, fix: /leave out --distinct .*or call distinctGateDicts\(problem, \{ cap \}\)/,
  },
  {
    surface: 'api', name: '36 distinct grounding inputs (truth tables are 32-bit)',
    call: () => countOnWasm(parseModel(PRETRAINED_XOR), new CircuitSpace([2, 3, 3, 1]), [0], grid(6)), error: LimitError,
    what: /^grounding inputs have 36 distinct rows after truncation toward zero; at most 32/, fix: /ground on fewer distinct rows \(--ground-data\)/,
  },
  {
    surface: 'api', name: 'mapping search on 32 hidden neurons', call: () => candidateMasks(parseModel(layoutModel([2, 16, 16, 1])), false), error: LimitError,
    what: /the mapping search enumerates subsets of the hidden neurons: 32 hidden neurons is more than the supported 31/,
  },
  {
    surface: 'api', name: 'a 4-hidden-layer model: formulas of depth 5 (5 * 10^7 of them; used to exhaust memory after minutes)',
    call: () => analyzeModel(parseModel(layoutModel([2, 2, 2, 2, 2, 1])), xor), error: LimitError,
    what: /^formulas of depth 5 over 2 variables \(gate XOR\) number about 48,000,000 before negations, more than the 1,000,000/,
    fix: /give a formula depth of 4 or less \(the default is the number of hidden layers \+ 1, as in main.py\) with analyze --depth 4/, withinMs: 1000,
  },
  {
    surface: 'api', name: 'a negative listing limit',
    call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, maxListedCircuits: -1 }),
    error: InputError, what: /^analyzeModel: maxListedCircuits must be an integer >= 0, got -1/, withinMs: 1000,
  },
  { surface: 'api', name: 'shard 1/0', call: () => parseShard('1/0'), error: InputError, what: /^--shard 1\/0: the shard count must be at least 1/ },
  {
    surface: 'api', name: 'slurmShard of a task of --array=1,2,7 (Slurm says STEP=1)', error: InputError,
    call: () => slurmShard({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '7', SLURM_ARRAY_TASK_STEP: '1' }),
    what: /^array task 2 cannot tell its shard/,
  },
  { surface: 'api', name: 'shard plan listing a task twice', call: () => shardPlan([0, 2, 2], 'plan'), error: InputError, what: /^plan: "tasks" lists a task ID twice/ },
  { surface: 'api', name: 'shard plan of negative task IDs', call: () => shardPlan([-1, 0], 'plan'), error: InputError, what: /^plan: "tasks" must be a non-empty list of array task IDs/ },
  { surface: 'api', name: 'taskShard of a task outside the plan', call: () => taskShard({ tasks: [1, 4, 7] }, 2, 'the plan'), error: InputError, what: /^array task 2 is not one of the 3 tasks of the plan \(1,4,7\)/ },
  {
    surface: 'api', name: 'mergeResults of an incomplete grid', call: () => mergeResults(outPath('api-merged'), [resultsFolder('api-half', { shard: [2, 2] })]), error: InputError,
    what: /^merge refused: the sources hold 0 of the grid's 2 units/, absent: () => [outPath('api-merged')],
  },

  // ---- the CLI ----
  {
    surface: 'cli', name: 'analyze --data: malformed JSON', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--data', file('bad-data.json', '{"x": [[0,0]')],
    what: /^--data: .*bad-data\.json is not valid JSON at line 1, column 13: Expected ',' or '\]' after array element/,
  },
  { surface: 'cli', name: 'analyze --data: 2 label columns for 1 output', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--data', file('y2.json', { x: [[0, 0]], y: [[0, 1]] })], what: /^--data: y\[0\] has 2 values, expected 1/ },
  { surface: 'cli', name: 'analyze --data: no rows', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--data', file('empty-data.json', { x: [], y: [] })], what: /^--data: x has no rows/ },
  { surface: 'cli', name: 'analyze --data: a folder', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--data', outPath('')], what: /^--data: cannot read .* \(EISDIR/ },
  {
    surface: 'cli', name: 'analyze --ground-data: 36 distinct rows', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--ground-data', file('grid6.json', { x: grid(6) }), '--json', outPath('g36.json')],
    what: /grounding inputs have 36 distinct rows .*at most 32/, fix: /--ground-data/, absent: () => [outPath('g36.json')],
  },
  {
    surface: 'cli', name: "analyze: a model file with Python's NaN", argv: () => ['analyze', file('nan.json', JSON.stringify(PRETRAINED_XOR).replace('1.0496739149093628', 'NaN')), '--gates', 'XOR'],
    what: /^model: .*nan\.json is not valid JSON: NaN at line 1, column \d+/, fix: /every weight and bias must be a finite number/,
  },
  {
    surface: 'cli', name: 'analyze: a PyTorch checkpoint cut after 10 bytes', argv: () => ['analyze', file('model.pt', new Uint8Array([0x50, 0x4b, 3, 4, 20, 0, 0, 0, 8, 0])), '--gates', 'XOR'],
    what: /^model: .*model\.pt is truncated or corrupt: it starts like a zip archive/,
  },
  {
    surface: 'cli', name: 'analyze: a model file with negative_slope', argv: () => ['analyze', file('snake.json', { ...pretrained(), negativeSlope: undefined, negative_slope: 0.2 }), '--gates', 'XOR'],
    what: /^model field "negative_slope" is not recognised/, fix: /did you mean "negativeSlope"\?/,
  },
  { surface: 'cli', name: 'analyze --threshold 1.5', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--threshold', '1.5'], what: /^--threshold must be a number between 0 and 1, got "1.5"/ },
  { surface: 'cli', name: 'analyze --depth -1 (a negative value after a flag)', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--depth', '-1'], what: /^--depth must be an integer >= 0, got "-1"/ },
  { surface: 'cli', name: 'analyze --threads 0', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--threads', '0'], what: /^--threads must be an integer >= 1, got "0"/ },
  { surface: 'cli', name: 'analyze --threads -1', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--threads', '-1'], what: /^--threads must be an integer >= 1, got "-1"/ },
  {
    surface: 'cli', name: 'demo --gates AND (the demo model is XOR: the gate would be replaced)', argv: () => ['demo', '--gates', 'AND', '--json', outPath('demo-and.json')],
    what: /^demo takes no --gates \(got "AND"\): it always analyses the pretrained XOR model with gate XOR/, fix: /use mi-ident analyze MODEL\.json --gates G instead/,
    absent: () => [outPath('demo-and.json')], withinMs: 1000,
  },
  {
    surface: 'cli', name: 'analyze 2-8-4-1 --min-sparsity 0 (used to exhaust memory building edge lists)',
    argv: () => ['analyze', file('m2841.json', layoutModel([2, 8, 4, 1])), '--gates', 'XOR', '--min-sparsity', '0', '--json', outPath('m2841-result.json')],
    what: /^layer sizes 2-8-4-1 with min sparsity 0 give 3,380,009,831,648 circuits, more than the cap of 5,000,000/, fix: /raise it with --max-circuits/,
    absent: () => [outPath('m2841-result.json')], withinMs: 1500,
  },
  {
    surface: 'cli', name: 'analyze a 2-9-9-1 model', argv: () => ['analyze', file('m2991.json', layoutModel([2, 9, 9, 1])), '--gates', 'XOR', '--json', outPath('m2991-result.json')],
    what: /^layer sizes 2-9-9-1 have a layer of 81 edges \(9 x 9\)/, fix: /at most 64: analyse a narrower model; for the mappings alone, leave out the circuit stage: analyze --stages mappings/, absent: () => [outPath('m2991-result.json')],
  },
  {
    surface: 'cli', name: 'analyze --stages circuits,mapping (a misspelt stage)', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--stages', 'circuits,mapping', '--json', outPath('stages-typo.json')],
    what: /^--stages: unknown stage "mapping"/, fix: /\(stages: circuits, groundings, mappings\)/, absent: () => [outPath('stages-typo.json')], withinMs: 1000,
  },
  {
    surface: 'cli', name: 'analyze --stages groundings (without the circuits it counts for)', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--stages', 'groundings'],
    what: /^--stages: groundings are counted for the perfect circuits, so they need circuits too/, fix: /--stages circuits,groundings/,
  },
  {
    surface: 'cli', name: 'analyze --json into a folder (refused before the analysis)', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--json', outPath('')],
    what: /^cannot write .* \(--json\): it is a folder/, fix: /give a file path/, withinMs: 1000,
  },
  {
    surface: 'cli', name: 'run --size 9 --depth 2: an 81-edge layer, refused before training', argv: () => ['run', '--out', outPath('run-2991'), ...TINY, '--size', '9', '--depth', '2'],
    what: /^--size 9 --depth 2: layer sizes 2-9-9-1 have a layer of 81 edges/, absent: () => [outPath('run-2991')], withinMs: 1000,
  },
  {
    surface: 'cli', name: 'run --size 5 --depth 3: 1.9e11 circuits per model', argv: () => ['run', '--out', outPath('run-5x3'), ...TINY, '--size', '5', '--depth', '3'],
    what: /^--size 5 --depth 3: 2-5-5-5-1 models \(main.py's min sparsity 0.3 for sizes above 4\) have 194,859,880,600 circuits each, more than the 5,000,000/,
    fix: /raise --max-enumerated, or use a smaller --size or --depth/, absent: () => [outPath('run-5x3')], withinMs: 1000,
  },
  {
    surface: 'cli', name: 'run --size 3 --depth 4 without a sparsity filter', argv: () => ['run', '--out', outPath('run-3x4'), ...TINY, '--size', '3', '--depth', '4'],
    what: /^--size 3 --depth 4: 2-3-3-3-3-1 models \(--min-sparsity 0\) have 233,822,040 circuits each/, fix: /raise --min-sparsity or --max-enumerated, or use a smaller --size or --depth/, absent: () => [outPath('run-3x4')],
  },
  {
    surface: 'cli', name: 'run --size 2 --depth 4: formulas of depth 5, refused before training', argv: () => ['run', '--out', outPath('run-2x4'), ...TINY, '--size', '2', '--depth', '4'],
    what: /^--depth 4: formulas of depth 5 over 2 variables \(gate AND\) number about 48,000,000/, fix: /use --depth 3 or less \(formulas have depth --depth \+ 1, as in main.py\)/,
    absent: () => [outPath('run-2x4')], withinMs: 1000,
  },
  {
    surface: 'cli', name: 'analyze --depth 5', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--depth', '5', '--json', outPath('depth5.json')],
    what: /^formulas of depth 5 over 2 variables \(gate XOR\)/, fix: /give a formula depth of 4 or less with analyze --depth 4/, absent: () => [outPath('depth5.json')], withinMs: 1000,
  },
  { surface: 'cli', name: 'run --workers 0 (used to run as 1)', argv: () => ['run', '--out', outPath('run-w0'), ...TINY, '--workers', '0'], what: /^--workers must be an integer >= 1 \(1 = one unit at a time\), got "0"/, absent: () => [outPath('run-w0')] },
  { surface: 'cli', name: 'run --workers -2 (used to run as 1)', argv: () => ['run', '--out', outPath('run-wneg'), ...TINY, '--workers', '-2'], what: /^--workers must be an integer >= 1 \(1 = one unit at a time\), got "-2"/, absent: () => [outPath('run-wneg')] },
  { surface: 'cli', name: 'run --size 0', argv: () => ['run', '--out', outPath('run-size0'), ...TINY, '--size', '0'], what: /^--size must be positive integers, got 0/, absent: () => [outPath('run-size0')] },
  { surface: 'cli', name: 'run --shard 1/0', argv: () => ['run', '--out', outPath('run-shard'), ...TINY, '--shard', '1/0'], what: /^--shard 1\/0: the shard count must be at least 1/, absent: () => [outPath('run-shard')] },
  { surface: 'cli', name: 'run --shard 2 (no count)', argv: () => ['run', '--out', outPath('run-shard'), ...TINY, '--shard', '2'], what: /^--shard must look like i\/n \(e.g. 1\/4\), got "2"/, absent: () => [outPath('run-shard')] },
  { surface: 'cli', name: 'run --size 2 2 (a unit key twice)', argv: () => ['run', '--out', outPath('run-size22'), ...TINY, '--size', '2', '2'], what: /^--size must not repeat a value, got 2 2/, absent: () => [outPath('run-size22')] },
  { surface: 'cli', name: 'run --loss-target 0', argv: () => ['run', '--out', outPath('run-lt'), ...TINY, '--loss-target', '0'], what: /^--loss-target must be positive numbers, got 0/, absent: () => [outPath('run-lt')] },
  { surface: 'cli', name: 'run --accuracy-threshold 2', argv: () => ['run', '--out', outPath('run-at'), ...TINY, '--accuracy-threshold', '2'], what: /^--accuracy-threshold must be between 0 and 1, got 2/, absent: () => [outPath('run-at')] },
  {
    surface: 'cli', name: 'run --n-gates 3 from 2 target gates', argv: () => ['run', '--out', outPath('run-ng'), ...TINY, '--n-gates', '3'],
    what: /^--n-gates cannot exceed the number of target gates \(2: AND OR\), as gates are drawn without replacement/, absent: () => [outPath('run-ng')],
  },
  {
    surface: 'cli', name: 'run in a Slurm array with a malformed task id', argv: () => ['run', '--out', outPath('run-slurm'), ...TINY], env: { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '4' },
    what: /^the Slurm job array variables must be integers, with SLURM_ARRAY_TASK_COUNT set \(got SLURM_ARRAY_TASK_ID=x, SLURM_ARRAY_TASK_COUNT=4\)/, absent: () => [outPath('run-slurm')],
  },
  {
    // Slurm sets STEP=1 for any list: the task cannot know its place in 1,2,7 (it used to run shard 7-1+1 = 7/3).
    surface: 'cli', name: 'run in a Slurm array of an uneven list (--array=1,2,7), no shard plan', argv: () => ['run', '--out', outPath('run-list'), ...TINY],
    env: { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '7', SLURM_ARRAY_TASK_STEP: '1' },
    what: /^array task 7 cannot tell its shard: its array's 3 task IDs between 1 and 7 are not evenly spaced/, fix: /submit a range .* or give --shard-plan FILE written when the array was submitted/,
    absent: () => [outPath('run-list')],
  },
  {
    surface: 'cli', name: 'run --shard-plan (none yet) in a Slurm array of an uneven list', argv: () => ['run', '--out', outPath('run-list-plan'), ...TINY, '--shard-plan', outPath('list-plan.json')],
    env: { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '7', SLURM_ARRAY_TASK_STEP: '1' },
    what: /^array task 2 cannot tell its shard: .* \(.*list-plan\.json does not exist yet\)/, absent: () => [outPath('run-list-plan'), outPath('list-plan.json')],
  },
  {
    surface: 'cli', name: 'run --shard-plan: a task the plan does not hold (another array\'s task)', argv: () => ['run', '--out', outPath('run-not-planned'), ...TINY, '--shard-plan', file('plan-0-3.json', PLAN_0_3)],
    env: { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '1', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_MAX: '5' },
    what: /^array task 5 is not one of the 4 tasks of the shard plan .*plan-0-3\.json \(0-3\)/, fix: /resubmit only those task IDs, or use another results folder/, absent: () => [outPath('run-not-planned')],
  },
  {
    surface: 'cli', name: 'run --shard-plan: not a shard plan', argv: () => ['run', '--out', outPath('run-bad-plan'), ...TINY, '--shard-plan', file('not-a-plan.json', { tool: 'mi-ident', tasks: [0, 1] })],
    env: { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' },
    what: /^--shard-plan: .*not-a-plan\.json is not an mi-ident shard plan/, absent: () => [outPath('run-bad-plan')],
  },
  {
    surface: 'cli', name: 'run --shard-plan: torn JSON', argv: () => ['run', '--out', outPath('run-torn-plan'), ...TINY, '--shard-plan', file('torn-plan.json', '{"tool":"mi-ident","kind":"shard-pl')],
    env: { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' },
    what: /^--shard-plan: .*torn-plan\.json is not valid JSON/, fix: /restore it from the array's first submission/, absent: () => [outPath('run-torn-plan')],
  },
  {
    surface: 'cli', name: 'run --shard-plan outside a Slurm job array', argv: () => ['run', '--out', outPath('run-plan-nojob'), ...TINY, '--shard-plan', file('plan-0-3.json', PLAN_0_3)],
    what: /^--shard-plan .* gives the shard of a Slurm job array task, but SLURM_ARRAY_TASK_ID is not set/, fix: /outside a job array use --shard i\/n/, absent: () => [outPath('run-plan-nojob')],
  },
  {
    surface: 'cli', name: 'run --shard with --shard-plan', argv: () => ['run', '--out', outPath('run-both'), ...TINY, '--shard', '1/4', '--shard-plan', file('plan-0-3.json', PLAN_0_3)],
    what: /^give --shard i\/n or --shard-plan FILE, not both/, absent: () => [outPath('run-both')],
  },
  {
    // It used to merge the half it had and exit 0, so that a Slurm merge job showed COMPLETED.
    surface: 'cli', name: 'merge of an incomplete grid (a shard missing, one empty)', argv: () => ['merge', '--out', outPath('merged-half'), resultsFolder('half', { shard: [1, 2] }), '--shard-plan', file('plan-2.json', { tool: 'mi-ident', kind: 'shard-plan', tasks: [3, 8] })],
    what: /^merge refused: the sources hold 0 of the grid's 2 units; 2 are missing from 2 of its 2 shards:/,
    detail: /shard 1\/2 \(.*half; array task 3\): 1 of its 1 units: g1\/s0\/k2\/d1\/t0\.01\/lr0\.001\n  shard 2\/2 \(no source folder holds it; array task 8\): 1 of its 1 units: g1\/s1\/k2\/d1\/t0\.01\/lr0\.001\n(.|\n)*\n {2}ARGS="--target-logic-gates AND OR [^"]*" {3}# the grid's arguments(.|\n)*\n {2}mi-ident run --out .*half --shard 1\/2 \$ARGS\n(.|\n)*resubmit tasks 3,8 alone(.|\n)*--allow-partial/,
    absent: () => [outPath('merged-half')], unchanged: () => [outPath('half')],
  },
  {
    surface: 'cli', name: 'merge --shard-plan: no such file', argv: () => ['merge', '--out', outPath('merged-noplan'), resultsFolder('merge-noplan-src'), '--shard-plan', outPath('no-plan.json')],
    what: /^--shard-plan: .*no-plan\.json does not exist/, absent: () => [outPath('merged-noplan')],
  },
  {
    surface: 'cli', name: 'run --out: a folder of another shard', argv: () => ['run', '--out', resultsFolder('other-shard', { shard: [1, 2] }), ...TINY, '--shard', '2/2'],
    what: /holds shard 1\/2 of this grid, not 2\/2/, fix: /give each shard its own --out folder/, unchanged: () => [outPath('other-shard')],
  },
  {
    surface: 'cli', name: 'run --out: a folder of another configuration (refuse to mix)', argv: () => ['run', '--out', resultsFolder('other-config', { config: { sizes: [3], nExperiments: 5 } }), ...TINY],
    what: /holds results of another configuration \(stored vs requested: --size: 3 vs 2; --n-experiments: 5 vs 2\)/, fix: /use another --out folder, or the stored options to resume/, unchanged: () => [outPath('other-config')],
  },
  {
    surface: 'cli', name: 'run --out: results.jsonl damaged in the middle', argv: () => ['run', '--out', resultsFolder('damaged', { extra: { 'results.jsonl': '{"key": "g1/s0/k2/d1/t0.01/lr0.001", "unit"\n{"key": "x"}\n' } }), ...TINY],
    what: /results\.jsonl: line 1 is not a valid result record; the file was edited or damaged/, fix: /restore it, or delete that line \(its unit then runs again\)/, unchanged: () => [outPath('damaged')],
  },
  {
    surface: 'cli', name: 'run --out: a folder in use by a live run', argv: () => ['run', '--out', resultsFolder('locked', { extra: { '.lock': liveLock() } }), ...TINY],
    what: /is in use by another mi-ident run \(pid \d+\)/, fix: /wait for it or use another --out folder/, unchanged: () => [outPath('locked')],
  },
  {
    surface: 'cli', name: 'train --out in a missing folder (refused before training)', argv: () => ['train', '--gates', 'XOR', '--out', outPath('no-such-folder/xor.json')],
    what: /^cannot write .*no-such-folder\/xor\.json \(--out\): its folder .*no-such-folder does not exist/, withinMs: 1000,
  },
  {
    surface: 'cli', name: 'train --gates with different input counts', argv: () => ['train', '--gates', 'XOR,MAJORITY', '--out', outPath('mixed.json')],
    what: /^--target-logic-gates must all take the same number of inputs when --n-gates > 1/, absent: () => [outPath('mixed.json')],
  },
  {
    surface: 'cli', name: 'report --out in a missing folder (refused before rendering)', argv: () => ['report', resultsFolder('for-report'), '--out', outPath('missing/report.html')],
    what: /^cannot write .*missing\/report\.html \(--out\): its folder .* does not exist/, unchanged: () => [outPath('for-report')],
  },
  {
    surface: 'cli', name: 'merge --out into a folder of another configuration', argv: () => ['merge', '--out', resultsFolder('merge-target', { config: { nExperiments: 3 } }), resultsFolder('merge-source')],
    what: /merge-target holds results of another configuration \(stored vs requested: --n-experiments: 3 vs 2\)/, unchanged: () => [outPath('merge-target')],
  },
  {
    surface: 'cli', name: 'mnist --model with --epochs and --seed (training-only flags; used to be ignored)',
    argv: () => ['mnist', '--model', file('model.json', PRETRAINED_XOR), '--epochs', '3', '--seed', '1', '--out', outPath('mnist-ep')],
    what: /^--epochs, --seed set training, which --model skips \(the given model is analysed as it is\)/, fix: /leave them out, or leave out --model to train a model/,
    absent: () => [outPath('mnist-ep')], withinMs: 1000,
  },
  {
    surface: 'cli', name: 'mnist --model with --train-samples', argv: () => ['mnist', '--model', file('model.json', PRETRAINED_XOR), '--train-samples', '100', '--out', outPath('mnist-ts')],
    what: /^--train-samples sets training, which --model skips/, fix: /leave it out, or leave out --model/, absent: () => [outPath('mnist-ts')], withinMs: 1000,
  },
  {
    surface: 'cli', name: 'analyze malicious.pt --json: refused before anything runs or is written', argv: () => ['analyze', fixturePath('malicious.pt'), '--gates', 'XOR', '--json', outPath('malicious-result.json')],
    what: /^model: .*malicious\.pt names os\.system in its pickle/, absent: () => [MARKER, outPath('malicious-result.json')], withinMs: 1000,
  },
  {
    surface: 'cli', name: 'convert whole_module.pt: nothing written', argv: () => ['convert', fixturePath('whole_module.pt'), '--out', outPath('whole.json')],
    what: /^model: .*whole_module\.pt is a whole pickled nn\.Module/, fix: /Save model\.state_dict\(\) instead/, absent: () => [outPath('whole.json')],
  },
  {
    surface: 'cli', name: 'convert mlp_float64_inexact.pt --to safetensors: nothing written', argv: () => ['convert', fixturePath('mlp_float64_inexact.pt'), '--to', 'safetensors', '--out', outPath('inexact.safetensors')],
    what: /^model: .*mlp_float64_inexact\.pt: layers\.0\.0\.weight is float64 \(torch\.DoubleStorage\) and not exactly float32/, absent: () => [outPath('inexact.safetensors')],
  },
  {
    surface: 'cli', name: 'convert --out in a missing folder (refused before reading)', argv: () => ['convert', fixturePath('authors_xor_mlp.pt'), '--out', outPath('no-folder/xor.json')],
    what: /^cannot write .*no-folder\/xor\.json \(--out\): its folder .*no-folder does not exist/, withinMs: 1000,
  },
  { surface: 'cli', name: 'convert --to onnx', argv: () => ['convert', fixturePath('authors_xor_mlp.pt'), '--to', 'onnx', '--out', outPath('xor.onnx')], what: /^--to must be json or safetensors, got "onnx"/, absent: () => [outPath('xor.onnx')] },
  {
    surface: 'cli', name: 'convert --to safetensors --out X.json', argv: () => ['convert', fixturePath('authors_xor_mlp.pt'), '--to', 'safetensors', '--out', outPath('xor-st.json')],
    what: /^--to safetensors with --out .*xor-st\.json: the extension says json; give matching ones/, absent: () => [outPath('xor-st.json')],
  },
  { surface: 'cli', name: 'convert without --out', argv: () => ['convert', fixturePath('authors_xor_mlp.pt')], what: /^convert needs --out FILE, the file to write/ },
  { surface: 'cli', name: 'convert a file that does not exist', argv: () => ['convert', outPath('nowhere.pt'), '--out', outPath('nowhere.json')], what: /^model: cannot read .*nowhere\.pt \(no such file\)/, absent: () => [outPath('nowhere.json')] },

  // ---- --criteria (docs/criteria.md)
  {
    surface: 'api', name: 'criteria: an unknown id', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, criteria: ['minimal', 'sparsest'] }),
    error: InputError, what: /^analyzeModel: criteria: unknown criterion "sparsest" \(criteria: minimal, mean-ablation, resample-ablation, grounding-causal, grounding-distinct, symmetric, joint, unmapped, full-state, noisy-iia, ood-<σ>, all\)/, withinMs: 1000,
  },
  {
    surface: 'api', name: 'criteria: a string other than all', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, criteria: 'everything' as 'all' }),
    error: InputError, what: /^analyzeModel: criteria must be 'all' or a list of criterion ids/, withinMs: 1000,
  },
  { surface: 'api', name: 'criteria: an empty list', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, criteria: [] }), error: InputError, what: /^analyzeModel: criteria names no criterion: give all, or ids among/ },
  {
    surface: 'api', name: 'criteria: ood-0 (no noise)', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, criteria: ['ood-0'] }),
    error: InputError, what: /^analyzeModel: criteria: "ood-0" needs a noise level σ with 0 < σ <= 10 after ood- \(e\.g\. ood-0\.1\)/,
  },
  {
    surface: 'api', name: 'criteria: a mapping criterion with the mapping stage left out', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, criteria: ['joint'], stages: { mappings: false } }),
    error: InputError, what: /^analyzeModel: the criteria joint filter minimal mappings, so they need the mapping stage/, withinMs: 1000,
  },
  {
    surface: 'api', name: 'criteria: where-then-what criteria with the grounding stage left out', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, criteria: 'all', stages: { groundings: false } }),
    error: InputError, what: /^analyzeModel: the criteria minimal, .*, all filter perfect circuits and their groundings, so they need the circuit and grounding stages/, withinMs: 1000,
  },
  {
    surface: 'api', name: 'criteria with maxGroundedCircuits (main.py --max-circuits)', call: () => analyzeModel(parseModel(PRETRAINED_XOR), { ...xor, criteria: ['minimal'], maxGroundedCircuits: 3 }),
    error: InputError, what: /^analyzeModel: criteria need every perfect circuit grounded; leave out maxGroundedCircuits \(--max-circuits\)/, withinMs: 1000,
  },
  {
    surface: 'cli', name: 'analyze --criteria with an unknown id', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--criteria', 'minimal,faithful', '--json', outPath('criteria-bad.json')],
    what: /^--criteria: unknown criterion "faithful" \(criteria: minimal, /, absent: () => [outPath('criteria-bad.json')], withinMs: 1000,
  },
  { surface: 'cli', name: 'analyze --criteria ood-abc', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--criteria', 'ood-abc'], what: /^--criteria: "ood-abc" needs a noise level σ with 0 < σ <= 10 after ood-/ },
  { surface: 'cli', name: 'analyze --criteria with only commas', argv: () => ['analyze', file('model.json', PRETRAINED_XOR), '--gates', 'XOR', '--criteria', ','], what: /^--criteria needs all, or criterion ids separated by commas/ },
  {
    surface: 'cli', name: 'run --criteria with an unknown id (refused before the folder is made)', argv: () => ['run', ...TINY, '--criteria', 'minimal', 'sparse', '--out', outPath('criteria-run')],
    what: /^--criteria: unknown criterion "sparse"/, absent: () => [outPath('criteria-run')], withinMs: 1000,
  },
  {
    surface: 'cli', name: 'run --criteria all --max-circuits 5', argv: () => ['run', ...TINY, '--criteria', 'all', '--max-circuits', '5', '--out', outPath('criteria-max')],
    what: /^--criteria need every perfect circuit grounded: leave out --max-circuits, got 5/, absent: () => [outPath('criteria-max')], withinMs: 1000,
  },
  {
    surface: 'cli', name: 'reproduce criteria --criteria ood-', argv: () => ['reproduce', 'criteria', '--criteria', 'ood-', '--out', outPath('criteria-repro')],
    what: /^--criteria: "ood-" needs a noise level σ/, absent: () => [outPath('criteria-repro')], withinMs: 1000,
  },
];
