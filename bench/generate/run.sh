#!/usr/bin/env bash
# Benchmark: the generation programs of a published model at its real layer
# shapes, bf16 (docs/generation.md). make_model.py writes the published
# config cut to LAYERS layers with seeded bf16 weights:
#   MODEL=v2lite (default)  DeepSeek-V2-Lite: layer 0 dense, the rest MoE (64
#                           experts, top-6); MLA with the 512-d latent;
#                           vocabulary 102400; 27 layers in full
#   MODEL=qwen1.5b          DeepSeek-R1-Distill-Qwen-1.5B (Qwen2): hidden
#                           1536, GQA 12 / 2 heads of 128, MLP 8960, q/k/v
#                           bias, vocabulary 151936; 28 layers in full
# tessera-compile writes the prefill and decode programs for TARGET (dc by
# default, or edge; --seq 16, cache capacity 4096); the simulator then
#   1. generates 4 tokens from a 5-token prompt (--stats: per-token latency),
#   2. runs one decode step at context 4096 (position 4095, caches filled
#      with seeded values) and prints its profile per block of the model,
# and report.py sets each step beside its sparse bound: the bytes any
# schedule must read (every weight but the routed experts', the selected
# experts' weights, one embedding row, the filled part of each cache) at the
# target's nominal DRAM bandwidth (dc 1.6 TB/s, edge 64 GB/s; the presets'
# 85 % efficiency puts the floor at 1.18x), per decoder layer and lm_head,
# derives the whole model's tokens/s (each layer of the full model as the
# simulated layer in the same place: first, first MoE, between neighbours,
# last; LAYERS=4 gives each place a layer of its own), and checks the
# simulator's constant footprint (the weight bytes the context-4096 step
# read) against the dense weights plus the selected experts. Reports compile time and peak RSS, in one run.
# With PREFILL=T (e.g. 1024) the programs are compiled with --seq T and
# instead of 1. and 2. the prefill program runs once on T seeded tokens
# (empty caches); its bound is max(FLOPs at the target's peak bf16 matrix
# throughput, bytes at its DRAM bandwidth), also per layer.
# Results go to OUT_DIR/MODEL-LAYERSl-TARGET[-prefillT]/ (programs/, the
# stats, profiles and report.txt); the model to OUT_DIR/MODEL-LAYERSl/.
# COMPILE_FLAGS adds tessera-compile flags (e.g. --no-l2-discard, to
# measure against a feature turned off); RUN_FLAGS adds tessera-run flags
# to the simulated runs (e.g. --max-work=2000000000000: a 4-layer prefill
# of 1024 tokens moves more than the default budget's elements).
# Usage: [MODEL=v2lite|qwen1.5b] [TARGET=dc|edge] [PREFILL=T] \
#          [COMPILE_FLAGS=...] [RUN_FLAGS=...] \
#          bench/generate/run.sh [BUILD_DIR] [OUT_DIR] [LAYERS]
set -euo pipefail
COMPILE_FLAGS="${COMPILE_FLAGS:-}"
RUN_FLAGS="${RUN_FLAGS:-}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
OUT="${2:-$ROOT/bench/out/generate}"
LAYERS="${3:-2}"
MODEL="${MODEL:-v2lite}"
TARGET="${TARGET:-dc}"
PREFILL="${PREFILL:-0}"
case "$MODEL" in
  v2lite) FULL=27 ;;
  qwen1.5b) FULL=28 ;;
  *) echo "run.sh: MODEL is v2lite or qwen1.5b, not '$MODEL'" >&2; exit 2 ;;
esac
PY=/usr/bin/python3
mkdir -p "$OUT"
MDIR="$OUT/$MODEL-${LAYERS}l"
RES="$OUT/$MODEL-${LAYERS}l-$TARGET"
SEQ=16
if [ "$PREFILL" -gt 0 ]; then RES="$RES-prefill$PREFILL"; SEQ="$PREFILL"; fi
mkdir -p "$RES"
[ -f "$MDIR/model.safetensors" ] || "$PY" "$ROOT/bench/generate/make_model.py" "$MDIR" "$LAYERS" "$MODEL"

rm -rf "$RES/programs"
/usr/bin/time -f "%e %M" -o "$RES/compile.time" \
  "$BUILD/bin/tessera-compile" "$MDIR" -o "$RES/programs/" --target="$TARGET" \
  --precision=bf16 --seq="$SEQ" --cache-capacity=4096 $COMPILE_FLAGS
