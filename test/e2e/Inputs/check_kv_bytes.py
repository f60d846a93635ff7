#!/usr/bin/env python3
"""check_kv_bytes.py BYTES_PER_POSITION s1.json s37.json s64.json

Checks that a decode program's DRAM reads grow with the filled length of its
KV cache (n = 1, 37, 64), by BYTES_PER_POSITION (within 5 %) per position,
and not with the capacity."""
import json
import sys

per = float(sys.argv[1])
reads = [json.load(open(p))["dram_read_bytes"] for p in sys.argv[2:5]]
lengths = [1, 37, 64]
for (a, ra), (b, rb) in zip(zip(lengths, reads), zip(lengths[1:], reads[1:])):
    slope = (rb - ra) / (b - a)
    if abs(slope - per) > 0.05 * per:
        sys.exit("DRAM reads grow by %.1f bytes per position from n=%d to n=%d, "
                 "expected %.0f (reads %s)" % (slope, a, b, per, reads))
if reads[0] > 0.2 * reads[2]:
    sys.exit("n=1 reads %d bytes, more than 20%% of n=64's %d" % (reads[0], reads[2]))
print("DRAM reads", reads, "for n =", lengths)
