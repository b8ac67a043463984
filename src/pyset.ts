/**
 * A faithful emulation of CPython 3.11's `set` (Objects/setobject.c) for int and int-tuple keys.
 *
 * Why: the reference code iterates Python sets of node ids and of `(layer, neuron)` tuples, and
 * that iteration order decides the order of its mapping lists and of the neurons inside each
 * mapping. To reproduce the oracle exactly we replay the same hash-table operations: open
 * addressing with 9 linear probes then perturbed probing, dummies on discard, the same resize
 * rules, and the same fast paths for copy/update/difference.
 *
 * Hashes follow CPython on 64-bit builds: `hash(i)` is `i mod (2**61 - 1)` with the sign of i
 * (and `hash(-1) == -2`), tuples use the 3.11 xxHash-based `tuplehash`.
 */

/** A key: an integer (safe-integer range) or a tuple of keys, as a readonly array. */
export type PyKey = number | readonly PyKey[];

const MINSIZE = 8; // PySet_MINSIZE
const LINEAR_PROBES = 9;
const PERTURB_SHIFT = 5;
const MASK64 = (1n << 64n) - 1n;
const MODULUS = (1n << 61n) - 1n; // _PyHASH_MODULUS
const XXPRIME_1 = 11400714785074694791n;
const XXPRIME_2 = 14029467366897019727n;
const XXPRIME_5 = 2870177450012600261n;

/** Marks a deleted slot (CPython's `dummy`, whose entry hash is -1). */
const DUMMY: unique symbol = Symbol('dummy');
type Slot = PyKey | typeof DUMMY | undefined;

/** `hash(key)` as CPython computes it, as an unsigned 64-bit BigInt (the `size_t` view). */
export function pyHash(key: PyKey): bigint {
  return BigInt.asUintN(64, signedHash(key));
}

function signedHash(key: PyKey): bigint {
  if (typeof key === 'number') {
    if (!Number.isSafeInteger(key)) throw new RangeError(`PySet keys must be safe integers, got ${key}`);
    const mag = BigInt(Math.abs(key)) % MODULUS;
    const h = key < 0 ? -mag : mag;
    return h === -1n ? -2n : h;
  }
  // tuplehash (Objects/tupleobject.c, 64-bit): xxHash-like lanes, then the length mixed in.
  let acc = XXPRIME_5;
  for (const item of key) {
    const lane = BigInt.asUintN(64, signedHash(item));
    acc = (acc + lane * XXPRIME_2) & MASK64;
    acc = ((acc << 31n) | (acc >> 33n)) & MASK64;
    acc = (acc * XXPRIME_1) & MASK64;
  }
  acc = (acc + (BigInt(key.length) ^ (XXPRIME_5 ^ 3527539n))) & MASK64;
  if (acc === MASK64) return 1546275796n;
  return BigInt.asIntN(64, acc);
}

function keysEqual(a: PyKey, b: PyKey): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!keysEqual(a[i]!, b[i]!)) return false;
  return true;
}

/** A hash split into 32-bit halves: the low half indexes the table, both halves feed `perturb`. */
interface Hash {
  readonly lo: number;
  readonly hi: number;
}

const hashCache = new Map<string, Hash>();
const pairHashCache = new Map<number, Hash>();

function hashOf(key: PyKey): Hash {
  if (typeof key === 'number' && key >= 0 && key < 0x100000000) return { lo: key, hi: 0 };
  // (layer, neuron) pairs are the hot case of the mapping search: a numeric cache key.
  if (typeof key !== 'number' && key.length === 2) {
    const [a, b] = key;
    if (typeof a === 'number' && typeof b === 'number' && a >= 0 && b >= 0 && a < 0x10000 && b < 0x10000 && Number.isInteger(a) && Number.isInteger(b)) {
      const id = a * 0x10000 + b;
      let h = pairHashCache.get(id);
      if (!h) {
        const u = pyHash(key);
        pairHashCache.set(id, (h = { lo: Number(u & 0xffffffffn), hi: Number(u >> 32n) }));
      }
      return h;
    }
  }
  const id = JSON.stringify(key);
  let h = hashCache.get(id);
  if (!h) {
    const u = pyHash(key);
    h = { lo: Number(u & 0xffffffffn), hi: Number(u >> 32n) };
    hashCache.set(id, h);
  }
  return h;
}

