#!/usr/bin/env python3
"""Checks loop-count.mlir's output: rows < n are x + 1, the rest zero, and the
scalar unit fetched a number of instructions linear in n.

  check_rows.py Y.npy X.npy N STATS.json
"""
import json
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import npytool  # noqa: E402

_, _, y = npytool.load(sys.argv[1])
_, _, x = npytool.load(sys.argv[2])
n = int(sys.argv[3])
stats = json.load(open(sys.argv[4]))
for i, (a, b) in enumerate(zip(y, x)):
    want = b + 1.0 if i < 8 * n else 0.0
    if a != want:
        sys.exit("element %d (row %d): %r, expected %r" % (i, i // 8, a, want))
# 3 instructions before the loop, 1 loop, 12 per iteration (body + endloop),
# 2 waits and end after it.
want = 4 + 12 * n + 3
if stats["dynamic_instructions"] != want:
    sys.exit("fetched %d instructions, expected %d" % (stats["dynamic_instructions"], want))
if stats["static_instructions"] != 19:
    sys.exit("static instructions %d" % stats["static_instructions"])
print("ok n=%d" % n)
