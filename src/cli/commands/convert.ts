/**
 * `mi-ident convert MODEL --out OUT`: writes what mi-ident reads from a model file (torch.save,
 * safetensors or model JSON) as model JSON, or as safetensors (`--to safetensors`), atomically.
 */
import { basename } from 'node:path';
import { InputError } from '../../errors.ts';
import { modelToSafetensors } from '../../formats/safetensors.ts';
import { modelToJson } from '../../model.ts';
import { checkWritableFile, readModelPath, writeFileAtomic } from '../../node/files.ts';
import { parseCommandArgs } from './options.ts';

const USAGE = `mi-ident convert MODEL --out OUT.json [--to json|safetensors]
  Reads a model file as "mi-ident analyze" does (model JSON, a torch.save file of a state_dict or
  of a checkpoint dict holding one, or safetensors) and writes it as model JSON, exactly what the
  analysis uses, or as safetensors (layers.L.weight and layers.L.bias, float32, with metadata).

Options:
  --out FILE             the file to write (atomically; nothing is written on an error)
  --to json|safetensors  the format to write (default: from --out's extension, else json)
  --quiet                print nothing but errors`;

const OPTIONS = { out: { type: 'string' }, to: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

const FORMAT_NAMES = { json: 'model JSON', 'torch-zip': 'torch.save zip', 'torch-legacy': 'legacy torch.save', safetensors: 'safetensors' } as const;

/** `mi-ident convert ...`; returns the exit code. */
export async function convertCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new InputError('convert needs exactly one model file: mi-ident convert MODEL.pt --out MODEL.json');
  if (!values.out) throw new InputError('convert needs --out FILE, the file to write (e.g. --out MODEL.json)');
  const byName = /\.safetensors$/i.test(values.out) ? 'safetensors' : /\.json$/i.test(values.out) ? 'json' : null;
  const to = values.to ?? byName ?? 'json';
  if (to !== 'json' && to !== 'safetensors') throw new InputError(`--to must be json or safetensors, got "${to}"`);
  if (byName && byName !== to) throw new InputError(`--to ${to} with --out ${values.out}: the extension says ${byName}; give matching ones`);
  checkWritableFile(values.out, '--out');
  const file = readModelPath(positionals[0]!);
  const { model } = file;
  // The slope as the file gives it (0.01), not its float32 rounding, as the JSON twins have it
  const written = to === 'json'
    ? JSON.stringify({ ...modelToJson(model), negativeSlope: file.negativeSlope }, null, 1) + '\n'
    : modelToSafetensors(model, file.negativeSlope);
  writeFileAtomic(values.out, written);
  if (!values.quiet) {
    const from: string[] = [FORMAT_NAMES[file.format]];
    if (file.stateDictKey) from.push(`state_dict under "${file.stateDictKey}"`);
    from.push(...file.stated);
    const layers = file.layers.length ? `; layers in order: ${file.layers.map((l) => l.name || '(top level)').join(', ')}` : '';
    console.log(`read ${basename(positionals[0]!)} (${from.join('; ')}): ${model.layerSizes.join('-')}, LeakyReLU slope ${file.negativeSlope}${layers}`);
    console.log(`wrote ${values.out} (${to === 'json' ? 'model JSON' : 'safetensors'})`);
  }
  return 0;
}
