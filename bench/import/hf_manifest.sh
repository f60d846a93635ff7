#!/usr/bin/env bash
# Benchmark: compile-without-weights of the full DeepSeek-V2-Lite (27 layers,
# 64 experts) and DeepSeek-V3 (61 layers, 256 experts) graphs from their
# published configs and a weight-layout manifest: import, verify, fold and
# print the cost summary. Reports wall time and peak RSS (the issue's bound:
# 10 s and 1 GiB each), in one run.
# Usage: bench/import/hf_manifest.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
OUT="${2:-$ROOT/bench/out/hf}"
mkdir -p "$OUT"
for model in deepseek-v2-lite deepseek-v3; do
  config="$ROOT/test/huggingface/Inputs/$model"
  /usr/bin/python3 "$ROOT/test/huggingface/tiny_hf_models.py" manifest \
    "$config/config.json" "$OUT/$model.manifest.json"
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" \
    "$BUILD/bin/tessera-compile" "$config" --manifest="$OUT/$model.manifest.json" \
    --cost-summary --emit=graph -o /dev/null > "$OUT/$model.summary.txt"
  read -r secs kib < "$OUT/time.txt"
  awk -v l="$model" -v s="$secs" -v k="$kib" 'BEGIN {
    printf "%-18s time %6.2f s   peak RSS %7.1f MiB\n", l, s, k / 1024 }'
  sed 's/^/    /' "$OUT/$model.summary.txt"
done
