#!/usr/bin/python3
"""Builds the small ONNX models behind the model zoo's regressions (see
test/models): a convolution followed by Relu or by a Mul by one scalar, a
Gemm whose bias is a splat constant, a Clip whose min is computed at run
time, an If on a shape (folded) and on data (if-converted), an LSTM and a
GRU, a reflect Pad.

Usage: make_zoo_regressions.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

F = T.FLOAT
rng = np.random.default_rng(0)


def arr(name, a):
    return nh.from_array(np.asarray(a), name)


def save(path, nodes, inputs, outputs, inits=(), opset=17):
    g = h.make_graph(nodes, 'g',
                     [h.make_tensor_value_info(n, t, s) for n, t, s in inputs],
                     [h.make_tensor_value_info(n, t, s) for n, t, s in outputs],
                     initializer=list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid('', opset)])
    onnx.checker.check_model(m)
    onnx.save(m, path)


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def inits_of(path):
    m = onnx.load(path)
    return {t.name: nh.to_array(t) for t in m.graph.initializer}


def write_references(out, S, B, I, H):
    """Expected outputs computed here from ONNX's equations (numpy), an
    implementation independent of Tessera's unrolling."""
    x = rng.standard_normal((S, B, I)).astype(np.float32)
    # LSTM, bidirectional, sequence lengths [3, 2], initial states.
    p = inits_of(f'{out}/lstm.onnx')
    h0 = rng.standard_normal((2, B, H)).astype(np.float32)
    c0 = rng.standard_normal((2, B, H)).astype(np.float32)
    lens = p['len']
    Y = np.zeros((S, 2, B, H), np.float32)
    Yh, Yc = np.zeros((2, B, H)), np.zeros((2, B, H))
    for d in range(2):
        W, R, Bi = p['W'][d], p['R'][d], p['Bi'][d]
        h, c = h0[d].astype(np.float64), c0[d].astype(np.float64)
        steps = range(S) if d == 0 else range(S - 1, -1, -1)
        for t in steps:
            g = x[t] @ W.T + h @ R.T + Bi[:4 * H] + Bi[4 * H:]
            i, o, f, cc = (g[:, k * H:(k + 1) * H] for k in range(4))
            cn = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
            hn = sigmoid(o) * np.tanh(cn)
            live = (t < lens)[:, None]
            Y[t, d] = np.where(live, hn, 0)
            h, c = np.where(live, hn, h), np.where(live, cn, c)
        Yh[d], Yc[d] = h, c
    ref = f'{out}/lstm_ref'
    os.makedirs(ref, exist_ok=True)
    np.save(f'{ref}/x.npy', x)
    np.save(f'{ref}/h0.npy', h0)
    np.save(f'{ref}/c0.npy', c0)
    np.save(f'{ref}/output_Y.npy', Y)
    np.save(f'{ref}/output_Yh.npy', Yh.astype(np.float32))
    np.save(f'{ref}/output_Yc.npy', Yc.astype(np.float32))
    # GRU, linear_before_reset = 1.
    p = inits_of(f'{out}/gru.onnx')
    W, R, Bi = p['W'][0], p['R'][0], p['Bi'][0]
    h = np.zeros((B, H))
    Y = np.zeros((S, 1, B, H), np.float32)
    for t in range(S):
        xw, hr = x[t] @ W.T + Bi[:3 * H], h @ R.T + Bi[3 * H:]
        z = sigmoid(xw[:, :H] + hr[:, :H])
        r = sigmoid(xw[:, H:2 * H] + hr[:, H:2 * H])
        ht = np.tanh(xw[:, 2 * H:] + r * hr[:, 2 * H:])
        h = (1 - z) * ht + z * h
        Y[t, 0] = h
    ref = f'{out}/gru_ref'
    os.makedirs(ref, exist_ok=True)
    np.save(f'{ref}/x.npy', x)
    np.save(f'{ref}/output_Y.npy', Y)
    np.save(f'{ref}/output_Yh.npy', h[None].astype(np.float32))
    # RNN, reverse.
    p = inits_of(f'{out}/rnn.onnx')
    W, R = p['W'][0], p['R'][0]
    h = np.zeros((B, H))
    Y = np.zeros((S, 1, B, H), np.float32)
    for t in range(S - 1, -1, -1):
        h = np.tanh(x[t] @ W.T + h @ R.T)
        Y[t, 0] = h
    ref = f'{out}/rnn_ref'
    os.makedirs(ref, exist_ok=True)
    np.save(f'{ref}/x.npy', x)
    np.save(f'{ref}/output_Y.npy', Y)
    np.save(f'{ref}/output_Yh.npy', h[None].astype(np.float32))


