#!/usr/bin/env bash
# Benchmark: importing (and evaluating) a >= 1 GiB model with external data.
# Reports wall time, peak RSS and the ratio peak RSS / weight-file size, in
# one run. Usage: bench/import/run.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
OUT="${2:-$ROOT/bench/out/import}"
mkdir -p "$OUT"
if [ ! -f "$OUT/large.onnx" ]; then
  /usr/bin/python3 "$ROOT/bench/import/make_large_model.py" "$OUT"
fi
WEIGHTS=$(stat -c %s "$OUT/large.weights")

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > /dev/null
  read -r secs kib < "$OUT/time.txt"
  awk -v l="$label" -v s="$secs" -v k="$kib" -v w="$WEIGHTS" 'BEGIN {
    printf "%-34s time %6.2f s   peak RSS %7.1f MiB   RSS/weights %.3f\n",
           l, s, k / 1024, k * 1024 / w }'
}

echo "weights: $WEIGHTS bytes ($(awk -v w="$WEIGHTS" 'BEGIN{printf "%.2f", w/2^30}') GiB) in $OUT/large.weights"
measure "import (tessera-compile --emit=graph)" \
  "$BUILD/bin/tessera-compile" "$OUT/large.onnx" --emit=graph \
  --no-weights -o /dev/null
measure "import + golden evaluation" \
  "$BUILD/bin/tessera-run" "$OUT/large.onnx" --input "x=$OUT/x.npy" \
  --output-dir "$OUT/run" --quiet
