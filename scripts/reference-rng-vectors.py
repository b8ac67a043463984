#!/usr/bin/env python3
"""Generates test/fixtures/reference-rng-vectors.json: outputs of CPython's `random` and numpy's
legacy RandomState, to check src/train/reference-rng/ against the real thing.

Run with CPython 3.11 and numpy (any version since 1.17: the legacy stream is frozen):
    python3 scripts/reference-rng-vectors.py

Only the vectors are committed; nothing at run time needs Python.
"""
import hashlib
import json
import os
import random
import sys

import numpy as np

assert sys.version_info[:2] == (3, 11), "generate with CPython 3.11"

out = {"python": [], "numpy": [], "pairwise": [], "meta": {"python": sys.version.split()[0], "numpy": np.__version__}}

# Python's random: seed(int) keys of one and several words, negative seeds; getrandbits, random, sample.
for seed in [0, 1, 7, 42, 2**32 - 1, 2**32 + 5, 2**70 + 12345, -3]:
    r = random.Random(seed)
    rec = {"seed": str(seed), "getrandbits32": [r.getrandbits(32) for _ in range(8)]}
    rec["random"] = [r.random() for _ in range(6)]
    rec["bits"] = [[k, r.getrandbits(k)] for k in [1, 2, 3, 5, 8, 13, 31, 32]]
    samples = []
    for n, k in [(7, 1), (7, 2), (7, 7), (5, 3), (1, 1), (2, 2), (30, 3), (60, 10), (24, 6)]:
        samples.append([n, k, r.sample(list(range(n)), k)])
    rec["sample"] = samples
    rec["after"] = [r.getrandbits(32) for _ in range(4)]
    out["python"].append(rec)

# main.py's gate draw: random.sample(all_logic_gates, k) right after random.seed(s).
gates = ["AND", "OR", "IMP", "NAND", "NOR", "NIMP", "XOR"]
out["gate_samples"] = []
for seed in range(12):
    for k in range(1, 8):
        random.seed(seed)
        out["gate_samples"].append([seed, k, random.sample(gates, k=k)])

# numpy legacy: random_sample, choice with p (uniform float32 and skewed float64), normal (odd counts
# exercise the cached second Gaussian), interleaved.
for seed in [0, 1, 6, 99, 2**32 - 1]:
    np.random.seed(seed)
    rec = {"seed": seed, "random_sample": np.random.random_sample(5).tolist()}
    p32 = np.ones(4, dtype=np.float32)
    p32 /= np.sum(p32)
    rec["choice_uniform"] = np.random.choice(4, size=40, p=p32).tolist()
    w = [random.Random(seed).random() for _ in range(4)]
    p64 = w / np.sum(w)
    rec["skew_raw"] = w
    rec["skew_p"] = p64.tolist()
    rec["choice_skewed"] = np.random.choice(4, size=40, p=p64).tolist()
    rec["normal_a"] = np.random.normal(0, 0.1, 7).tolist()
    rec["normal_b"] = np.random.normal(0, 0.1, (3, 2)).reshape(-1).tolist()
    rec["normal_c"] = np.random.normal(1.5, 2.0, 5).tolist()
    rec["random_sample_after"] = np.random.random_sample(3).tolist()
    out["numpy"].append(rec)

# Many Gaussians: float64 bytes and their float32 cast, hashed (checks the logarithm at scale).
np.random.seed(0)
g = np.random.normal(0, 0.1, 2_000_000)
out["normal_bulk"] = {
    "seed": 0, "loc": 0, "scale": 0.1, "n": int(g.size),
    "sha256_f64": hashlib.sha256(g.astype("<f8").tobytes()).hexdigest(),
    "sha256_f32": hashlib.sha256(g.astype("<f4").tobytes()).hexdigest(),
}

# numpy's pairwise sum and mean of float64 vectors whose sums round (unlike main.py's epoch losses).
# JSON floats are Python reprs, which round-trip exactly.
rng = np.random.RandomState(5)
for n in [1, 5, 7, 8, 9, 40, 127, 128, 129, 300, 1000, 5000]:
    a = rng.random_sample(n) * 10.0 ** rng.randint(-3, 3, size=n)
    out["pairwise"].append({"n": n, "values": a.tolist(), "sum": float(np.sum(a)), "mean": float(np.mean(a))})

# Correctly rounded logarithms (decimal at 60 digits, then the nearest double), for the emulation's
# own log; and how often the C library's log (what numpy calls) differs from them.
from decimal import Decimal, getcontext
import math
getcontext().prec = 60
r = random.Random(9)
xs = [r.random() for _ in range(3000)] + [r.random() ** 8 for _ in range(500)] + [1 - r.random() * 1e-6 for _ in range(500)]
xs += [1 + r.random() * 2.0 ** -30 for _ in range(200)] + [r.random() * 10.0 ** r.randint(-300, 300) for _ in range(800)]
xs += [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.5, 2.0, 3.0, 10.0, 1 - 2.0 ** -53, 1 + 2.0 ** -52]
out["cr_log"] = [[x, float(Decimal(x).ln())] for x in xs]
out["libm_log_vs_cr"] = {"n": len(xs), "differ": sum(1 for x, y in out["cr_log"] if math.log(x) != y)}

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "reference-rng-vectors.json")
with open(path, "w") as fh:
    json.dump(out, fh, separators=(",", ":"))
    fh.write("\n")
print("wrote", path)
