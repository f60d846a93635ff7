//===- MatrixWorker.h - The matrix engine on a host thread -----*- C++ -*-===//
//-*-===//
//
// An mmad's arithmetic is the largest part of a functional run's host time
// (a DeepSeek-V2-Lite layer at sequence 128: 21 GFLOP in 22K mmads, a third
// of the run), and nothing else the engine does needs an mmad's result until
// an instruction of the same core reads the L0C tile it writes or
// overwrites an operand it reads. The worker runs the mmads on a host
// thread of its own, in the order they were issued, while the engine
// interprets everything else; the engine waits for a core's queued mmads
// only before one of that core's instructions meets their bytes. Each mmad
// computes what it computed on the engine's thread, and the mmads of one
// core run in the order they were issued: the results are the same bits.
//
// The engine's thread is the only one that submits and waits; the worker
// only runs jobs. Local memories are per core, so an mmad's bytes can only
// meet the instructions of its own core.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_SIM_MATRIXWORKER_H
#define TESSERA_LIB_SIM_MATRIXWORKER_H

#include "tessera/Binary/Program.h"
#include "tessera/Target/Target.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tessera::sim {

class MatrixWorker {
public:
  MatrixWorker(const target::TargetDesc &t, const bin::Program &prog);
  /// Finishes the mmads already queued, then stops the thread.
  ~MatrixWorker();
  MatrixWorker(const MatrixWorker &) = delete;
  MatrixWorker &operator=(const MatrixWorker &) = delete;

  /// Queues `in`, instruction `idx` of `stream` (an mmad, registers
  /// resolved), on the memories at `bases`.
  void submit(uint32_t stream, uint32_t idx, const bin::Instr &in,
              uint8_t *const bases[target::kNumSpaces]);
  /// Returns once every queued mmad of `stream` whose local-memory bytes
  /// meet a tile of `in` (another instruction of the stream) has run.
  void waitForConflicts(uint32_t stream, const bin::Instr &in);
  /// Returns once every queued mmad has run: false, with the first failed
  /// one's error, if one failed.
  bool drain(std::string &error);

private:
  struct Job {
    uint64_t ticket; // per stream, from 1
    uint32_t stream, idx;
    bin::Instr in;
    uint8_t *bases[target::kNumSpaces];
  };
  /// Bytes of a local memory a queued mmad reads or writes.
  struct Range {
    uint64_t ticket;
    target::Space space;
    uint64_t lo, hi;
  };

  void loop();
  /// Runs mmads (the worker's or the engine's thread) until `stream` has
  /// run its mmads up to `ticket`, or, for `stream` = -1, until none is left.
  void help(int64_t stream, uint64_t ticket);
  /// Takes the first queued job whose stream has none running (under `mu`);
  /// with `only` >= 0, only a job of that stream. False if there is none.
  bool take(int64_t only, Job &job);
  /// Runs a taken job and records it done.
  void run(Job &job);
  bool finished(int64_t stream, uint64_t ticket) const;

  const target::TargetDesc &t;
  const bin::Program &prog;
  // The engine's thread only.
  std::vector<std::vector<Range>> pending; // by stream
  std::vector<uint64_t> submitted;         // by stream: the last ticket
  // Shared with the worker.
  std::mutex mu;
  std::condition_variable jobReady, jobDone;
  std::deque<Job> queue;     // guarded by mu; in submission order
  std::vector<char> running; // guarded by mu; by stream
  size_t outstanding = 0;    // guarded by mu: queued or running
  bool sleeping = false;     // guarded by mu: the worker waits on jobReady
  bool stopping = false;     // guarded by mu
  std::string firstError;    // guarded by mu
  /// By stream: its mmads up to this ticket have run (each stream's run in
  /// the order they were submitted).
  std::unique_ptr<std::atomic<uint64_t>[]> done;
  std::atomic<uint64_t> submittedHint{0}; // bumped on every submit
  std::thread thread;
};

} // namespace tessera::sim

#endif // TESSERA_LIB_SIM_MATRIXWORKER_H
