"""Summarizes the DRAM timeline of a tessera-run --profile-json beside the
run's --stats-json: usage: dram_timeline.py PROFILE.json STATS.json.
Checks its shape (a bucket per ~microsecond of the kernel, none above the
effective DRAM rate, the bytes at least the run's DRAM bytes: a short burst
counts as the burst it costs) and prints the bytes, the busiest bucket's
share of the rate, the buckets at >= 95 % of it from the start and the
buckets under 10 % between two busier ones."""
import json
import math
import sys

profile = json.load(open(sys.argv[1]))
stats = json.load(open(sys.argv[2]))
tl = profile["dram_timeline"]
buckets, cap, cycles = tl["bytes"], tl["capacity_bytes"], tl["bucket_cycles"]
# (Write-backs the last transfers caused may run past the kernel's end.)
assert len(buckets) >= math.ceil(profile["kernel_cycles"] / cycles), (len(buckets), profile["kernel_cycles"], cycles)
# The effective rate is at most the nominal one.
assert 0 < cap <= stats["dram_bytes_per_s"] * cycles / profile["clock_hz"] * (1 + 1e-9)
assert all(0 <= b <= cap * (1 + 1e-9) for b in buckets), max(buckets) / cap
assert sum(buckets) >= stats["dram_bytes"] * (1 - 1e-9), (sum(buckets), stats["dram_bytes"])
use = [b / cap for b in buckets]
full = 0
while full < len(use) and use[full] >= 0.95:
    full += 1
busy = [i for i, u in enumerate(use) if u >= 0.1]
idle = sum(1 for i in range(busy[0], busy[-1]) if use[i] < 0.1) if busy else 0
print("DRAM timeline: %d bytes; busiest bucket %.2f; %d buckets >= 0.95 from the start; idle buckets between reads: %d"
      % (round(sum(buckets)), max(use), full, idle))
