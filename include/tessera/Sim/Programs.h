//===- Programs.h - Builders of hand-tiled NPU programs ---------*- C++ -*-===//
//
// Hand-written programs built through the C++ API: the calibration GEMM and
// the streaming copy used by the simulator's tests and benchmarks, and a
// reference for how the compiler is expected to emit double-buffered code.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SIM_PROGRAMS_H
#define TESSERA_SIM_PROGRAMS_H

#include "tessera/Binary/Program.h"

namespace tessera::sim {

/// C[M,N] = A[M,K] * B[K,N], bf16 in GM (row-major), f32 accumulation.
/// Each core computes tileM x tileN output tiles: MTE2 brings K-chunks of A
/// and B into L1 (double-buffered, converted to NZ), MTE1 moves stepK slices
/// into L0A/L0B (double-buffered), M accumulates in L0C, FIX writes bf16.
struct GemmConfig {
  int64_t m = 2048, n = 2048, k = 2048;
  int64_t tileM = 128, tileN = 256, chunkK = 256, stepK = 64;
  uint32_t cores = 0;      // 0: every core that has a matrix engine
  bool balanceTail = true; // split the last round's tiles along N
  bool rotateK = true;     // start each core's K loop at a different chunk
  bool splitL0C = true;    // two column halves in L0C: FIX overlaps M
  int64_t groupN = 0;      // tile columns per visiting group (0: all)
  DType dtype = DType::BF16;
};
bool buildGemmProgram(const target::TargetDesc &t, const GemmConfig &cfg,
                      bin::Program &out, std::string &error);

/// Copies `bytes` from input "x" to output "y" through local memory in
/// `chunk`-byte pieces, double-buffered (load i+1 overlaps store i).
struct CopyConfig {
  uint64_t bytes = 64ull << 20;
  uint64_t chunk = 1ull << 20;
};
bool buildStreamCopyProgram(const target::TargetDesc &t, const CopyConfig &cfg,
                            bin::Program &out, std::string &error);

/// Makes an instruction (pipe derived from the opcode and fields).
using bin::makeInstr;

} // namespace tessera::sim

#endif
