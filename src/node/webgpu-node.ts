/**
 * Node-only WebGPU: Dawn through the `webgpu` package (an optional peer dependency), imported
 * lazily, once. The browser-safe
 * core reaches this module only through a dynamic import that bundlers do not follow
 * (src/backends/webgpu-device.ts), so browser bundles never contain it.
 *
 * Driver choice: an explicit `VK_ICD_FILENAMES` / `VK_DRIVER_FILES` is always respected. Otherwise
 * the system's Vulkan drivers are tried first (a real GPU), and when they give no adapter and a
 * software adapter is acceptable, SwiftShader from Debian's `chromium` package is used: its ICD
 * file is set in `VK_ICD_FILENAMES` before a new Dawn instance is created (Dawn reads the variable
 * when an instance first enumerates adapters). `XDG_RUNTIME_DIR` is set when missing, which only
 * silences a harmless Vulkan loader message.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingPackageError } from '../errors.ts';
import { importOptional } from './optional-packages.ts';

/** Where Debian-family `chromium` packages put SwiftShader's Vulkan ICD file. */
export const SWIFTSHADER_ICD_FILES: readonly string[] = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
];

/** Options of {@link requestNodeAdapter}. */
export interface NodeAdapterOptions {
  /** Accept SwiftShader (a CPU implementation) when no GPU driver gives an adapter. */
  readonly allowSoftware: boolean;
}

/** An adapter, or why there is none. */
export type NodeAdapterResult = { adapter: GPUAdapter } | { adapter: null; reason: string };

type Dawn = typeof import('webgpu');

let dawn: Promise<Dawn> | undefined;
/**
 * One Dawn instance per Vulkan driver setting, kept while its devices may be in use and reused
 * for every later adapter request: an instance per request leaked about 1 MB each time `auto`
 * asked for a GPU and was given only SwiftShader (the soak test, test/soak.test.ts).
 */
const instances = new Map<string, GPU>();

function loadDawn(): Promise<Dawn> {
  // An optional peer dependency: a light install has no Dawn, and says what to install.
  dawn ??= importOptional(['webgpu'], 'WebGPU in Node needs Dawn,', () => import('webgpu')).catch((e: Error) => {
    dawn = undefined;
    throw e instanceof MissingPackageError ? e : new Error(`the "webgpu" package (Dawn for Node) could not be loaded: ${e.message}`);
  });
  return dawn;
}

/** Vulkan ICD files in the loader's standard system folders, software rasterisers excluded. */
function systemDriverFiles(): string[] {
  const dataDirs = (process.env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const folders = ['/etc/vulkan/icd.d', ...dataDirs.map((d) => join(d, 'vulkan', 'icd.d'))];
  const files: string[] = [];
  for (const folder of folders) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue; // no such folder
    }
    // lavapipe is a CPU driver that Dawn rejects anyway; probing it only prints warnings.
    for (const name of names) if (name.endsWith('.json') && !/lvp|lavapipe/i.test(name)) files.push(join(folder, name));
  }
  return files;
}

/**
 * Driver settings whose instance gave no adapter. Asked again, Dawn would scan the drivers again
 * (and the Vulkan loader print its warnings again) on every `auto` backend of every unit; the
 * drivers of a running process do not change, so the answer is kept.
 */
const noAdapter = new Set<string>();

async function requestWith(create: Dawn['create']): Promise<GPUAdapter | null> {
  // Dawn reads the driver variables when an instance first enumerates adapters: they are its key.
  const drivers = `${process.env.VK_ICD_FILENAMES ?? ''}\n${process.env.VK_DRIVER_FILES ?? ''}`;
  if (noAdapter.has(drivers)) return null;
  let gpu = instances.get(drivers);
  if (!gpu) instances.set(drivers, (gpu = create([])));
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) noAdapter.add(drivers);
  return adapter;
}

/**
 * A WebGPU adapter from Dawn, following the driver choice above. Never throws for a missing
 * driver: the result then says why there is no adapter.
 */
export async function requestNodeAdapter(options: NodeAdapterOptions): Promise<NodeAdapterResult> {
  process.env.XDG_RUNTIME_DIR ||= tmpdir();
  const explicit = process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES;
  const system = explicit ? [] : systemDriverFiles();
  if (!explicit && system.length === 0 && !options.allowSoftware) {
    return { adapter: null, reason: 'no Vulkan GPU driver is installed (no ICD file in /etc/vulkan/icd.d or /usr/share/vulkan/icd.d)' };
  }
  let create: Dawn['create'];
  try {
    ({ create } = await loadDawn());
  } catch (e) {
    return { adapter: null, reason: (e as Error).message };
  }
  if (explicit || system.length) {
    const adapter = await requestWith(create);
    if (adapter) return { adapter };
    if (explicit) return { adapter: null, reason: `Dawn found no adapter with the Vulkan driver(s) ${explicit}` };
  }
  if (!options.allowSoftware) return { adapter: null, reason: `Dawn found no adapter with the system Vulkan driver(s) ${system.join(', ')}` };
  const swiftshader = SWIFTSHADER_ICD_FILES.find((f) => existsSync(f));
  if (!swiftshader) {
    return {
      adapter: null,
      reason:
        'no GPU driver gave an adapter, and the SwiftShader CPU fallback was not found ' +
        `(${SWIFTSHADER_ICD_FILES[0]}, from Debian's chromium package; libvulkan1 is needed too)`,
    };
  }
  process.env.VK_ICD_FILENAMES = swiftshader;
  const adapter = await requestWith(create);
  return adapter ? { adapter } : { adapter: null, reason: `Dawn found no adapter with SwiftShader (${swiftshader}); is libvulkan1 installed?` };
}
