//===- MatrixWorker.cpp - The matrix engine on a host thread --------------===//
#include "MatrixWorker.h"

#include "Execute.h"

#include <algorithm>

namespace tessera::sim {

namespace {
/// Polls before blocking, on either side: the engine submits an mmad every
/// few microseconds while a matrix kernel runs and an mmad takes about as
/// long, while putting a thread to sleep and waking it costs more than that.
constexpr int kSpins = 2000;

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}
} // namespace

MatrixWorker::MatrixWorker(const target::TargetDesc &t,
                           const bin::Program &prog)
    : t(t), prog(prog), pending(prog.streams.size()),
      submitted(prog.streams.size(), 0), running(prog.streams.size(), 0),
      done(new std::atomic<uint64_t>[prog.streams.size()]()),
      thread([this] { loop(); }) {}

MatrixWorker::~MatrixWorker() {
  {
    std::lock_guard<std::mutex> g(mu);
    stopping = true;
  }
  jobReady.notify_all();
  thread.join();
}

void MatrixWorker::submit(uint32_t stream, uint32_t idx, const bin::Instr &in,
                          uint8_t *const bases[target::kNumSpaces]) {
  uint64_t ticket = ++submitted[stream];
  {
    std::lock_guard<std::mutex> g(mu);
    Job &job = queue.emplace_back();
    job.ticket = ticket;
    job.stream = stream;
    job.idx = idx;
    job.in = in;
    std::copy(bases, bases + target::kNumSpaces, job.bases);
    ++outstanding;
    if (sleeping)
      jobReady.notify_one();
  }
  submittedHint.fetch_add(1, std::memory_order_relaxed);
  const bin::OpInfo &inf = in.info();
  for (unsigned k = 0; k < inf.numTiles; ++k) {
    const bin::Tile &tile = in.tiles[k];
    if (!target::isGlobalSpace(tile.space))
      pending[stream].push_back(
          {ticket, tile.space, tile.offset, tile.endByte()});
  }
}

bool MatrixWorker::finished(int64_t stream, uint64_t ticket) const {
  return done[stream].load(std::memory_order_acquire) >= ticket;
}

void MatrixWorker::waitForConflicts(uint32_t stream, const bin::Instr &in) {
  std::vector<Range> &ranges = pending[stream];
  if (ranges.empty())
    return;
  uint64_t doneUpTo = done[stream].load(std::memory_order_acquire);
  ranges.erase(
      std::remove_if(ranges.begin(), ranges.end(),
                     [&](const Range &r) { return r.ticket <= doneUpTo; }),
      ranges.end());
  uint64_t needed = 0;
  const bin::OpInfo &inf = in.info();
  for (unsigned k = 0; k < inf.numTiles; ++k) {
    const bin::Tile &tile = in.tiles[k];
    if (target::isGlobalSpace(tile.space))
      continue;
    uint64_t lo = tile.offset, hi = tile.endByte();
    for (const Range &r : ranges)
      if (r.space == tile.space && lo < r.hi && r.lo < hi)
        needed = std::max(needed, r.ticket);
  }
  if (needed)
    help(stream, needed);
}

bool MatrixWorker::drain(std::string &error) {
  help(-1, 0);
  for (std::vector<Range> &ranges : pending)
    ranges.clear();
  std::lock_guard<std::mutex> g(mu);
  if (firstError.empty())
    return true;
  error = firstError;
  return false;
}

bool MatrixWorker::take(int64_t only, Job &job) {
  for (auto it = queue.begin(); it != queue.end(); ++it) {
    if (only >= 0 && it->stream != (uint64_t)only)
      continue;
    // A stream's first queued job is its earliest; while one of its jobs
    // runs, the rest wait (they may accumulate into the same tile).
    if (running[it->stream]) {
      if (only >= 0)
        return false;
      continue;
    }
    job = std::move(*it);
    queue.erase(it);
    running[job.stream] = 1;
    return true;
  }
  return false;
}

void MatrixWorker::run(Job &job) {
  std::string error;
  bool ok =
      executeFunctional(t, prog, job.stream, job.idx, job.in, job.bases, error);
  bool wakeWorker;
  {
    std::lock_guard<std::mutex> g(mu);
    if (!ok && firstError.empty())
      firstError = prog.describeInstr(t, job.stream, job.idx) + ": " + error;
    running[job.stream] = 0;
    --outstanding;
    done[job.stream].store(job.ticket, std::memory_order_release);
    // The worker may be asleep on a job of this stream.
    wakeWorker = sleeping && !queue.empty();
  }
  jobDone.notify_all();
  if (wakeWorker)
    jobReady.notify_one();
}

void MatrixWorker::help(int64_t stream, uint64_t ticket) {
  // The engine's thread runs the jobs it needs itself when the worker has
  // not got to them (they may be queued behind other cores' mmads) and
  // waits only while the worker runs one of them.
  while (true) {
    Job job;
    bool got;
    size_t left;
    {
      std::lock_guard<std::mutex> g(mu);
      if (stream >= 0 ? finished(stream, ticket) : outstanding == 0)
        return;
      got = take(stream, job);
      left = outstanding;
    }
    if (got) {
      run(job);
      continue;
    }
    auto progressed = [&] {
      return stream >= 0 ? finished(stream, ticket) ||
                               !running[stream] // read under mu only
                         : outstanding != left;
    };
    uint64_t before = stream >= 0 ? done[stream].load() : 0;
    for (int i = 0; i < kSpins && stream >= 0 &&
                    done[stream].load(std::memory_order_acquire) == before;
         ++i)
      relax();
    std::unique_lock<std::mutex> lk(mu);
    jobDone.wait(lk, progressed);
  }
}

void MatrixWorker::loop() {
  Job job;
  bool polled = false;
  std::unique_lock<std::mutex> lk(mu);
  while (true) {
    if (take(-1, job)) {
      lk.unlock();
      run(job);
      lk.lock();
      polled = false;
      continue;
    }
    if (stopping && queue.empty())
      return;
    if (!polled) {
      // Poll a while before sleeping (kSpins), then look again.
      uint64_t seen = submittedHint.load(std::memory_order_relaxed);
      lk.unlock();
      for (int i = 0;
           i < kSpins && submittedHint.load(std::memory_order_relaxed) == seen;
           ++i)
        relax();
      lk.lock();
      polled = true;
      continue;
    }
    sleeping = true;
    jobReady.wait(lk);
    sleeping = false;
    polled = false;
  }
}

} // namespace tessera::sim