/** One step of CPython's probe sequence: `perturb >>= 5; i = (i*5 + 1 + perturb) & mask`. */
class Prober {
  private lo: number;
  private hi: number;
  i: number;
  constructor(h: Hash, private readonly mask: number) {
    this.lo = h.lo;
    this.hi = h.hi;
    this.i = h.lo & mask;
  }
  next(): void {
    this.lo = ((this.lo >>> PERTURB_SHIFT) | (this.hi << (32 - PERTURB_SHIFT))) >>> 0;
    this.hi = this.hi >>> PERTURB_SHIFT;
    // Only the low 32 bits can reach the mask, so the sum is taken mod 2^32.
    this.i = ((this.i * 5 + 1 + this.lo) >>> 0) & this.mask;
  }
}

/**
 * A CPython-3.11 set of {@link PyKey}s. Iteration yields keys in hash-table slot order, exactly
 * as `for x in s` does in CPython for the same sequence of operations.
 */
export class PySet implements Iterable<PyKey> {
  private table: Slot[] = new Array(MINSIZE).fill(undefined);
  private hashes: (Hash | undefined)[] = new Array(MINSIZE).fill(undefined);
  private mask = MINSIZE - 1;
  /** Active + dummy slots. */
  private fill = 0;
  /** Active slots. */
  private used = 0;

  /** `set(iterable)`: a set merges (`set_merge`), anything else is added key by key. */
  constructor(iterable?: Iterable<PyKey>) {
    if (iterable) this.update(iterable);
  }

  /** A set display `{k1, k2, ...}` (BUILD_SET adds left to right). */
  static of(...keys: PyKey[]): PySet {
    const s = new PySet();
    for (const k of keys) s.add(k);
    return s;
  }

  get size(): number {
    return this.used;
  }

  *[Symbol.iterator](): Iterator<PyKey> {
    for (let i = 0; i <= this.mask; i++) {
      const k = this.table[i];
      if (k !== undefined && k !== DUMMY) yield k;
    }
  }

  /** The keys in iteration order (a plain loop: the search calls this in its inner loop). */
  toArray(): PyKey[] {
    const out: PyKey[] = [];
    for (let i = 0; i <= this.mask; i++) {
      const k = this.table[i];
      if (k !== undefined && k !== DUMMY) out.push(k);
    }
    return out;
  }

  has(key: PyKey): boolean {
    return this.lookup(key, hashOf(key)) >= 0;
  }

  /** `set.add` (set_add_entry): reuses the last dummy seen on the probe path, may resize. */
  add(key: PyKey): void {
    this.addEntry(key, hashOf(key));
  }

  /** `set.discard`: the slot becomes a dummy; never resizes. Returns whether the key was present. */
  discard(key: PyKey): boolean {
    const i = this.lookup(key, hashOf(key));
    if (i < 0) return false;
    this.table[i] = DUMMY;
    this.hashes[i] = undefined;
    this.used--;
    return true;
  }

  /** `set(self)` / `self.copy()`. */
  copy(): PySet {
    const s = new PySet();
    s.merge(this);
    return s;
  }

  /** `self.update(other)` / `self |= other`. */
  update(other: Iterable<PyKey>): void {
    if (other instanceof PySet) {
      this.merge(other);
      return;
    }
    for (const k of other) this.add(k);
  }

  /**
   * `self -= other` / `self.difference_update(other)` (set_difference_update_internal): discards,
   * then resizes if more than a quarter of the table is dummies.
   * CPython first intersects `other` with self when `other` is 8x larger; the discarded keys, and
   * hence the resulting table, are the same, so that step is not reproduced.
   */
  differenceUpdate(other: Iterable<PyKey>): void {
    if (other === this) {
      this.clear();
      return;
    }
    for (const k of other instanceof PySet ? other.toArray() : other) this.discard(k);
    if (this.fill - this.used <= Math.floor(this.mask / 4)) return;
    this.resize(this.used > 50000 ? this.used * 2 : this.used * 4);
  }

  /** `self - other` / `self.difference(other)` (set_difference). */
  difference(other: Iterable<PyKey>): PySet {
    // Copy-then-discard when other is not a set, or when self is much larger than other.
    if (!(other instanceof PySet) || this.used >> 2 > other.used) {
      const result = this.copy();
      result.differenceUpdate(other);
      return result;
    }
    const result = new PySet();
    for (let i = 0; i <= this.mask; i++) {
      const k = this.table[i];
      if (k === undefined || k === DUMMY) continue;
      const h = this.hashes[i]!;
      if (other.lookup(k, h) < 0) result.addEntry(k, h);
    }
    return result;
  }

