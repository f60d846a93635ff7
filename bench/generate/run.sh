#!/usr/bin/env bash
# Benchmark: the generation programs of DeepSeek-V2-Lite at its real layer
# shapes on `dc`, bf16 (docs/generation.md). make_model.py writes the
# published config cut to LAYERS layers (layer 0 dense, the rest MoE; 64
# experts, top-6; MLA with the 512-d latent; vocabulary 102400) with seeded
# bf16 weights; tessera-compile writes the prefill and decode programs
# (--seq 16, cache capacity 4096); the simulator then
#   1. generates 4 tokens from a 5-token prompt (--stats: per-token latency),
#   2. runs one decode step at context 4096 (position 4095, caches filled
#      with seeded values) and prints its profile per block of the model,
# and the script sets each step beside its sparse bound: the bytes any
# schedule must read (every weight but the routed experts', the 6 selected
# experts' weights, the filled part of each cache) at the nominal DRAM
# bandwidth (1.6 TB/s; the preset's 85 % efficiency puts the floor at
# 1.18x), and checks the simulator's constant footprint (the weight bytes
# the context-4096 step read) against the dense weights plus the selected
# experts. Reports compile time and peak RSS, in one run.
# Usage: bench/generate/run.sh [BUILD_DIR] [OUT_DIR] [LAYERS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
OUT="${2:-$ROOT/bench/out/generate}"
LAYERS="${3:-2}"
PY=/usr/bin/python3
mkdir -p "$OUT"
MODEL="$OUT/v2lite-${LAYERS}l"
[ -f "$MODEL/model.safetensors" ] || "$PY" "$ROOT/bench/generate/make_model.py" "$MODEL" "$LAYERS"

rm -rf "$OUT/programs"
/usr/bin/time -f "%e %M" -o "$OUT/compile.time" \
  "$BUILD/bin/tessera-compile" "$MODEL" -o "$OUT/programs/" --target=dc \
  --precision=bf16 --seq=16 --cache-capacity=4096
read -r secs kib < "$OUT/compile.time"
printf "compile (prefill + decode)  %6.2f s, peak RSS %6.0f MiB; prefill.npu %s B, decode.npu %s B, weights.bin %s B\n" \
  "$secs" "$(echo "$kib / 1024" | bc -l)" "$(stat -c %s "$OUT/programs/prefill.npu")" \
  "$(stat -c %s "$OUT/programs/decode.npu")" "$(stat -c %s "$OUT/programs/weights.bin")"

"$BUILD/bin/tessera-run" "$OUT/programs/" --generate --prompt-ids 1,5,9,100,2000 \
  --max-new-tokens 4 --stats > "$OUT/generate.txt"
sed 's/^/    /' "$OUT/generate.txt"

"$PY" - "$OUT" "$LAYERS" <<'PYEOF'
import numpy as np, sys
out, layers = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
for l in range(layers):
    np.save("%s/past%d.npy" % (out, l), rng.standard_normal((1, 4096, 576), dtype=np.float32) * 0.5)
np.save(out + "/ids.npy", np.array([[5]], dtype=np.int32))
np.save(out + "/pos.npy", np.array([4095], dtype=np.int32))
PYEOF
caches=()
for ((l = 0; l < LAYERS; ++l)); do caches+=(--input "past.$l.latent_rope=$OUT/past$l.npy"); done
"$BUILD/bin/tessera-run" "$OUT/programs/decode.npu" --input "input_ids=$OUT/ids.npy" \
  --input "position=$OUT/pos.npy" "${caches[@]}" --stats-json "$OUT/decode4096.json" \
  --output-dir "$OUT/decode4096" --profile > "$OUT/profile4096.txt"
echo "decode at context 4096, per block (tessera-run --profile, the 12 largest rows):"
sed -n '2,14p' "$OUT/profile4096.txt" | sed 's/^/    /'

"$PY" - "$MODEL" "$OUT" "$LAYERS" <<'PYEOF'
import json, re, struct, sys
model, out, layers = sys.argv[1], sys.argv[2], int(sys.argv[3])
cfg = json.load(open(model + "/config.json"))
with open(model + "/model.safetensors", "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
experts = sum(v["data_offsets"][1] - v["data_offsets"][0]
              for k, v in header.items() if ".mlp.experts." in k)
dense = sum(v["data_offsets"][1] - v["data_offsets"][0]
            for k, v in header.items() if ".mlp.experts." not in k)
embed = header["model.embed_tokens.weight"]["data_offsets"]
dense -= embed[1] - embed[0]  # one row is gathered, not the table
dense += 2 * cfg["hidden_size"]
selected = experts * cfg["num_experts_per_tok"] / cfg["n_routed_experts"]
entry = 2 * (cfg["kv_lora_rank"] + cfg["qk_rope_head_dim"])  # bf16 latent + rope key
peak = 1.6e12

def report(what, sim_us, dram, filled):
    need = dense + selected + filled * entry * layers
    bound = need / peak * 1e6
    print("%-28s %8.1f us   sparse bound %7.1f us (%6.1f MB)   ratio %.3f   DRAM read %6.1f MB (%.3fx the bound's bytes)"
          % (what, sim_us, bound, need / 1e6, sim_us / bound, dram / 1e6, dram / need))

text = open(out + "/generate.txt").read()
for m in re.finditer(r"decode token (\d+) +([0-9.]+) us.*DRAM (\d+) B", text):
    report("decode, context %d" % (5 + int(m.group(1))), float(m.group(2)), int(m.group(3)), 5 + int(m.group(1)))
s = json.load(open(out + "/decode4096.json"))
report("decode, context 4096", s["seconds"] * 1e6, s["dram_read_bytes"], 4096)
weights = dense + selected
print("weights read at context 4096 (the simulator's constant footprint) %.1f MB = %.4fx the dense weights + %d selected experts (%.1f MB)"
      % (s["constant_bytes_read"] / 1e6, s["constant_bytes_read"] / weights, cfg["num_experts_per_tok"], weights / 1e6))
PYEOF
