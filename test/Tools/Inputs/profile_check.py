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
# (The cache engine's read-ahead of a node's weights is a row of its own,
# "<node>:l2_prefetch", with its DRAM bytes and no time: it runs on no core,
# so the trace has no events of it either.)
engine = ":l2_prefetch"
for n in nodes:
    assert n["name"].removesuffix(engine) in names, n["name"]
    if n["name"].endswith(engine):
        # Bytes, no time of its own (the run's time stays with the kernels).
        assert n["cycles"] == n["active_cycles"] == n["flops"] == 0 and n["dram_bytes"] > 0, n
        continue
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
# The DRAM timeline: a bucket per ~microsecond of the kernel (and of the
# write-backs its last transfers caused), none above the effective DRAM
# rate, at least the run's DRAM bytes in all (a short burst counts as the
# burst it costs).
tl = profile["dram_timeline"]
assert len(tl["bytes"]) >= -(-profile["kernel_cycles"] // tl["bucket_cycles"]), tl
assert all(0 <= b <= tl["capacity_bytes"] * (1 + 1e-9) for b in tl["bytes"]), tl
assert sum(tl["bytes"]) >= stats["dram_bytes"] * (1 - 1e-9), (sum(tl["bytes"]), stats["dram_bytes"])
if len(sys.argv) > 4:
    events = json.load(open(sys.argv[4]))["traceEvents"]
    traced = {e["args"]["node"] for e in events if "node" in e.get("args", {})}
    rows = {n["name"] for n in nodes if not n["name"].endswith(engine)}
    assert traced == rows, (traced, rows)
print("profile ok: %d nodes" % len(nodes))