read -r secs kib < "$RES/compile.time"
printf "%s, %d layers, %s: compile (prefill + decode, --seq %d)  %6.2f s, peak RSS %6.0f MiB; prefill.npu %s B, decode.npu %s B, weights.bin %s B\n" \
  "$MODEL" "$LAYERS" "$TARGET" "$SEQ" "$secs" "$(echo "$kib / 1024" | bc -l)" "$(stat -c %s "$RES/programs/prefill.npu")" \
  "$(stat -c %s "$RES/programs/decode.npu")" "$(stat -c %s "$RES/programs/weights.bin")"

# Seeded values for every input of PROGRAM but NAMES (its isa.io lines give
# the names and shapes: the caches are past.L.latent_rope for V2-Lite,
# past.L.key and past.L.value for Qwen2), printed as --input arguments.
inputs() {  # PROGRAM SCALE(0: zeros) NAMES...
  local prog="$1" scale="$2"; shift 2
  "$BUILD/bin/tessera-objdump" "$prog" | grep 'isa.io input' > "$RES/io.txt"
  "$PY" - "$RES" "$scale" "$@" <<'PYEOF'
import numpy as np, re, sys
res, scale, skip = sys.argv[1], float(sys.argv[2]), set(sys.argv[3:])
rng = np.random.default_rng(1)
for line in open(res + "/io.txt"):
    m = re.search(r'isa.io input "([^"]+)" : tensor<([0-9x]+)x(\w+)>', line)
    name, shape = m.group(1), [int(d) for d in m.group(2).split("x")]
    if name in skip:
        continue
    a = rng.standard_normal(shape, dtype=np.float32) * scale if scale else np.zeros(shape, np.float32)
    np.save("%s/%s.npy" % (res, name), a)
    print("--input %s=%s/%s.npy" % (name, res, name))
PYEOF
}

if [ "$PREFILL" -eq 0 ]; then
  "$BUILD/bin/tessera-run" "$RES/programs/" --generate --prompt-ids 1,5,9,100,2000 \
    --max-new-tokens 4 --stats > "$RES/generate.txt"
  sed 's/^/    /' "$RES/generate.txt"

  "$PY" -c "import numpy as np; np.save('$RES/ids.npy', np.array([[5]], np.int32)); np.save('$RES/pos.npy', np.array([4095], np.int32))"
  read -r -a caches <<< "$(inputs "$RES/programs/decode.npu" 0.5 input_ids position | tr '\n' ' ')"
  "$BUILD/bin/tessera-run" "$RES/programs/decode.npu" --input "input_ids=$RES/ids.npy" \
    --input "position=$RES/pos.npy" "${caches[@]}" --stats-json "$RES/decode4096.json" \
    --profile-json "$RES/decode4096.profile.json" \
    --output-dir "$RES/decode4096" --profile $RUN_FLAGS > "$RES/profile4096.txt"
  echo "decode at context 4096, per block (tessera-run --profile, the 12 largest rows):"
  sed -n '2,14p' "$RES/profile4096.txt" | sed 's/^/    /'
else
  "$PY" -c "
import numpy as np
np.save('$RES/ids.npy', np.random.default_rng(3).integers(0, $(grep -o '"vocab_size": *[0-9]*' "$MDIR/config.json" | grep -o '[0-9]*$'), (1, $PREFILL)).astype(np.int32))
np.save('$RES/length.npy', np.array([$PREFILL], np.int32))"
  read -r -a caches <<< "$(inputs "$RES/programs/prefill.npu" 0 input_ids length | tr '\n' ' ')"
  /usr/bin/time -f "%e %M" -o "$RES/prefill.time" \
    "$BUILD/bin/tessera-run" "$RES/programs/prefill.npu" --input "input_ids=$RES/ids.npy" \
    --input "length=$RES/length.npy" "${caches[@]}" --stats-json "$RES/prefill$PREFILL.json" \
    --profile-json "$RES/prefill$PREFILL.profile.json" \
    --output-dir "$RES/prefill$PREFILL" --profile $RUN_FLAGS > "$RES/profile$PREFILL.txt"
  read -r secs kib < "$RES/prefill.time"
  printf "prefill of %d tokens: simulated in %.1f s (peak RSS %.0f MiB); per block (the 12 largest rows):\n" \
    "$PREFILL" "$secs" "$(echo "$kib / 1024" | bc -l)"
  sed -n '2,14p' "$RES/profile$PREFILL.txt" | sed 's/^/    /'
fi

"$PY" "$ROOT/bench/generate/report.py" "$MDIR" "$RES" "$LAYERS" "$FULL" "$PREFILL" | tee "$RES/report.txt"