  /** `set.clear()`: back to an empty small table. */
  clear(): void {
    this.table = new Array(MINSIZE).fill(undefined);
    this.hashes = new Array(MINSIZE).fill(undefined);
    this.mask = MINSIZE - 1;
    this.fill = 0;
    this.used = 0;
  }

  /** set_lookkey: the slot index of key, or -1. */
  private lookup(key: PyKey, h: Hash): number {
    const p = new Prober(h, this.mask);
    for (;;) {
      let i = p.i;
      let probes = i + LINEAR_PROBES <= this.mask ? LINEAR_PROBES : 0;
      do {
        const k = this.table[i];
        if (k === undefined) return -1;
        if (k !== DUMMY && sameHash(this.hashes[i]!, h) && keysEqual(k, key)) return i;
        i++;
      } while (probes--);
      p.next();
    }
  }

  private addEntry(key: PyKey, h: Hash): void {
    const mask = this.mask;
    const p = new Prober(h, mask);
    let freeslot = -1;
    for (;;) {
      let i = p.i;
      let probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      do {
        const k = this.table[i];
        if (k === undefined) {
          if (freeslot >= 0) {
            // Reuse a dummy: fill is unchanged, so no resize check.
            this.table[freeslot] = key;
            this.hashes[freeslot] = h;
            this.used++;
            return;
          }
          this.table[i] = key;
          this.hashes[i] = h;
          this.fill++;
          this.used++;
          if (this.fill * 5 < mask * 3) return;
          this.resize(this.used > 50000 ? this.used * 2 : this.used * 4);
          return;
        }
        if (k === DUMMY) freeslot = i; // 3.11 keeps the last dummy on the path
        else if (sameHash(this.hashes[i]!, h) && keysEqual(k, key)) return;
        i++;
      } while (probes--);
      p.next();
    }
  }

  /** set_table_resize: smallest power of two > minused (at least 8), reinsert in slot order. */
  private resize(minused: number): void {
    let newsize = MINSIZE;
    while (newsize <= minused) newsize *= 2;
    // Resizing a small table to a small table without dummies is a no-op in CPython.
    if (newsize === MINSIZE && this.mask === MINSIZE - 1 && this.fill === this.used) return;
    const oldTable = this.table;
    const oldHashes = this.hashes;
    this.table = new Array(newsize).fill(undefined);
    this.hashes = new Array(newsize).fill(undefined);
    this.mask = newsize - 1;
    this.fill = this.used;
    for (let i = 0; i < oldTable.length; i++) {
      const k = oldTable[i];
      if (k !== undefined && k !== DUMMY) this.insertClean(k, oldHashes[i]!);
    }
  }

  /** set_insert_clean: first empty slot on the probe path (the table has no dummies). */
  private insertClean(key: PyKey, h: Hash): void {
    const mask = this.mask;
    const p = new Prober(h, mask);
    for (;;) {
      let i = p.i;
      let probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      do {
        if (this.table[i] === undefined) {
          this.table[i] = key;
          this.hashes[i] = h;
          return;
        }
        i++;
      } while (probes--);
      p.next();
    }
  }

  /** set_merge: `self.update(other)` for a set `other`, with its three fast paths. */
  private merge(other: PySet): void {
    if (other === this || other.used === 0) return;
    if ((this.fill + other.used) * 5 >= this.mask * 3) this.resize((this.used + other.used) * 2);
    if (this.fill === 0 && this.mask === other.mask && other.fill === other.used) {
      // Same size, no dummies: copy the table slot for slot.
      this.table = other.table.slice();
      this.hashes = other.hashes.slice();
      this.fill = other.fill;
      this.used = other.used;
      return;
    }
    if (this.fill === 0) {
      this.fill = other.used;
      this.used = other.used;
      for (let i = 0; i <= other.mask; i++) {
        const k = other.table[i];
        if (k !== undefined && k !== DUMMY) this.insertClean(k, other.hashes[i]!);
      }
      return;
    }
    for (let i = 0; i <= other.mask; i++) {
      const k = other.table[i];
      if (k !== undefined && k !== DUMMY) this.addEntry(k, other.hashes[i]!);
    }
  }
}

function sameHash(a: Hash, b: Hash): boolean {
  return a.lo === b.lo && a.hi === b.hi;
}
