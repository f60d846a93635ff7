#!/usr/bin/env python3
"""Cuts the first graph.moe of a graph-dialect module (tessera-compile
--emit=graph) out as a module of its own: the MoE's input becomes the
function argument "x", its weights keep the ops that compute them (constants,
dense_resource blobs included) and its result is the output "y".

  extract_moe.py IN.mlir OUT.mlir
"""
import re
import sys


def main():
    text = open(sys.argv[1]).read()
    body, sep, resources = text.partition("{-#")
    lines = body.splitlines()
    defs = {}
    for i, line in enumerate(lines):
        m = re.match(r"\s*(%[\w.#]+)(?::\d+)? = ", line)
        if m:
            defs[m.group(1)] = i
    moe = next(i for i, l in enumerate(lines) if "graph.moe" in l)
    line = lines[moe]
    result = re.match(r"\s*(%[\w.#]+) = ", line).group(1)
    operands = re.findall(r"%[\w.#]+", line.split("graph.moe", 1)[1].split("{", 1)[0])
    x = operands[0]
    types = re.search(r":\s*\((.*)\)\s*->\s*(tensor<[^>]*>)\s*$", line)
    xtype = types.group(1).split(", tensor")[0]
    ytype = types.group(2)
    keep, stack = set(), list(operands[1:])
    while stack:
        v = stack.pop()
        if v in keep or v not in defs:
            continue
        keep.add(v)
        rhs = lines[defs[v]].split("=", 1)[1]
        stack += [o for o in re.findall(r"%[\w.#]+", rhs) if o != v]
    if x in keep:
        sys.exit("the MoE's weights depend on its input")
    out = ["module {",
           '  func.func @main(%s: %s {graph.name = "x"}) -> (%s {graph.name = "y"}) {'
           % (x, xtype, ytype)]
    for i in sorted(defs[v] for v in keep):
        out.append(lines[i])
    out.append(line)
    out.append("    return %s : %s" % (result, ytype))
    out.append("  }")
    out.append("}")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")
        if sep:
            f.write(sep + resources)


if __name__ == "__main__":
    main()
