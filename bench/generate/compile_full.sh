#!/usr/bin/env bash
# Benchmark: the whole DeepSeek-V2-Lite (27 layers, 64 experts, 15.7B
# parameters) compiled into its generation programs for `dc` at bf16 from a
# weight-layout manifest of the published config (no weights needed: the
# programs are complete, weights.bin is laid out in weights.layout.json and
# not written; docs/generation.md). One compile per prefill length SEQ
# (cache capacity 4096); reports wall time, peak RSS, program sizes and the
# laid-out weight bytes beside the issue's bounds (60 s, 4 GB), in one run.
# Usage: bench/generate/compile_full.sh [BUILD_DIR] [OUT_DIR] [SEQ ...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
OUT="${2:-$ROOT/bench/out/generate-full}"
shift $(( $# < 2 ? $# : 2 ))
SEQS=("${@:-16 256 1024}")
read -r -a SEQS <<< "${SEQS[*]}"
CONFIG="$ROOT/test/huggingface/Inputs/deepseek-v2-lite"
mkdir -p "$OUT"
/usr/bin/python3 "$ROOT/test/huggingface/tiny_hf_models.py" manifest \
  "$CONFIG/config.json" "$OUT/deepseek-v2-lite.manifest.json"
for seq in "${SEQS[@]}"; do
  rm -rf "$OUT/seq$seq"
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" \
    "$BUILD/bin/tessera-compile" "$CONFIG" --manifest="$OUT/deepseek-v2-lite.manifest.json" \
    -o "$OUT/seq$seq/" --target=dc --precision=bf16 --seq="$seq" --cache-capacity=4096
  read -r secs kib < "$OUT/time.txt"
  layout=$(/usr/bin/python3 -c "import json,sys; l=json.load(open(sys.argv[1])); print(l['size'], len(l['constants']))" \
    "$OUT/seq$seq/weights.layout.json")
  read -r wbytes wcount <<< "$layout"
  awk -v s="$seq" -v t="$secs" -v k="$kib" -v p="$(stat -c %s "$OUT/seq$seq/prefill.npu")" \
      -v d="$(stat -c %s "$OUT/seq$seq/decode.npu")" -v w="$wbytes" -v c="$wcount" 'BEGIN {
    gb = k * 1024 / 1e9
    printf "seq %5d  compile %6.2f s (%s 60 s)  peak RSS %5.2f GB (%s 4 GB)  prefill.npu %6.1f MB  decode.npu %6.1f MB  weights laid out %5.2f GB in %d constants\n",
      s, t, t <= 60 ? "<=" : "> ", gb, gb <= 4 ? "<=" : "> ", p / 1e6, d / 1e6, w / 1e9, c }'
done
