"""Compares the generation programs compiled from a weight-layout manifest
(MANIFEST_DIR) with those compiled from the weights (WEIGHTS_DIR): no
weights.bin beside the first, its weights.layout.json against the second's
weights.bin (the same constants by name and size, at the same offsets
that compiled file holds, less those the compiler computed, and the small
weights the compiled programs keep inline),
and each program's instruction streams byte for byte.

  compare_layout.py MANIFEST_DIR WEIGHTS_DIR
"""
import json
import os
import struct
import sys

KIND_STREAM = 2
KIND_CONST = 3


def sections(path, want):
    data = open(path, "rb").read()
    count = struct.unpack_from("<I", data, 72)[0]
    for i in range(count):
        kind, index, offset, size = struct.unpack_from("<IIQQ", data, 80 + 24 * i)
        if kind == want:
            yield index, data, offset


def constants(path):
    """(name, size, external) of each constant of a program."""
    out = []
    for _, data, at in sections(path, KIND_CONST):
        def u32():
            nonlocal at
            at += 4
            return struct.unpack_from("<I", data, at - 4)[0]

        def u64():
            nonlocal at
            at += 8
            return struct.unpack_from("<Q", data, at - 8)[0]

        def string():
            nonlocal at
            n = u32()
            at += n
            return data[at - n:at].decode()

        for _ in range(u32()):
            name, _, size = string(), u64(), u64()
            external = data[at]
            at += 1
            u64()  # checksum
            if external:
                string()
                u64()  # file offset
            else:
                at += size
            out.append((name, size, bool(external)))
    return out


def streams(path):
    data = open(path, "rb").read()
    count = struct.unpack_from("<I", data, 72)[0]
    out = []
    for i in range(count):
        kind, index, offset, size = struct.unpack_from("<IIQQ", data, 80 + 24 * i)
        if kind == KIND_STREAM:
            out.append((index, data[offset:offset + size]))
    return out


def main():
    manifest_dir, weights_dir = sys.argv[1], sys.argv[2]
    if os.path.exists(os.path.join(manifest_dir, "weights.bin")):
        print("FAIL: weights.bin written from a manifest")
        return 1
    layout = json.load(open(os.path.join(manifest_dir, "weights.layout.json")))
    size = os.path.getsize(os.path.join(weights_dir, "weights.bin"))
    ends = [c["offset"] + c["size"] for c in layout["constants"]]
    if layout["size"] != max(ends):
        print("FAIL: layout size %d, its constants end at %d" % (layout["size"], max(ends)))
        return 1
    # Every room is a constant of the compiled programs (in their weight
    # file, or a small weight they keep inline: without bytes, a weight
    # cannot be inline); every constant of their weight file has its room
    # or is one the compiler computed, which the manifest's programs keep.
    room = {(c["name"], c["size"]) for c in layout["constants"]}
    external, inline, kept = set(), set(), set()
    for name in ("prefill.npu", "decode.npu"):
        for n, s, ext in constants(os.path.join(weights_dir, name)):
            (external if ext else inline).add((n, s))
        for n, s, ext in constants(os.path.join(manifest_dir, name)):
            if not ext:
                kept.add((n, s))
    status = 0
    if (len(room) != len(layout["constants"]) or not room <= external | inline or
            not external <= room | kept):
        print("FAIL: layout %s, compiled %s" % (sorted(room ^ external)[:4], len(external)))
        status = 1
    print("weights.bin not written; layout %d constants, %d B: the compiled "
          "weights.bin's %d constants by name and size (%d B) and the %d the "
          "programs keep inline" % (len(layout["constants"]), layout["size"],
                                    len(external), size, len(room - external)))
    for name in ("prefill.npu", "decode.npu"):
        a = streams(os.path.join(manifest_dir, name))
        b = streams(os.path.join(weights_dir, name))
        same = a == b
        print("%s: %s" % (name, "same instructions" if same else "instructions differ"))
        status |= 0 if same else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
