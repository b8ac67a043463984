#!/usr/bin/env python3
"""Generates test/fixtures/pyset-vectors.json: CPython set operation sequences and the iteration
order after every operation, to check src/pyset.ts against the real thing.

Run with CPython 3.11 (the oracle used 3.11.2; set internals are identical across 3.11.x):
    python3 scripts/pyset-vectors.py

Each case is a list of operations on numbered set variables; after each one, `orders` holds
list(<the set the operation wrote>). Tuples are written as JSON arrays.

Operations:
  ["literal", dst, [keys]]        dst = {k1, k2, ...}
  ["fromList", dst, [keys]]       dst = set([...])
  ["copy", dst, src]              dst = set(src)
  ["add", dst, key]               dst.add(key)
  ["discard", dst, key]           dst.discard(key)
  ["updateSet", dst, src]         dst.update(src)
  ["updateList", dst, [keys]]     dst.update([...])
  ["isub", dst, src]              dst -= src
  ["diffUpdateList", dst, [keys]] dst.difference_update([...])
  ["diff", dst, a, b]             dst = a - b
  ["diffList", dst, a, [keys]]    dst = a.difference([...])
"""
import itertools
import json
import os
import random
import sys

assert sys.version_info[:2] == (3, 11), "generate with CPython 3.11"

rng = random.Random(20250101)


def to_py(k):
    return tuple(to_py(x) for x in k) if isinstance(k, list) else k


def to_json(k):
    return [to_json(x) for x in k] if isinstance(k, tuple) else k


class Recorder:
    def __init__(self, name):
        self.name = name
        self.sets = {}
        self.ops = []
        self.orders = []

    def run(self, op):
        kind, dst = op[0], op[1]
        s = self.sets
        if kind == "literal":
            s[dst] = set()
            for k in op[2]:  # BUILD_SET adds left to right; a literal cannot take a runtime list
                s[dst].add(to_py(k))
        elif kind == "fromList":
            s[dst] = set([to_py(k) for k in op[2]])
        elif kind == "copy":
            s[dst] = set(s[op[2]])
        elif kind == "add":
            s[dst].add(to_py(op[2]))
        elif kind == "discard":
            s[dst].discard(to_py(op[2]))
        elif kind == "updateSet":
            s[dst].update(s[op[2]])
        elif kind == "updateList":
            s[dst].update([to_py(k) for k in op[2]])
        elif kind == "isub":
            s[dst] -= s[op[2]]
        elif kind == "diffUpdateList":
            s[dst].difference_update([to_py(k) for k in op[2]])
        elif kind == "diff":
            s[dst] = s[op[2]] - s[op[3]]
        elif kind == "diffList":
            s[dst] = s[op[2]].difference([to_py(k) for k in op[3]])
        else:
            raise ValueError(kind)
        self.ops.append(op)
        self.orders.append([to_json(k) for k in s[dst]])

    def dump(self):
        return {"name": self.name, "ops": self.ops, "orders": self.orders}


def rand_key(pool):
    if pool == "small":
        return rng.randrange(0, 40)
    if pool == "wide":
        r = rng.random()
        if r < 0.4:
            return rng.randrange(0, 200)
        if r < 0.6:
            return rng.randrange(-50, 0)  # includes -1, whose hash is -2
        if r < 0.8:
            return rng.randrange(2**31, 2**53)
        return -rng.randrange(2**40, 2**53)
    if pool == "pairs":
        return [rng.randrange(0, 4), rng.randrange(0, 12)]
    if pool == "mixed":
        r = rng.random()
        if r < 0.3:
            return rng.randrange(0, 30)
        if r < 0.7:
            return [rng.randrange(0, 5), rng.randrange(0, 10)]
        if r < 0.9:
            return [rng.randrange(-3, 3), rng.randrange(0, 3), rng.randrange(0, 3)]
        return [[rng.randrange(0, 3)], rng.randrange(0, 2**40)]
    raise ValueError(pool)


def random_case(name, pool, n_ops, n_vars=4):
    rec = Recorder(name)
    for v in range(n_vars):
        rec.run(["literal", v, [rand_key(pool) for _ in range(rng.randrange(0, 4))]])
    for _ in range(n_ops):
        dst = rng.randrange(n_vars)
        src = rng.randrange(n_vars)
        keys = [rand_key(pool) for _ in range(rng.randrange(0, 12))]
        r = rng.random()
        present = [to_json(k) for k in rec.sets[dst]]
        if r < 0.30:
            rec.run(["add", dst, rand_key(pool)])
        elif r < 0.45:
            key = rng.choice(present) if present and rng.random() < 0.8 else rand_key(pool)
            rec.run(["discard", dst, key])
        elif r < 0.52:
            rec.run(["updateSet", dst, src])
        elif r < 0.58:
            rec.run(["updateList", dst, keys])
        elif r < 0.65:
            rec.run(["isub", dst, src])
        elif r < 0.70:
            some = rng.sample(present, k=rng.randrange(0, len(present) + 1)) if present else []
            rec.run(["diffUpdateList", dst, some + keys[:2]])
        elif r < 0.80:
            rec.run(["diff", dst, rng.randrange(n_vars), src])
        elif r < 0.85:
            some = rng.sample(present, k=rng.randrange(0, len(present) + 1)) if present else []
            rec.run(["diffList", dst, rng.randrange(n_vars), some])
        elif r < 0.90:
            rec.run(["copy", dst, src])
        elif r < 0.95:
            rec.run(["fromList", dst, keys])
        else:
            rec.run(["literal", dst, keys])
    return rec.dump()


