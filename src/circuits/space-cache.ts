/**
 * Circuit spaces kept between analyses: a grid of seeds or gates over one shape searches the same
 * space again and again, and building it (and writing it into a kernel's memory) costs more than
 * searching it at small widths. Bounded: the most recent spaces up to {@link SPACE_CACHE_BYTES} of
 * edge lists, and always the last one used.
 */
import { CircuitSpace, type SharedEdgeLists } from './space.ts';

/** Edge-list bytes the cache keeps beyond the space used last. */
export const SPACE_CACHE_BYTES = 256 * 2 ** 20;

const cache = new Map<string, { space: CircuitSpace; bytes: number }>();

/**
 * The space of `layerSizes` at `minSparsity`, built once and then shared. `maxCircuits` is checked
 * on every call (on the exact count, before anything is built), as `new CircuitSpace` does. Its
 * edge lists are built in shared memory where the platform has it, so workers can read them
 * without a copy; a worker passes the lists it was sent (`edgeLists`) instead of building them.
 */
export function sharedCircuitSpace(layerSizes: readonly number[], minSparsity: number, maxCircuits?: number, edgeLists?: SharedEdgeLists): CircuitSpace {
  const key = `${layerSizes.join('-')}|${minSparsity}`;
  const kept = cache.get(key);
  if (kept) {
    if (maxCircuits !== undefined) kept.space.assertWithin(maxCircuits);
    cache.delete(key); // most recent last
    cache.set(key, kept);
    return kept.space;
  }
  const space = new CircuitSpace(layerSizes, { minSparsity, maxCircuits, shared: true, edgeLists });
  cache.set(key, { space, bytes: edgeListBytes(space) });
  let total = 0;
  for (const entry of cache.values()) total += entry.bytes;
  for (const [k, entry] of cache) {
    if (total - cache.get(key)!.bytes <= SPACE_CACHE_BYTES || k === key) break;
    cache.delete(k);
    total -= entry.bytes;
  }
  return space;
}

/** Forgets every kept space (tests; a long-lived page that is done with wide models). */
export function clearSpaceCache(): void {
  cache.clear();
}

/** How many spaces are kept and their edge-list bytes. */
export function spaceCacheStats(): { spaces: number; bytes: number } {
  let bytes = 0;
  for (const entry of cache.values()) bytes += entry.bytes;
  return { spaces: cache.size, bytes };
}

/** Bytes of the distinct edge lists a space holds (combinations share lists). */
function edgeListBytes(space: CircuitSpace): number {
  const lists = new Set<Uint32Array>();
  for (const c of space.combinations) for (const words of c.edgeWords) lists.add(words);
  let bytes = 0;
  for (const words of lists) bytes += words.byteLength;
  return bytes;
}
