#!/usr/bin/python3
"""Writes the tiny quantized ONNX models quantized.test reads, with numpy
references computed here from ONNX's definitions.

Usage: make_quant_models.py OUTDIR
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

rng = np.random.default_rng(0)


def save(path, nodes, inputs, outputs, inits=(), opset=13):
    g = h.make_graph(nodes, 'g',
                     [h.make_tensor_value_info(n, t, s) for n, t, s in inputs],
                     [h.make_tensor_value_info(n, t, s) for n, t, s in outputs],
                     initializer=[nh.from_array(np.asarray(a), n)
                                  for n, a in inits])
    m = h.make_model(g, opset_imports=[h.make_opsetid('', opset)])
    onnx.checker.check_model(m)
    onnx.save(m, path)


def main(out):
    os.makedirs(out, exist_ok=True)
    # QLinearMatMul with a per-row scale and zero point of A and a
    # per-column scale of B (int8 output).
    a = rng.integers(0, 256, (3, 5)).astype(np.uint8)
    b = rng.integers(-128, 128, (5, 4)).astype(np.int8)
    sa = np.array([0.02, 0.05, 0.03], np.float32)
    za = np.array([120, 128, 135], np.uint8)
    sb = np.array([0.01, 0.02, 0.015, 0.03], np.float32)
    zb = np.array([0, 0, 0, 0], np.int8)
    sy, zy = np.float32(0.4), np.int8(-3)
    save(f'{out}/qlinearmatmul_axes.onnx',
         [h.make_node('QLinearMatMul',
                      ['a', 'sa', 'za', 'b', 'sb', 'zb', 'sy', 'zy'], ['y'])],
         [('a', T.UINT8, [3, 5])], [('y', T.INT8, [3, 4])],
         [('sa', sa.reshape(3, 1)[:, 0]), ('za', za), ('b', b), ('sb', sb),
          ('zb', zb), ('sy', sy), ('zy', zy)], opset=10)
    acc = (a.astype(np.int32) - za[:, None].astype(np.int32)) @ \
        (b.astype(np.int32) - zb.astype(np.int32))
    mult = (sa[:, None] * sb[None, :]) / sy
    y = np.clip(np.rint(acc.astype(np.float32) * mult) + zy, -128, 127)
    ref = f'{out}/qmm_ref'
    os.makedirs(ref, exist_ok=True)
    np.save(f'{ref}/a.npy', a)
    np.save(f'{ref}/output_y.npy', y.astype(np.int8))
    # QuantizeLinear -> DequantizeLinear per channel (a QDQ pair).
    save(f'{out}/qdq_axis.onnx',
         [h.make_node('QuantizeLinear', ['x', 's', 'z'], ['q'], axis=1),
          h.make_node('DequantizeLinear', ['q', 's', 'z'], ['y'], axis=1)],
         [('x', T.FLOAT, [2, 3, 4])], [('y', T.FLOAT, [2, 3, 4])],
         [('s', np.array([0.1, 0.2, 0.05], np.float32)),
          ('z', np.array([0, 10, -5], np.int8))])
    # Errors: a zero point of a type no quantized value is stored in, a
    # scale of rank 2.
    save(f'{out}/err_quant_i32.onnx',
         [h.make_node('QuantizeLinear', ['x', 's', 'z'], ['q'])],
         [('x', T.FLOAT, [4])], [('q', T.INT32, [4])],
         [('s', np.float32(0.1)), ('z', np.int32(0))], opset=10)
    save(f'{out}/err_dequant_rank2.onnx',
         [h.make_node('DequantizeLinear', ['q', 's'], ['y'])],
         [('q', T.UINT8, [2, 3])], [('y', T.FLOAT, [2, 3])],
         [('s', np.ones((2, 3), np.float32))])


if __name__ == '__main__':
    main(sys.argv[1])