def main(out):
    os.makedirs(out, exist_ok=True)
    w = arr('w', rng.standard_normal((8, 3, 3, 3)).astype(np.float32))
    b = arr('b', rng.standard_normal(8).astype(np.float32))
    x = [('x', F, [1, 3, 16, 16])]
    y = [('y', F, [1, 8, 16, 16])]
    save(f'{out}/conv_relu.onnx',
         [h.make_node('Conv', ['x', 'w', 'b'], ['c'], pads=[1, 1, 1, 1]),
          h.make_node('Relu', ['c'], ['y'])], x, y, [w, b])
    save(f'{out}/conv_mul.onnx',
         [h.make_node('Conv', ['x', 'w', 'b'], ['c'], pads=[1, 1, 1, 1]),
          h.make_node('Mul', ['c', 's'], ['y'])], x, y,
         [w, b, arr('s', np.float32(0.5))])
    save(f'{out}/conv_zero_bias.onnx',
         [h.make_node('Conv', ['x', 'w', 'z'], ['y'], pads=[1, 1, 1, 1])],
         x, y, [w, arr('z', np.zeros(8, np.float32))])
    # Reductions over more elements than a kernel's row holds: a dynamic
    # quantization of an image (its min and max over every element) and a
    # global mean over 160x160 planes.
    save(f'{out}/reduce_long.onnx',
         [h.make_node('DynamicQuantizeLinear', ['x'], ['q', 's', 'z']),
          h.make_node('ReduceMean', ['p'], ['m'], axes=[2, 3], keepdims=1)],
         [('x', F, [1, 3, 128, 128]), ('p', F, [1, 4, 160, 160])],
         [('q', T.UINT8, [1, 3, 128, 128]), ('s', F, []), ('z', T.UINT8, []),
          ('m', F, [1, 4, 1, 1])])
    save(f'{out}/gemm_splat_bias.onnx',
         [h.make_node('Gemm', ['a', 'g', 'c'], ['y'], transB=1)],
         [('a', F, [4, 32])], [('y', F, [4, 16])],
         [arr('g', rng.standard_normal((16, 32)).astype(np.float32)),
          arr('c', np.full(16, 0.25, np.float32))])
    # A log-mel front end's floor: Clip(x, ReduceMax(x) - 80).
    save(f'{out}/clip_runtime_min.onnx',
         [h.make_node('ReduceMax', ['x'], ['m'], keepdims=0),
          h.make_node('Sub', ['m', 'k'], ['lo']),
          h.make_node('Clip', ['x', 'lo'], ['y'])],
         [('x', F, [4, 32])], [('y', F, [4, 32])],
         [arr('k', np.float32(1.0))])
    # If on a shape (folded at import) and on data (both branches, select).
    then = h.make_graph([h.make_node('Neg', ['x'], ['t'])], 't', [],
                        [h.make_tensor_value_info('t', F, [2, 3])])
    els = h.make_graph([h.make_node('Relu', ['x'], ['e'])], 'e', [],
                       [h.make_tensor_value_info('e', F, [2, 3])])
    save(f'{out}/if_shape.onnx',
         [h.make_node('Shape', ['x'], ['s']),
          h.make_node('ReduceSum', ['s'], ['n'], keepdims=0),
          h.make_node('Equal', ['n', 'five'], ['c']),
          h.make_node('If', ['c'], ['y'], then_branch=then, else_branch=els)],
         [('x', F, [2, 3])], [('y', F, [2, 3])], [arr('five', np.int64(5))])
    save(f'{out}/if_data.onnx',
         [h.make_node('ReduceSum', ['x'], ['n'], keepdims=0),
          h.make_node('Greater', ['n', 'zero'], ['c']),
          h.make_node('If', ['c'], ['y'], then_branch=then, else_branch=els)],
         [('x', F, [2, 3])], [('y', F, [2, 3])],
         [arr('zero', np.float32(0))])
    # If on a sample-rate input: folded once the input is bound.
    save(f'{out}/if_input.onnx',
         [h.make_node('Equal', ['sr', 'k16'], ['c']),
          h.make_node('If', ['c'], ['y'], then_branch=then, else_branch=els)],
         [('x', F, [2, 3]), ('sr', T.INT64, [])], [('y', F, [2, 3])],
         [arr('k16', np.int64(16000))])
    # Recurrent layers: bidirectional LSTM with initial states and
    # sequence lengths, GRU (linear_before_reset), reverse RNN.
    S, B, I, H = 3, 2, 4, 5
    save(f'{out}/lstm.onnx',
         [h.make_node('LSTM', ['x', 'W', 'R', 'Bi', 'len', 'h0', 'c0'],
                      ['Y', 'Yh', 'Yc'], hidden_size=H,
                      direction='bidirectional')],
         [('x', F, [S, B, I]), ('h0', F, [2, B, H]), ('c0', F, [2, B, H])],
         [('Y', F, [S, 2, B, H]), ('Yh', F, [2, B, H]), ('Yc', F, [2, B, H])],
         [arr('W', rng.standard_normal((2, 4 * H, I)).astype(np.float32)),
          arr('R', rng.standard_normal((2, 4 * H, H)).astype(np.float32)),
          arr('Bi', rng.standard_normal((2, 8 * H)).astype(np.float32)),
          arr('len', np.array([3, 2], np.int32))])
    save(f'{out}/gru.onnx',
         [h.make_node('GRU', ['x', 'W', 'R', 'Bi'], ['Y', 'Yh'],
                      hidden_size=H, linear_before_reset=1)],
         [('x', F, [S, B, I])], [('Y', F, [S, 1, B, H]), ('Yh', F, [1, B, H])],
         [arr('W', rng.standard_normal((1, 3 * H, I)).astype(np.float32)),
          arr('R', rng.standard_normal((1, 3 * H, H)).astype(np.float32)),
          arr('Bi', rng.standard_normal((1, 6 * H)).astype(np.float32))])
    save(f'{out}/rnn.onnx',
         [h.make_node('RNN', ['x', 'W', 'R'], ['Y', 'Yh'], hidden_size=H,
                      direction='reverse')],
         [('x', F, [S, B, I])], [('Y', F, [S, 1, B, H]), ('Yh', F, [1, B, H])],
         [arr('W', rng.standard_normal((1, H, I)).astype(np.float32)),
          arr('R', rng.standard_normal((1, H, H)).astype(np.float32))])
    write_references(out, S, B, I, H)
    save(f'{out}/lstm_bad_activation.onnx',
         [h.make_node('LSTM', ['x', 'W', 'R'], ['Y'], hidden_size=H,
                      activations=['Sigmoid', 'Gelu', 'Tanh'])],
         [('x', F, [S, B, I])], [('Y', F, [S, 1, B, H])],
         [arr('W', rng.standard_normal((1, 4 * H, I)).astype(np.float32)),
          arr('R', rng.standard_normal((1, 4 * H, H)).astype(np.float32))])
    save(f'{out}/pad_reflect.onnx',
         [h.make_node('Pad', ['x', 'p'], ['y'], mode='reflect')],
         [('x', F, [2, 8])], [('y', F, [2, 14])],
         [arr('p', np.array([0, 3, 0, 3], np.int64))])
    # bf16 storage through data movement: a Reshape of an f32 program input
    # feeding a Conv, a Softmax of opset < 13 (reshape-softmax-reshape), a
    # reflect Pad (a gather) feeding a Mul, a Gather of an activation that is
    # an output, a ScatterElements of an input with computed updates.
    save(f'{out}/reshape_conv.onnx',
         [h.make_node('Reshape', ['x', 's'], ['r']),
          h.make_node('Conv', ['r', 'w', 'b'], ['y'], pads=[0, 1, 0, 1])],
         [('x', F, [1, 20, 16, 1])], [('y', F, [1, 8, 18, 16])],
         [arr('s', np.array([1, 1, 20, 16], np.int64)),
          arr('w', rng.standard_normal((8, 1, 3, 3)).astype(np.float32)),
          arr('b', rng.standard_normal(8).astype(np.float32))])
    save(f'{out}/softmax_opset11.onnx',
         [h.make_node('Softmax', ['x'], ['y'], axis=1)],
         [('x', F, [2, 40, 60])], [('y', F, [2, 40, 60])], opset=11)
    save(f'{out}/pad_reflect_mul.onnx',
         [h.make_node('Pad', ['x', 'p'], ['t'], mode='reflect'),
          h.make_node('Mul', ['t', 'k'], ['y'])],
         [('x', F, [2, 8])], [('y', F, [2, 14])],
         [arr('p', np.array([0, 3, 0, 3], np.int64)),
          arr('k', rng.standard_normal((2, 14)).astype(np.float32))])
    save(f'{out}/relu_gather.onnx',
         [h.make_node('Relu', ['x'], ['t']),
          h.make_node('Gather', ['t', 'i'], ['y'], axis=1)],
         [('x', F, [4, 16])], [('y', F, [4, 5])],
         [arr('i', np.array([3, 0, 15, 7, 7], np.int64))])
    save(f'{out}/scatter_computed.onnx',
         [h.make_node('Relu', ['u'], ['t']),
          h.make_node('ScatterElements', ['x', 'i', 't'], ['s'], axis=1),
          h.make_node('Neg', ['s'], ['y'])],
         [('x', F, [3, 8]), ('u', F, [3, 2])], [('y', F, [3, 8])],
         [arr('i', np.array([[1, 6], [0, 7], [5, 2]], np.int64))])
    # Slice with a negative step (reverses a time axis, as in Silero VAD).
    save(f'{out}/slice_reverse.onnx',
         [h.make_node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y'])],
         [('x', F, [3, 10])], [('y', F, [2, 5])],
         [arr('st', np.array([0, -2], np.int64)),
          arr('en', np.array([3, -100], np.int64)),
          arr('ax', np.array([0, 1], np.int64)),
          arr('sp', np.array([2, -2], np.int64))])
    # Nodes out of topological order (ONNX Runtime runs such models).
    g = h.make_graph([h.make_node('Relu', ['t'], ['y']),
                      h.make_node('Neg', ['x'], ['t'])], 'g',
                     [h.make_tensor_value_info('x', F, [2, 3])],
                     [h.make_tensor_value_info('y', F, [2, 3])])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid('', 17)]),
              f'{out}/unsorted.onnx')
    np.save(f'{out}/sr16k.npy', np.array(16000, np.int64))
    np.save(f'{out}/sr_f32.npy', np.array(16000, np.float32))
    np.save(f'{out}/x23.npy', rng.standard_normal((2, 3)).astype(np.float32))
    x4 = onnx.numpy_helper.from_array(
        rng.standard_normal((4, 32)).astype(np.float32), 'x')
    with open(f'{out}/x.pb', 'wb') as f:
        f.write(x4.SerializeToString())


if __name__ == '__main__':
    main(sys.argv[1])
