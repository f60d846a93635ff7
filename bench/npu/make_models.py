#!/usr/bin/python3
"""Writes the graph-dialect models bench/npu/run.sh compiles.

Weights are program inputs (they sit in GM like constants would, and the
MLIR text stays small). DeepSeek-V2-Lite shapes (hidden 2048, 16 heads,
q 16x192, kv_a 512+64, kv_b 16x(128+128), o 2048, MoE 64 routed experts of
1408 with 6 active, 2 shared experts = 2816): the attention and MoE
projections of one layer, at prefill (1024 tokens; each routed expert sees
1024 * 6 / 64 = 96 of them) and at decode (one token); the decode again with
weight-only int4 (groups of 128 with zero points) and FP8 (e4m3, 128x128
blocks) weights, dequantized in the matmul's load (graph.dequant_matmul),
and with bf16 weights stored as nn.Linear stores them ([N, K], a Gemm with
trans_b: what a Hugging Face import produces).
"""
import sys

out = sys.argv[1]


def write_main(name, args, body, rets, rtypes):
    """Writes OUT/NAME.mlir: func @main(args) returning rets of rtypes."""
    plain = [t.split(' {')[0] for t in rtypes]
    text = (f'func.func @main({", ".join(args)}) -> ({", ".join(rtypes)}) {{\n'
            + '\n'.join(body) + f'\n  return {", ".join(rets)} : {", ".join(plain)}\n}}\n')
    with open(f'{out}/{name}.mlir', 'w') as f:
        f.write(text)


def matmuls(name, items, dtype='bf16'):
    """items: (label, M, K, N) -> one function computing every x_i @ w_i."""
    args, body, rets, rtypes = [], [], [], []
    for i, (label, m, k, n) in enumerate(items):
        args.append(f'%x{i}: tensor<{m}x{k}x{dtype}> {{graph.name = "{label}_x"}}')
        args.append(f'%w{i}: tensor<{k}x{n}x{dtype}> {{graph.name = "{label}_w"}}')
        body.append(f'  %y{i} = graph.matmul %x{i}, %w{i} : (tensor<{m}x{k}x{dtype}>, '
                    f'tensor<{k}x{n}x{dtype}>) -> tensor<{m}x{n}x{dtype}>')
        rets.append(f'%y{i}')
        rtypes.append(f'tensor<{m}x{n}x{dtype}> {{graph.name = "{label}_y"}}')
    write_main(name, args, body, rets, rtypes)


def linear_matmuls(name, items):
    """items as matmuls'; bf16 weights [N, K] (nn.Linear's layout), each
    product a graph.gemm with trans_b."""
    args, body, rets, rtypes = [], [], [], []
    for i, (label, m, k, n) in enumerate(items):
        x, w, y = f'tensor<{m}x{k}xbf16>', f'tensor<{n}x{k}xbf16>', f'tensor<{m}x{n}xbf16>'
        args.append(f'%x{i}: {x} {{graph.name = "{label}_x"}}')
        args.append(f'%w{i}: {w} {{graph.name = "{label}_w"}}')
        body.append(f'  %y{i} = graph.gemm %x{i}, %w{i} {{trans_b = true}} : ({x}, {w}) -> {y}')
        rets.append(f'%y{i}')
        rtypes.append(f'{y} {{graph.name = "{label}_y"}}')
    write_main(name, args, body, rets, rtypes)


def dequant_matmuls(name, items, fmt):
    """items as matmuls'; weights [N, K] stored int4 ("int4": [N, K/2] bytes,
    scale and zero point per 128 inputs) or FP8 ("fp8_e4m3": [N, K] bytes,
    a scale per 128x128 block), bf16 activations."""
    args, body, rets, rtypes = [], [], [], []
    for i, (label, m, k, n) in enumerate(items):
        bn, bk = (1, 128) if fmt == 'int4' else (128, 128)
        gn, gk = -(-n // bn), -(-k // bk)
        row = k // 2 if fmt == 'int4' else k
        x, w, s = f'tensor<{m}x{k}xbf16>', f'tensor<{n}x{row}xui8>', f'tensor<{gn}x{gk}xf32>'
        args.append(f'%x{i}: {x} {{graph.name = "{label}_x"}}')
        args.append(f'%w{i}: {w} {{graph.name = "{label}_w"}}')
        args.append(f'%s{i}: {s} {{graph.name = "{label}_scale"}}')
        operands, types = f'%x{i}, %w{i}, %s{i}', f'{x}, {w}, {s}'
        if fmt == 'int4':
            z = f'tensor<{gn}x{gk}xui8>'
            args.append(f'%z{i}: {z} {{graph.name = "{label}_zero"}}')
            operands, types = operands + f', %z{i}', types + f', {z}'
        body.append(f'  %y{i} = graph.dequant_matmul {operands} {{format = "{fmt}", '
                    f'block_n = {bn}, block_k = {bk}}} : ({types}) -> tensor<{m}x{n}xbf16>')
        rets.append(f'%y{i}')
        rtypes.append(f'tensor<{m}x{n}xbf16> {{graph.name = "{label}_y"}}')
    write_main(name, args, body, rets, rtypes)


def lite(tokens, per_expert):
    items = [('q_proj', tokens, 2048, 3072), ('kv_a_proj', tokens, 2048, 576),
             ('kv_b_proj', tokens, 512, 4096), ('o_proj', tokens, 2048, 2048),
             ('shared_gate_up', tokens, 2048, 5632), ('shared_down', tokens, 2816, 2048)]
    for e in range(6):
        items.append((f'expert{e}_gate_up', per_expert, 2048, 2816))
        items.append((f'expert{e}_down', per_expert, 1408, 2048))
    return items


matmuls('gemm4096', [('gemm', 4096, 4096, 4096)])
matmuls('dsv2lite_prefill', lite(1024, 96))
matmuls('dsv2lite_decode', lite(1, 1))
linear_matmuls('dsv2lite_decode_linear', lite(1, 1))
dequant_matmuls('dsv2lite_decode_int4', lite(1, 1), 'int4')
dequant_matmuls('dsv2lite_decode_fp8', lite(1, 1), 'fp8_e4m3')
