#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-22, ASan + UBSan) and runs them.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     (default: all, 60 s each)
#
# TARGET is one of: onnx tensorproto npy target program sim hf. Each runs for
# SECONDS over its corpus in $FUZZ_BUILD_DIR/corpus/TARGET (new inputs
# accumulate there across runs), seeded from the test inputs, with a
# dictionary where one helps. Crashes, leaks and time-outs are written to
# $FUZZ_BUILD_DIR/artifacts/TARGET/ and make the script exit 1. The last line
# per target gives executions and covered edges. Environment: FUZZ_BUILD_DIR
# (build-fuzz), BUILD_DIR (build: its tools make the .npu seeds), JOBS.
# docs/reliability.md explains the targets and the sanitizer options.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC="$PWD"
ALL=(target npy tensorproto program sim onnx hf)
WHICH="${1:-all}"
SECONDS_EACH="${2:-60}"
FUZZ_BUILD_DIR="${FUZZ_BUILD_DIR:-build-fuzz}"
BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-$(nproc)}"
if [ "$WHICH" = all ]; then TARGETS=("${ALL[@]}"); else TARGETS=("$WHICH"); fi
for t in "${TARGETS[@]}"; do
  case " ${ALL[*]} " in *" $t "*) ;; *) echo "unknown fuzz target '$t' (one of: ${ALL[*]})" >&2; exit 2 ;; esac
done

# libMLIR.so is not instrumented: LLVM's inline BumpPtrAllocator, compiled
# with ASan in our code, poisons slab tails that the library then allocates
# from (a false use-after-poison). Leak checking stays on.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allow_user_poisoning=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

if [ ! -f "$FUZZ_BUILD_DIR/build.ninja" ]; then
  command -v clang++-22 >/dev/null || {
    echo "clang-22 is missing: apt-get install -y clang-22 libclang-rt-22-dev" >&2; exit 2; }
  CCACHE_BASEDIR="$SRC" cmake -G Ninja -S . -B "$FUZZ_BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG" \
    "-DCMAKE_C_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG" \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 -DTESSERA_FUZZ=ON >/dev/null
fi
CCACHE_BASEDIR="$SRC" ninja -C "$FUZZ_BUILD_DIR" -j "$JOBS" \
  $(for t in "${TARGETS[@]}"; do echo "tessera-fuzz-$t"; done)

NODE_TESTS=/usr/include/onnx/backend/test/data/node
seed() { # seed DIR FILES...: copy readable files into DIR
  local dir="$1"; shift
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp -f "$f" "$dir/$(echo "$f" | tr '/' '_')"; done
  return 0
}
make_seeds() {
  local t="$1" dir="$FUZZ_BUILD_DIR/seeds/$1"
  rm -rf "$dir"; mkdir -p "$dir"
  case "$t" in
    onnx)
      seed "$dir" examples/*/model.onnx test/malformed/onnx/*.onnx test/malformed/valid/*.onnx
      # A sample of ONNX's node tests: one model per op family.
      [ -d "$NODE_TESTS" ] && seed "$dir" $(ls -d "$NODE_TESTS"/test_* | awk 'NR % 4 == 1' | sed 's|$|/model.onnx|') ;;
    tensorproto)
      seed "$dir" test/malformed/pb/*.pb
      [ -d "$NODE_TESTS" ] && seed "$dir" $(ls -d "$NODE_TESTS"/test_* | awk 'NR % 4 == 1' | sed 's|$|/test_data_set_0/input_0.pb|') ;;
    npy)
      seed "$dir" examples/*/*.npy test/malformed/npy/*.npy test/malformed/valid/*.npy ;;
    target)
      seed "$dir" lib/Target/presets/*.json test/malformed/target/*.json ;;
    hf)
      # Tiny model directories (valid and broken), the real configs with a
      # manifest, the malformed corpus's model directories.
      /usr/bin/python3 fuzz/hf_seeds.py "$dir" >/dev/null ;;
    program|sim)
      seed "$dir" test/malformed/npu/*.npu
      # Programs assembled from the lit tests' isa assembly, when the main
      # build's tessera-as is there.
      if [ -x "$BUILD_DIR/bin/tessera-as" ]; then
        for m in test/Sim/*.mlir test/e2e/Inputs/kernels.mlir; do
          "$BUILD_DIR/bin/tessera-as" "$m" -o "$dir/$(basename "$m" .mlir).npu" 2>/dev/null || true
        done
      fi ;;
  esac
}

status=0
summary=()
for t in "${TARGETS[@]}"; do
  make_seeds "$t"
  corpus="$FUZZ_BUILD_DIR/corpus/$t"
  artifacts="$FUZZ_BUILD_DIR/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  args=(-max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=4096
        -max_len=1048576 -print_final_stats=1 -artifact_prefix="$artifacts/")
  case "$t" in
    target) args+=(-dict=fuzz/dict/target.dict -max_len=65536) ;;
    npy) args+=(-dict=fuzz/dict/npy.dict -max_len=65536) ;;
    onnx) args+=(-dict=fuzz/dict/onnx.dict) ;;
    # The tiny DeepSeek-V3 seed's safetensors file is 1.4 MB.
    hf) args+=(-dict=fuzz/dict/hf.dict -max_len=2097152) ;;
  esac
  log="$FUZZ_BUILD_DIR/fuzz-$t.log"
  echo "== fuzz $t for ${SECONDS_EACH}s (log: $log)"
  if ! "$FUZZ_BUILD_DIR/fuzz/tessera-fuzz-$t" "${args[@]}" "$corpus" \
      "$FUZZ_BUILD_DIR/seeds/$t" >"$log" 2>&1; then
    status=1
    echo "!! tessera-fuzz-$t found a problem:"; grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -20
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  edges=$(grep -oE '(cov|ft): [0-9]+' "$log" | grep '^cov' | tail -1 | grep -o '[0-9]*$')
  summary+=("$t: ${execs:-?} execs, ${edges:-?} edges, corpus $(ls "$corpus" | wc -l) inputs")
done
echo "== fuzzing summary (${SECONDS_EACH}s each)"
printf '  %s\n' "${summary[@]}"
exit $status
