#!/usr/bin/env python3
"""Checks l2-prefetch.mlir: with the cache engine's read-ahead the 1 MiB of
loads hit the L2 and run at least twice as fast as from DRAM, but no faster
than the engine (at dc's DRAM rate) can fill the lines; the DRAM bytes
are the same; the data loaded is the input's. The first load starts right
after the barrier, when the engine has filled its first 32 KiB chunk: that
load reads the other half of its 64 KiB from DRAM itself, and the engine
then finds those lines present.

  check_prefetch.py ON.json OFF.json Y.npy
"""
import json
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import npytool  # noqa: E402

on = json.load(open(sys.argv[1]))
off = json.load(open(sys.argv[2]))
_, _, y = npytool.load(sys.argv[3])
MIB = 1 << 20
AHEAD = MIB - 32768
for name, s, pre, hits in (("on", on, AHEAD, AHEAD), ("off", off, 0, 0)):
    if s["dram_read_bytes"] != MIB:
        sys.exit("%s: DRAM read %d bytes, expected %d" % (name, s["dram_read_bytes"], MIB))
    if s["l2_prefetch_read_bytes"] != pre:
        sys.exit("%s: engine read %d bytes, expected %d" % (name, s["l2_prefetch_read_bytes"], pre))
    if s["l2_hit_bytes"] != hits:
        sys.exit("%s: L2 hits %d bytes, expected %d" % (name, s["l2_hit_bytes"], hits))
# One core reads DRAM at 32 B/cycle; the engine at up to 755 B/cycle.
if off["kernel_cycles"] < MIB / 32:
    sys.exit("off: %d cycles, less than 1 MiB at 32 B/cycle" % off["kernel_cycles"])
if not MIB / 755 <= on["kernel_cycles"] < 0.5 * off["kernel_cycles"]:
    sys.exit("on: %d cycles (off: %d)" % (on["kernel_cycles"], off["kernel_cycles"]))
want = [(240 * 1024 + j) * 0.5 for j in range(8)]
if list(y) != want:
    sys.exit("y = %r, expected %r" % (list(y), want))
print("ok: %d cycles with the read-ahead, %d without" % (on["kernel_cycles"], off["kernel_cycles"]))
