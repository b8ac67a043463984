/**
 * Getting a GPUDevice: the caller's, or one acquired from `navigator.gpu` (browsers) or from Dawn
 * (Node, src/node/webgpu-node.ts, imported lazily). Also the adapter description and device-loss
 * tracking every GPU operation races against, so a lost device never leaves a promise pending.
 */
import { BackendUnavailableError } from '../errors.ts';

/** What is known of the adapter behind a device. */
export interface AdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A software (CPU) implementation such as SwiftShader: correct, but slower than Wasm. */
  readonly isFallback: boolean;
}

/** A device ready for the kernels. */
export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;
  /** Whether the device was acquired here (and may be destroyed here) rather than passed in. */
  readonly owned: boolean;
  /** Rejects with a {@link GpuLostError} once the device is lost; never resolves. */
  readonly lost: Promise<never>;
  /** Why the device was lost, or null while it is usable. */
  lostReason(): string | null;
  /**
   * Calls `listener` once with a {@link GpuLostError} when the device is lost (at once, in a
   * microtask, if it already is); the returned function unregisters it. Unlike a reaction on
   * `lost`, which stays attached as long as the device lives, it holds nothing once removed.
   */
  onLost(listener: (error: GpuLostError) => void): () => void;
}

/** The device was lost (driver reset, destroy(), out of memory...). */
export class GpuLostError extends Error {
  override name = 'GpuLostError';
}

/** Describes an adapter, treating SwiftShader, llvmpipe and lavapipe as fallback adapters too. */
export function summarizeAdapter(info: GPUAdapterInfo | undefined): AdapterSummary {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const summary = {
    vendor: text(info?.vendor),
    architecture: text(info?.architecture),
    device: text(info?.device),
    description: text(info?.description),
  };
  const software = /swiftshader|llvmpipe|lavapipe|softpipe/i.test(Object.values(summary).join(' '));
  return { ...summary, isFallback: info?.isFallbackAdapter === true || software };
}

/** A one-line name for messages and benchmarks, e.g. `nvidia hopper (NVIDIA H100 80GB HBM3)`. */
export function adapterName(a: AdapterSummary): string {
  const head = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const tail = a.description || a.device;
  return `${head}${tail ? ` (${tail})` : ''}${a.isFallback ? ', software fallback' : ''}`;
}

/** Wraps a device: loss tracking and the adapter summary. */
export function gpuContext(device: GPUDevice, owned: boolean, info?: GPUAdapterInfo): GpuContext {
  let reason: string | null = null;
  const listeners = new Set<(error: GpuLostError) => void>();
  const lost = device.lost.then((l) => {
    reason = `the WebGPU device was lost (${l.reason}${l.message ? `: ${l.message}` : ''})`;
    for (const listener of listeners) listener(new GpuLostError(reason));
    listeners.clear();
    throw new GpuLostError(reason);
  });
  lost.catch(() => {}); // observed by operations, not an unhandled rejection
  const onLost = (listener: (error: GpuLostError) => void) => {
    if (reason !== null) {
      const why = reason;
      queueMicrotask(() => listener(new GpuLostError(why)));
      return () => {};
    }
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  return { device, adapter: summarizeAdapter(info ?? device.adapterInfo), owned, lost, lostReason: () => reason, onLost };
}

/** Options of {@link acquireGpu}. */
export interface AcquireOptions {
  /** Accept a software adapter (SwiftShader); `auto` backend selection does not. */
  readonly allowFallback: boolean;
  /**
   * Where to request the adapter (e.g. a Dawn instance made with flags of one's own). Default:
   * `navigator.gpu`, else Dawn in Node. A device from a given `gpu` is not shared.
   */
  readonly gpu?: GPU;
}

const shared = new Map<boolean, Promise<GpuContext>>();

/**
 * A device for the kernels, shared by every backend of this realm that did not bring its own
 * (a new one is acquired after a loss). Rejects with a {@link BackendUnavailableError} that says
 * why when there is no suitable adapter.
 *
 * In Node, "no real GPU" (the question `auto` asks) is answered once per thread: the drivers of a
 * running process do not change, and asking Dawn again for every unit of an experiment cost a
 * driver scan each time (and printed a broken driver's warnings each time).
 */
export function acquireGpu(options: AcquireOptions): Promise<GpuContext> {
  if (options.gpu) return acquire(options);
  let pending = shared.get(options.allowFallback);
  if (!pending) {
    pending = acquire(options);
    shared.set(options.allowFallback, pending);
    const settled = pending;
    const keepRefusal = !options.allowFallback && !(globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    settled.then(
      (ctx) => ctx.lost.catch(() => shared.get(options.allowFallback) === settled && shared.delete(options.allowFallback)),
      (e) => {
        if (!(keepRefusal && e instanceof BackendUnavailableError)) shared.delete(options.allowFallback);
      },
    );
  }
  return pending;
}

async function acquire({ allowFallback, gpu }: AcquireOptions): Promise<GpuContext> {
  const adapter = await requestAdapter(allowFallback, gpu);
  const summary = summarizeAdapter(adapter.info);
  if (summary.isFallback && !allowFallback) {
    throw new BackendUnavailableError(`only a software WebGPU adapter is available (${adapterName(summary)})`);
  }
  // The default limits cap storage buffers at 128 MiB; ask for what the adapter offers.
  const { maxStorageBufferBindingSize, maxBufferSize, maxComputeWorkgroupsPerDimension } = adapter.limits;
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredLimits: { maxStorageBufferBindingSize, maxBufferSize, maxComputeWorkgroupsPerDimension },
    });
  } catch (e) {
    throw new BackendUnavailableError(`the WebGPU adapter (${adapterName(summary)}) refused a device: ${(e as Error).message}`);
  }
  return gpuContext(device, true, adapter.info);
}

async function requestAdapter(allowFallback: boolean, given?: GPU): Promise<GPUAdapter> {
  const gpu = given ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (gpu) {
    let failure = 'returned none';
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch((e: Error) => ((failure = `failed: ${e.message}`), null));
    const where = given ? 'the given GPU' : 'navigator.gpu';
    if (!adapter) throw new BackendUnavailableError(`no WebGPU adapter: ${where}.requestAdapter() ${failure} (in Chromium, a GPU or --enable-unsafe-webgpu is needed)`);
    return adapter;
  }
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  if (!isNode) throw new BackendUnavailableError('no WebGPU here: navigator.gpu is missing');
  let node: typeof import('../node/webgpu-node.ts');
  try {
    // A computed specifier, so bundlers leave the Node-only module out of browser bundles.
    const specifier = '../node/webgpu-node.js';
    node = await import(/* @vite-ignore */ specifier);
  } catch (e) {
    throw new BackendUnavailableError(`no WebGPU in this Node build: ${(e as Error).message}`);
  }
  const result = await node.requestNodeAdapter({ allowSoftware: allowFallback });
  if (!result.adapter) throw new BackendUnavailableError(`no WebGPU adapter: ${result.reason}`);
  return result.adapter;
}