def growth_case(name, pool):
    """Few operations on sets of hundreds of keys: big resizes, long probe chains, and the
    copy-and-difference path of `a - b` when a is more than 4x larger than b."""
    rec = Recorder(name)
    rec.run(["literal", 0, []])
    for _ in range(4):
        rec.run(["updateList", 0, [rand_key(pool) for _ in range(150)]])
    present = [to_json(k) for k in rec.sets[0]]
    rec.run(["diffUpdateList", 0, rng.sample(present, k=len(present) // 2)])
    present = [to_json(k) for k in rec.sets[0]]
    for k in rng.sample(present, k=min(15, len(present) // 3)):
        rec.run(["discard", 0, k])
    rec.run(["updateList", 0, [rand_key(pool) for _ in range(40)]])
    present = [to_json(k) for k in rec.sets[0]]
    rec.run(["fromList", 1, rng.sample(present, k=5)])
    rec.run(["diff", 2, 0, 1])
    rec.run(["copy", 3, 0])
    rec.run(["diff", 4, 1, 0])
    rec.run(["isub", 3, 1])
    rec.run(["updateSet", 1, 3])
    return rec.dump()


def random_tree(next_id, depth):
    """A random binary/unary tree whose ids are assigned in preorder, like the formula trees."""
    node = {"id": next_id[0], "children": []}
    next_id[0] += 1
    if depth > 0 and rng.random() < 0.8:
        for _ in range(1 if rng.random() < 0.2 else 2):
            node["children"].append(random_tree(next_id, depth - 1))
    return node


def node_ids_case(name):
    """get_node_ids: res = {id}; res.update(child set) recursively, with ids possibly shuffled
    (negation nodes get large ids), then relevant-node style filtering with `-=`."""
    rec = Recorder(name)
    counter = [0]

    def build(node):
        me = counter[0]
        counter[0] += 1
        rec.run(["literal", me, [node["id"]]])
        for c in node["children"]:
            rec.run(["updateSet", me, build(c)])
        return me

    for _ in range(6):
        tree = random_tree([0], rng.randrange(2, 5))
        # Relabel some ids as if negation nodes had been numbered from max+1.
        ids = []

        def collect(n):
            ids.append(n)
            for c in n["children"]:
                collect(c)

        collect(tree)
        extra = len(ids)
        for n in rng.sample(ids, k=rng.randrange(0, min(5, len(ids)) + 1)):
            n["id"] = extra
            extra += 1
        root = build(tree)
        order = [k for k in rec.sets[root]]
        rel = counter[0]
        counter[0] += 1
        rec.run(["literal", rel, []])
        for k in order:
            if rng.random() < 0.8:
                rec.run(["add", rel, k])
        drop = counter[0]
        counter[0] += 1
        rec.run(["literal", drop, rng.sample(order, k=rng.randrange(0, len(order) + 1))])
        rec.run(["isub", rel, drop])
    return rec.dump()


def mapping_search_case(name, layer_sizes):
    """find_minimal_mappings' set traffic: all_mappings = set(reversed([...])), `-=` with the
    input/output tuples, then `mappings2 - set(subset)` for subsets in combinations order."""
    rec = Recorder(name)
    hidden = [[i + 1, y] for i, x in enumerate(layer_sizes[1:-1]) for y in range(x)]
    rec.run(["fromList", 0, list(reversed(hidden))])
    counter = [1]

    def explore(var, depth):
        rec.run(["literal", counter[0], [[0, x] for x in range(layer_sizes[0])]])
        rec.run(["isub", var, counter[0]])
        counter[0] += 1
        rec.run(["literal", counter[0], [[len(layer_sizes) - 1, x] for x in range(layer_sizes[-1])]])
        rec.run(["isub", var, counter[0]])
        counter[0] += 1
        if depth == 0:
            return
        ss = [to_json(k) for k in rec.sets[var]]
        subsets = list(itertools.chain(*map(lambda x: itertools.combinations(ss, x), range(len(ss), -1, -1))))
        for sub in rng.sample(subsets, k=min(len(subsets), 4)):
            rec.run(["fromList", counter[0], list(sub)])
            child = counter[0] + 1
            counter[0] += 2
            rec.run(["diff", child, var, child - 1])
            explore(child, depth - 1)

    explore(0, 3)
    return rec.dump()


def main():
    cases = []
    for i in range(6):
        cases.append(random_case(f"random-small-{i}", "small", 300))
    for i in range(4):
        cases.append(random_case(f"random-wide-{i}", "wide", 300))
    for i in range(6):
        cases.append(random_case(f"random-pairs-{i}", "pairs", 300))
    for i in range(4):
        cases.append(random_case(f"random-mixed-{i}", "mixed", 300))
    # Large sets: exercise several resizes and the perturbed probing.
    for pool in ("wide", "pairs", "mixed"):
        cases.append(growth_case(f"growth-{pool}", pool))
    for i in range(4):
        cases.append(node_ids_case(f"node-ids-{i}"))
    for sizes in ([2, 2, 2, 1], [2, 3, 3, 1], [2, 4, 4, 1], [2, 5, 5, 1], [3, 4, 4, 4, 2], [2, 8, 8, 1]):
        cases.append(mapping_search_case("mappings-" + "-".join(map(str, sizes)), sizes))
    out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "pyset-vectors.json")
    with open(out, "w") as f:
        json.dump({"python": sys.version.split()[0], "cases": cases}, f, separators=(",", ":"))
    print(f"wrote {len(cases)} cases, {sum(len(c['ops']) for c in cases)} operations to {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
