"""Checks a tessera-run profile against the run's stats, the source model
and the trace: usage: profile_check.py PROFILE.json STATS.json MODEL.onnx
[TRACE.json]."""
import json
import sys

import onnx

profile = json.load(open(sys.argv[1]))
stats = json.load(open(sys.argv[2]))
model = onnx.load(sys.argv[3], load_external_data=False)
nodes = profile["nodes"]


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


# The rows add up to the run: time, FLOPs and DRAM bytes.
total = sum(n["cycles"] for n in nodes) + profile["idle_cycles"] + profile["launch_cycles"]
assert close(total, stats["cycles"]), (total, stats["cycles"])
assert close(profile["cycles"], stats["cycles"])
assert close(sum(n["flops"] for n in nodes), stats["flops"])
assert sum(n["dram_bytes"] for n in nodes) == stats["dram_bytes"]
assert close(sum(n["share"] for n in nodes) * stats["cycles"] + profile["idle_cycles"] + profile["launch_cycles"], stats["cycles"])
# Most time first; every row is an ONNX node of the source model.
assert [n["cycles"] for n in nodes] == sorted((n["cycles"] for n in nodes), reverse=True)
names = {n.name for n in model.graph.node}
for n in nodes:
    assert n["name"] in names, n["name"]
    assert 0 < n["active_cycles"] <= n["last_cycle"] - n["first_cycle"] + 1e-9, n
    assert n["cycles"] <= n["active_cycles"] + 1e-9, n
    # Its own bound never exceeds its active time (roof ratio <= 1).
    assert 0 <= n["roof_ratio"] <= 1, n
    if n["engine"] == "dma":
        assert n["flops"] == 0, n
    if n["dram_bytes"]:
        assert close(n["intensity"], n["flops"] / n["dram_bytes"]), n
# The roofs are the target's: DRAM bandwidth and the compute peaks.
roofs = {r["name"]: r for r in profile["roofs"]}
assert roofs["DRAM"]["kind"] == "bytes_per_s"
assert close(roofs["DRAM"]["value"], stats["dram_bytes_per_s"])
if len(sys.argv) > 4:
    events = json.load(open(sys.argv[4]))["traceEvents"]
    traced = {e["args"]["node"] for e in events if "node" in e.get("args", {})}
    assert traced == {n["name"] for n in nodes}, (traced, [n["name"] for n in nodes])
print("profile ok: %d nodes" % len(nodes))
