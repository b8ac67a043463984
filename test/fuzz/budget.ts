/**
 * The generated cases per CI run of every fuzz suite, by property (docs/fuzzing.md lists them):
 * the suites take their counts from here, and budget.test.ts checks that they add up to at least
 * the 20,000 cases a CI run must try. FUZZ_SCALE multiplies them all.
 */
export const RUNS = {
  'model-json': { 'read-model-file': 3000, 'parse-model-text': 3000, 'explorer-loader': 1500 },
  'model-pytorch': { 'file-bytes': 2500, 'zip-entries': 1500, 'pickle-opcodes': 1500, 'pickle-tensors': 1000, 'legacy-pickle': 500, 'safetensors-header': 1500 },
  'data-file': { 'data-file': 3000, 'data-search': 600 },
  'results-folder': { folder: 1500 },
  'explorer-hostile': { fragment: 80, file: 60 },
} as const;

/** The least number of generated cases a CI run tries, over all suites (issue 17). */
export const MIN_CASES_PER_RUN = 20_000;
