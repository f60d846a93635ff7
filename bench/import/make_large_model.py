#!/usr/bin/python3
"""Writes a model whose weights live in an external-data file of >= 1 GiB:
LAYERS MatMul+Relu layers with [DIM, DIM] f32 weights (default 16 x 4096^2 x 4
bytes = 1 GiB), input [1, DIM].

Usage: make_large_model.py OUTDIR [LAYERS] [DIM]
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    layers = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    dim = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    x = 'x'
    for i in range(layers):
        w = (rng.standard_normal((dim, dim), dtype=np.float32) / np.sqrt(dim)).astype(np.float32)
        inits.append(numpy_helper.from_array(w, f'w{i}'))
        nodes.append(helper.make_node('MatMul', [x, f'w{i}'], [f'h{i}'], name=f'matmul{i}'))
        nodes.append(helper.make_node('Relu', [f'h{i}'], [f'r{i}'], name=f'relu{i}'))
        x = f'r{i}'
    graph = helper.make_graph(
        nodes, 'large', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, dim])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, dim])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    onnx.save_model(model, os.path.join(out, 'large.onnx'), save_as_external_data=True,
                    all_tensors_to_one_file=True, location='large.weights', size_threshold=1024)
    np.save(os.path.join(out, 'x.npy'), rng.standard_normal((1, dim), dtype=np.float32))


if __name__ == '__main__':
    main()
