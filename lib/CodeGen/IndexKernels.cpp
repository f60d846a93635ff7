//===- IndexKernels.cpp - Gather (DMA with an index tile) and top-k -------===//
#include "tessera/CodeGen/FirstFitAllocator.h"
#include "tessera/CodeGen/Kernels.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>

namespace tessera::codegen {

using bin::Instr;
using bin::makeInstr;
using bin::Opcode;
using bin::Tile;
using target::Space;

static Tile gm2(const GmView &v, int64_t elemOff, int64_t rows, int64_t cols,
                int64_t rowStride, int64_t colStride) {
  Tile t = bin::makeTile(Space::GM,
                         v.addr + (uint64_t)(elemOff * dtypeByteSize(v.dtype)),
                         v.dtype, {rows, cols});
  t.strides[0] = rowStride;
  t.strides[1] = colStride;
  return t;
}

bool ProgramBuilder::addGather(const GatherKernel &k, std::string &error) {
  Space local;
  int ct = vectorCoreType(local, error);
  if (ct < 0)
    return false;
  if (k.table.shape.size() != 3 || k.out.shape.size() != 3 ||
      k.index.shape.size() != 1 || k.index.dtype != DType::I32) {
    error = "'" + k.name + "': malformed gather kernel";
    return false;
  }
  int64_t outer = k.table.shape[0], rows = k.table.shape[1],
          inner = k.table.shape[2], count = k.index.shape[0];
  int64_t es = dtypeByteSize(k.table.dtype);
  uint64_t half = t_.space(local).bytes / 2, align = t_.space(local).align;
  // The columns of a row that fit beside `chunk` indices.
  auto widthFor = [&](int64_t chunk) -> int64_t {
    uint64_t idxBytes = 4 * llvm::alignTo(chunk * 4, align) + align;
    if (idxBytes >= half)
      return 0;
    return std::min<int64_t>(inner,
                             (int64_t)((half - idxBytes) / (chunk * es)));
  };
  // Many indices per chunk cut wide rows into narrow pieces (1024 indices
  // leave 39 bf16 columns of a 2048-wide row: 78-byte DMA runs, each a few
  // short bursts): fewer indices, until a piece is a whole row or 1 KiB.
  // (DeepSeek-V2-Lite's 6144 routed rows of 2048 gathered in 46.2 us.)
  int64_t minPiece = std::min<int64_t>(inner, std::max<int64_t>(1, 1024 / es));
  int64_t chunk = std::min<int64_t>(count, 1024), cw = widthFor(chunk);
  while ((cw < 1 || cw < minPiece) && chunk > 1) {
    chunk = std::max<int64_t>(1, chunk / 2);
    cw = widthFor(chunk);
  }
  if (cw < 1) {
    error = "'" + k.name + "': a gathered row does not fit local memory";
    return false;
  }
  int64_t idxChunks = (count + chunk - 1) / chunk,
          colChunks = (inner + cw - 1) / cw;
  int64_t tiles = outer * idxChunks * colChunks;
  // A scatter may write one row twice; one core keeps the writes ordered,
  // unless its rows are all different.
  bool ordered = k.scatter && !k.distinctRows;
  int64_t want =
      std::min<int64_t>(t_.coreTypes[ct].count,
                        std::max<int64_t>(1, outer * count * inner / 4096));
  // Rows narrower than a DMA burst cost about a burst each, whatever their
  // bytes: at least 128 rows a core. (DeepSeek-V2-Lite's 1024-token
  // prefill: the 6144 row numbers the MoE's token_of_row scatters, 4 bytes
  // each, took one core 6.2 us, 48 cores 0.8; the MoE layer on dc 961.4 ->
  // 956.8 us, the scatter on its router's critical path.)
  if (!ordered && inner * es < (int64_t)t_.burstBytes)
    want = std::min<int64_t>(t_.coreTypes[ct].count,
                             std::max<int64_t>(want, outer * count / 128));
  // Whole rows in few chunks (a 1024-token prefill's KV-cache write: one
  // chunk per head) leave cores idle: smaller chunks, one per core, of at
  // least 64 rows. (One core wrote Qwen2-1.5B's 2 x 1024 key rows in 9.8
  // us; V2-Lite's 1024 latent rows in 16-row chunks on 48 cores cost its
  // attention 1.6 us more than 64-row chunks on 16.)
  if (!ordered && colChunks == 1)
    while (tiles < want && chunk > 64) {
      chunk = (chunk + 1) / 2;
      idxChunks = (count + chunk - 1) / chunk;
      tiles = outer * idxChunks;
    }
  int64_t cores = ordered ? 1 : std::max<int64_t>(1, std::min(tiles, want));
  std::vector<Region> regions(3);
  k.table.byteRange(regions[0].lo, regions[0].hi);
  k.index.byteRange(regions[1].lo, regions[1].hi);
  k.out.byteRange(regions[2].lo, regions[2].hi);
  regions[0].write = k.scatter;
  regions[1].write = false;
  regions[2].write = !k.scatter;
  if (k.hasBase) {
    Region rb{0, 0, false};
    k.base.byteRange(rb.lo, rb.hi);
    regions.push_back(rb);
  }
  uint32_t start = placeVectorKernel(cores, regions);
  uint32_t vectorCount = t_.coreTypes[ct].count;
  std::vector<CoreRef> refs;
  for (int64_t c = 0; c < cores; ++c)
    refs.push_back({(uint32_t)ct, (uint32_t)((c + start) % vectorCount)});
  beginKernel(refs, regions);
  int64_t wrap = k.wrap ? k.wrap : rows;

  uint64_t idxB = llvm::alignTo(chunk * 4, align);
  // One chunk of indices serves every tile (the heads of a KV-cache write):
  // computed once per core, in the first half, and kept. (Per tile, its
  // chain of three dependent loads cost Qwen2-1.5B's decode 1.5 us per
  // head and cache.)
  bool sharedIdx = idxChunks == 1;
  for (int64_t c = 0; c < cores; ++c) {
    int64_t first = tiles * c / cores, last = tiles * (c + 1) / cores;
    auto E = [&](const Instr &in) {
      emit(ct, (uint32_t)((c + start) % vectorCount), in, k.name);
    };
    for (int64_t ti = first; ti < last; ++ti) {
      uint64_t base = (uint64_t)((ti - first) % 2) * half;
      int64_t o = ti / (idxChunks * colChunks);
      int64_t j0 = (ti / colChunks) % idxChunks * chunk;
      int64_t col0 = ti % colChunks * cw;
      int64_t n = std::min(chunk, count - j0), w = std::min(cw, inner - col0);
      Tile rowsT =
          bin::makeTile(local, base + 4 * idxB + align, k.table.dtype, {n, w});
      Tile table =
          gm2(k.table, o * k.table.strides[0] + col0 * k.table.strides[2], rows,
              w, k.table.strides[1], k.table.strides[2]);
      Tile dst = gm2(k.out,
                     o * k.out.strides[0] + j0 * k.out.strides[1] +
                         col0 * k.out.strides[2],
                     n, w, k.out.strides[1], k.out.strides[2]);
      // A scatter's rows load first: their latency overlaps the index's.
      if (k.scatter)
        E(makeInstr(Opcode::DmaLd, {rowsT, dst}));
      uint64_t idxAt = sharedIdx ? 0 : base;
      Tile idx = bin::makeTile(local, idxAt, DType::I32, {n});
      if (!sharedIdx || ti == first) {
        Tile zero = bin::makeTile(local, idxAt + idxB, DType::I32, {1});
        Tile mask = bin::makeTile(local, idxAt + idxB + align, DType::U8, {n});
        Tile wrapped =
            bin::makeTile(local, idxAt + 2 * idxB + align, DType::I32, {n});
        Tile baseT =
            bin::makeTile(local, idxAt + 3 * idxB + align, DType::I32, {n});
        Tile idxSrc = bin::makeTile(
            Space::GM, k.index.addr + (uint64_t)(j0 * k.index.strides[0] * 4),
            DType::I32, {n});
        idxSrc.strides[0] = k.index.strides[0];
        E(makeInstr(Opcode::DmaLd, {idx, idxSrc}));
        if (k.hasBase) {
          Tile baseSrc = bin::makeTile(
              Space::GM, k.base.addr + (uint64_t)(j0 * k.base.strides[0] * 4),
              DType::I32, {n});
          baseSrc.strides[0] = k.base.strides[0];
          E(makeInstr(Opcode::DmaLd, {baseT, baseSrc}));
        }
        // Negative indices count from the end: idx < 0 ? idx + rows : idx.
        E(makeInstr(Opcode::VDup, {zero}, {}, 0.0f));
        E(makeInstr(Opcode::VCmp, {mask, idx, zero},
                    {(int64_t)bin::CmpKind::LT}));
        E(makeInstr(Opcode::VAddS, {wrapped, idx}, {}, (float)wrap));
        E(makeInstr(Opcode::VSel, {idx, mask, wrapped, idx}));
        if (k.hasBase) {
          if (k.scale != 1)
            E(makeInstr(Opcode::VMulS, {idx, idx}, {}, (float)k.scale));
          E(makeInstr(Opcode::VAdd, {idx, idx, baseT}, {0}));
        }
      }
      if (k.scatter) {
        E(makeInstr(Opcode::DmaScatter, {table, rowsT, idx}));
      } else {
        E(makeInstr(Opcode::DmaGather, {rowsT, table, idx}));
        E(makeInstr(Opcode::DmaSt, {dst, rowsT}));
      }
    }
  }
  return true;
}

bool ProgramBuilder::addTopK(const TopKKernel &k, std::string &error) {
  Space local;
  int ct = vectorCoreType(local, error);
  if (ct < 0)
    return false;
  int64_t rows = k.in.shape[0], cols = k.in.shape[1], kk = k.k;
  uint64_t half = t_.space(local).bytes / 2, align = t_.space(local).align;
  int64_t ies = dtypeByteSize(k.in.dtype),
          ves = k.hasValues ? dtypeByteSize(k.values.dtype) : 0;
  // One index (argmax / argmin, the greedy token) is found without a top-k
  // sort: the row maximum, the columns equal to it, and the least of their
  // indices (an index row in GM, loaded beside the values). A vtopk over
  // each core's 4267 logits of a 102400 vocabulary took 3.4 us; these four
  // passes take about a tenth of that.
  bool argmax = kk == 1;
  auto need = [&](int64_t r) {
    uint64_t firstIndex = argmax ? llvm::alignTo(r * cols, align) +
                                       llvm::alignTo(cols * 4, align) +
                                       2 * align + llvm::alignTo(r * 4, align)
                                 : 0;
    return llvm::alignTo(r * cols * ies, align) +
           llvm::alignTo(r * cols * 4, align) +
           2 * llvm::alignTo(r * kk * 4, align) +
           llvm::alignTo(r * kk * std::max<int64_t>(ves, 4), align) +
           firstIndex;
  };
  // The rows are shared by as many cores as have 4096 elements each, in
  // tiles of as many rows as local memory holds but no more than that share:
  // a greedy token's 64 groups of 2374 logits (R1-Distill-Qwen-1.5B's
  // vocabulary) were 16 tiles of 4 rows, on 16 cores, at the end of every
  // decode step; a 1024-token router's top-k, one tile on one core.
  // (A top-k of several sorts its rows: a quarter of that per core, as a
  // vtopk costs several cycles a repeat. V2-Lite's 1024-token router,
  // [1024, 64]: on 16 cores 2.1 us, on 47 0.9 us.)
  int64_t coresWanted = std::max<int64_t>(
      1, std::min<int64_t>(
             (int64_t)t_.coreTypes[ct].count,
             std::max<int64_t>(1, rows * cols * (argmax ? 1 : 4) / 4096)));
  int64_t R = std::min<int64_t>(
      {rows, 4096, (rows + coresWanted - 1) / coresWanted});
  while (R > 1 && need(R) > half)
    R /= 2;
  if (need(R) > half) {
    error = "'" + k.name + "': a row of " + std::to_string(cols) +
            " elements does not fit local memory for top-k";
    return false;
  }
  int64_t tiles = (rows + R - 1) / R;
  uint64_t iotaAddr = 0;
  if (argmax) {
    std::vector<float> iota(cols);
    for (int64_t i = 0; i < cols; ++i)
      iota[i] = (float)i;
    iotaAddr =
        appendConst(k.name + ":index_row", iota.data(), (uint64_t)cols * 4);
  }
  int64_t cores = std::min(tiles, coresWanted);
  std::vector<CoreRef> refs;
  for (int64_t c = 0; c < cores; ++c)
    refs.push_back({(uint32_t)ct, (uint32_t)c});
  std::vector<Region> regions(1);
  k.in.byteRange(regions[0].lo, regions[0].hi);
  regions[0].write = false;
  Region ri{0, 0, true};
  k.indices.byteRange(ri.lo, ri.hi);
  regions.push_back(ri);
  if (argmax)
    regions.push_back({iotaAddr, iotaAddr + (uint64_t)cols * 4, false});
  if (k.hasValues) {
    Region rv{0, 0, true};
    k.values.byteRange(rv.lo, rv.hi);
    regions.push_back(rv);
  }
  beginKernel(refs, regions);
  for (int64_t c = 0; c < cores; ++c) {
    int64_t first = tiles * c / cores, last = tiles * (c + 1) / cores;
    auto E = [&](const Instr &in) { emit(ct, (uint32_t)c, in, k.name); };
    for (int64_t ti = first; ti < last; ++ti) {
      uint64_t base = (uint64_t)((ti - first) % 2) * half;
      int64_t r0 = ti * R, n = std::min(R, rows - r0);
      uint64_t off = base;
      auto take = [&](DType dt, Shape shape) {
        Tile t = bin::makeTile(local, off, dt, shape);
        off += llvm::alignTo(
            (uint64_t)(shapeNumElements(shape) * dtypeByteSize(dt)), align);
        return t;
      };
      Tile stage = take(k.in.dtype, {n, cols});
      Tile src = k.in.dtype == DType::F32 ? stage : take(DType::F32, {n, cols});
      Tile vals = take(DType::F32, {n, kk});
      Tile idx = take(DType::I32, {n, kk});
      E(makeInstr(Opcode::DmaLd,
                  {stage, gm2(k.in, r0 * k.in.strides[0], n, cols,
                              k.in.strides[0], k.in.strides[1])}));
      if (k.in.dtype != DType::F32)
        E(makeInstr(Opcode::VCast, {src, stage}, {1}));
      if (!k.largest)
        E(makeInstr(Opcode::VNeg, {src, src}));
      if (argmax) {
        Tile mask = take(DType::U8, {n, cols});
        Tile index = take(DType::F32, {1, cols});
        Tile rowLength = take(DType::F32, {1, 1});
        Tile first = take(DType::F32, {n, 1});
        E(makeInstr(Opcode::DmaLd,
                    {index, bin::makeTile(Space::GM, iotaAddr, DType::F32,
                                          {1, cols})}));
        E(makeInstr(Opcode::VRedMax, {vals, src}));
        E(makeInstr(Opcode::VCmp, {mask, src, vals},
                    {(int64_t)bin::CmpKind::EQ}));
        E(makeInstr(Opcode::VDup, {rowLength}, {}, (float)cols));
        E(makeInstr(Opcode::VSel, {src, mask, index, rowLength}));
        E(makeInstr(Opcode::VRedMin, {first, src}));
        // A row with no column equal to its maximum (a NaN) still gets an
        // index inside the row.
        E(makeInstr(Opcode::VMinS, {first, first}, {}, (float)(cols - 1)));
        E(makeInstr(Opcode::VCast, {idx, first}, {1}));
      } else {
        E(makeInstr(Opcode::VTopK, {vals, idx, src}, {kk}));
      }
      E(makeInstr(Opcode::DmaSt,
                  {gm2(k.indices, r0 * k.indices.strides[0], n, kk,
                       k.indices.strides[0], k.indices.strides[1]),
                   idx}));
      if (k.hasValues) {
        if (!k.largest)
          E(makeInstr(Opcode::VNeg, {vals, vals}));
        Tile out = vals;
        if (k.values.dtype != DType::F32) {
          out = take(k.values.dtype, {n, kk});
          E(makeInstr(Opcode::VCast, {out, vals}, {1}));
        }
        E(makeInstr(Opcode::DmaSt,
                    {gm2(k.values, r0 * k.values.strides[0], n, kk,
                         k.values.strides[0], k.values.strides[1]),
                     out}));
      }
    }
  }
  return true;
}

} // namespace tessera::codegen
