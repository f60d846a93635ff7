#!/usr/bin/env bash
# The sanitizer half of CI: builds Tessera with clang-22 under AddressSanitizer
# + UndefinedBehaviorSanitizer (the build also carries the libFuzzer targets),
# then runs the unit tests, the lit tests, a slice of the conformance suite
# and the malformed-input corpus in that build, and every fuzz target for
# FUZZ_SECONDS (60) over its corpus.
#
#   scripts/sanitize.sh        (environment: FUZZ_BUILD_DIR, FUZZ_SECONDS, JOBS)
#
# Suppressions and options (docs/reliability.md says why):
#   ASAN_OPTIONS=allow_user_poisoning=0  libMLIR.so is not instrumented: LLVM's
#     inline BumpPtrAllocator, compiled with ASan in our code, poisons slab
#     tails the library then allocates from (a false use-after-poison).
# Nothing else is suppressed: leaks and every UBSan check are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_BUILD_DIR="${FUZZ_BUILD_DIR:-build-fuzz}"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
JOBS="${JOBS:-$(nproc)}"
export ASAN_OPTIONS="allow_user_poisoning=0:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

if ! command -v clang++-22 >/dev/null || [ ! -d /usr/lib/llvm-22/lib/clang/22/lib/linux ] ||
   ! ls /usr/lib/llvm-22/lib/clang/22/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang-22 libclang-rt-22-dev
fi

export CCACHE_BASEDIR="$PWD"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
if [ ! -f "$FUZZ_BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$FUZZ_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG" \
    "-DCMAKE_C_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG" \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 -DTESSERA_FUZZ=ON
fi
echo "== sanitizer build ($FUZZ_BUILD_DIR)"
ninja -C "$FUZZ_BUILD_DIR" -j "$JOBS"

echo "== unit tests (ASan + UBSan)"
"$FUZZ_BUILD_DIR/bin/tessera-unittests" --gtest_brief=1
echo "== lit tests (ASan + UBSan)"
/usr/lib/llvm-22/bin/lit -s "$FUZZ_BUILD_DIR/test"
echo "== malformed-input corpus (ASan + UBSan)"
/usr/bin/python3 test/malformed/run_corpus.py "$FUZZ_BUILD_DIR/bin" test/malformed "$FUZZ_BUILD_DIR/test/malformed-work"
echo "== conformance slice (ASan + UBSan)"
# Data movement, indexing, norms and reductions: the readers of shapes and
# indices. Filtered runs check only the listed tests they include.
SLICE='^test_(gather|scatter|slice|expand|tile|pad|layer_norm|reduce_sum|concat|split|transpose|reshape|squeeze|unsqueeze|where|cast)'
for path in golden dc; do
  "$FUZZ_BUILD_DIR/bin/tessera-conformance" --path=$path --filter="$SLICE" \
    --xfail test/conformance/$path-xfail.txt
done
echo "== fuzzers (${FUZZ_SECONDS}s each)"
FUZZ_BUILD_DIR="$FUZZ_BUILD_DIR" scripts/fuzz.sh all "$FUZZ_SECONDS"
