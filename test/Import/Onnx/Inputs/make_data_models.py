#!/usr/bin/python3
"""Builds the tiny ONNX models the data-movement import tests read.

Usage: make_data_models.py OUTDIR [NAME ...]   (no NAME: every model)

Each model is one (or a few) nodes with static input shapes. Inputs that
Tessera needs as constants (shapes, axes, pads, ...) are initializers or
Constant nodes, except in the models that test the error for a dynamic one.
Output types are left to ONNX's shape inference; where it cannot tell (the
error cases), the output gets a symbolic shape so the checker accepts it.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

MODELS = {}


def model(name):
    def register(fn):
        MODELS[name] = fn
        return fn
    return register


def const(name, values, dtype=np.int64):
    return numpy_helper.from_array(np.array(values, dtype=dtype), name)


def make(nodes, inputs, outputs, inits=(), opset=13):
    """inputs: [(name, elem_type, shape)]; outputs: [name]."""
    graph = h.make_graph(
        nodes, 'g', [h.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [h.make_empty_tensor_value_info(o) for o in outputs],
        initializer=list(inits))
    m = h.make_model(graph, opset_imports=[h.make_opsetid('', opset)],
                     producer_name='make_data_models')
    m = onnx.shape_inference.infer_shapes(m)
    for out in m.graph.output:
        if not out.type.tensor_type.HasField('shape'):
            if out.type.tensor_type.elem_type == 0:
                out.type.tensor_type.elem_type = T.FLOAT
            out.type.tensor_type.shape.dim.add().dim_param = 'unknown'
    return m


def node(op, ins, outs, name=None, **attrs):
    return h.make_node(op, ins, outs, name=name or op.lower(), **attrs)


F = T.FLOAT
I64 = T.INT64

# --- Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity -------------


@model('reshape')
def _():
    # 0 copies a dimension, -1 is inferred.
    return make([node('Reshape', ['x', 'shape'], ['y'])], [('x', F, [2, 3, 4])],
                ['y'], [const('shape', [0, -1, 2])], opset=14)


@model('reshape_allowzero')
def _():
    return make([node('Reshape', ['x', 'shape'], ['y'], allowzero=1)],
                [('x', F, [0, 3, 4])], ['y'], [const('shape', [3, 4, 0])],
                opset=14)


@model('reshape_shape_chain')
def _():
    # Shape -> Gather -> Concat computes the target shape; the importer folds
    # the chain into a constant before Reshape sees it.
    nodes = [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'i0'], ['d0'], axis=0),
        node('Concat', ['d0', 'm1'], ['target'], axis=0),
        node('Reshape', ['x', 'target'], ['y']),
    ]
    return make(nodes, [('x', F, [2, 3, 4])], ['y'],
                [const('i0', [0]), const('m1', [-1])], opset=13)


@model('reshape_dynamic')
def _():
    return make([node('Reshape', ['x', 'shape'], ['y'], name='reshape_node')],
                [('x', F, [2, 3]), ('shape', I64, [2])], ['y'])


@model('reshape_two_inferred')
def _():
    return make([node('Reshape', ['x', 'shape'], ['y'])], [('x', F, [2, 3])],
                ['y'], [const('shape', [-1, -1])])


@model('reshape_copy_past_rank')
def _():
    return make([node('Reshape', ['x', 'shape'], ['y'])], [('x', F, [6])],
                ['y'], [const('shape', [1, 0])])


@model('reshape_cannot_infer')
def _():
    return make([node('Reshape', ['x', 'shape'], ['y'])], [('x', F, [2, 3])],
                ['y'], [const('shape', [4, -1])])


@model('reshape_negative')
def _():
    return make([node('Reshape', ['x', 'shape'], ['y'])], [('x', F, [2, 3])],
                ['y'], [const('shape', [-2, 3])])


@model('reshape_bad_count')
def _():
    return make([node('Reshape', ['x', 'shape'], ['y'])], [('x', F, [2, 3])],
                ['y'], [const('shape', [4, 2])])


@model('flatten')
def _():
    return make([node('Flatten', ['x'], ['y'], axis=-1)],
                [('x', F, [2, 3, 4])], ['y'], opset=13)


@model('flatten_axis_range')
def _():
    return make([node('Flatten', ['x'], ['y'], axis=4)], [('x', F, [2, 3, 4])],
                ['y'], opset=13)


@model('squeeze_v11')
def _():
    return make([node('Squeeze', ['x'], ['y'], axes=[-1])],
                [('x', F, [1, 3, 1])], ['y'], opset=11)


@model('squeeze_v13')
def _():
    return make([node('Squeeze', ['x', 'axes'], ['y'])], [('x', F, [1, 3, 1])],
                ['y'], [const('axes', [0])], opset=13)


@model('squeeze_all')
def _():
    return make([node('Squeeze', ['x'], ['y'])], [('x', F, [1, 3, 1])], ['y'],
                opset=13)


@model('squeeze_not_one')
def _():
    return make([node('Squeeze', ['x', 'axes'], ['y'])], [('x', F, [1, 3, 1])],
                ['y'], [const('axes', [1])], opset=13)


@model('unsqueeze_v11')
def _():
    return make([node('Unsqueeze', ['x'], ['y'], axes=[0, -1])],
                [('x', F, [2, 3])], ['y'], opset=11)


@model('unsqueeze_v13')
def _():
    return make([node('Unsqueeze', ['x', 'axes'], ['y'])], [('x', F, [2, 3])],
                ['y'], [const('axes', [3, 1])], opset=13)


@model('unsqueeze_duplicate')
def _():
    return make([node('Unsqueeze', ['x', 'axes'], ['y'])], [('x', F, [2, 3])],
                ['y'], [const('axes', [1, -3])], opset=13)


@model('unsqueeze_empty')
def _():
    return make([node('Unsqueeze', ['x', 'axes'], ['y'])], [('x', F, [2, 3])],
                ['y'], [const('axes', np.zeros([0]))], opset=13)


@model('transpose')
def _():
    return make([node('Transpose', ['x'], ['y']),
                 node('Transpose', ['x'], ['z'], perm=[1, 0, 2])],
                [('x', F, [2, 3, 4])], ['y', 'z'])


@model('transpose_bad_perm')
def _():
    return make([node('Transpose', ['x'], ['y'], perm=[0, 0])],
                [('x', F, [2, 3])], ['y'])


@model('identity')
def _():
    return make([node('Identity', ['x'], ['y'])], [('x', F, [2])], ['y'])


# --- Concat, Split, Slice, Gather --------------------------------------------


@model('concat')
def _():
    return make([node('Concat', ['a', 'b'], ['y'], axis=-1)],
                [('a', F, [2, 3]), ('b', F, [2, 1])], ['y'])


@model('split_v11')
def _():
    return make([node('Split', ['x'], ['a', 'b'], axis=1, split=[1, 3])],
                [('x', F, [2, 4])], ['a', 'b'], opset=11)


@model('split_v13')
def _():
    return make([node('Split', ['x', 'split'], ['a', 'b', 'c'])],
                [('x', F, [5, 2])], ['a', 'b', 'c'], [const('split', [2, 0, 3])],
                opset=13)


@model('split_equal')
def _():
    return make([node('Split', ['x'], ['a', 'b'], axis=-1)],
                [('x', F, [2, 4])], ['a', 'b'], opset=13)


@model('split_unequal')
def _():
    return make([node('Split', ['x'], ['a', 'b'], axis=1)],
                [('x', F, [2, 5])], ['a', 'b'], opset=13)


@model('split_count')
def _():
    return make([node('Split', ['x', 'split'], ['a', 'b'])],
                [('x', F, [6])], ['a', 'b'], [const('split', [1, 2, 3])],
                opset=13)


@model('slice_v9')
def _():
    # Attribute form: no steps; ends past the end clamp.
    return make([node('Slice', ['x'], ['y'], starts=[1, -2], ends=[1000, -1],
                      axes=[0, 1])], [('x', F, [3, 4])], ['y'], opset=9)


@model('slice_v13')
def _():
    # Negative step walking back from past the end to the front; a negative
    # axis; default steps for the other axis.
    inits = [const('starts', [100, 1]), const('ends', [-1000, 3]),
             const('axes', [0, -1]), const('steps', [-2, 1])]
    return make([node('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['y'])],
                [('x', F, [5, 4])], ['y'], inits)


@model('slice_zero_step')
def _():
    inits = [const('starts', [0]), const('ends', [2]), const('axes', [0]),
             const('steps', [0])]
    return make([node('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['y'])],
                [('x', F, [5])], ['y'], inits)


@model('slice_lengths')
def _():
    inits = [const('starts', [0, 0]), const('ends', [2])]
    return make([node('Slice', ['x', 'starts', 'ends'], ['y'])],
                [('x', F, [5, 5])], ['y'], inits)


@model('gather')
def _():
    return make([node('Gather', ['x', 'i'], ['y'], axis=-1)],
                [('x', F, [2, 3]), ('i', I64, [4])], ['y'])


# --- Shape, Size, Range, ConstantOfShape, EyeLike ---------------------------


@model('shape_v15')
def _():
    return make([node('Shape', ['x'], ['a'], start=1, end=-1),
                 node('Shape', ['x'], ['b'], start=-10),
                 node('Size', ['x'], ['c'])],
                [('x', F, [2, 3, 4, 5])], ['a', 'b', 'c'], opset=15)


@model('range')
def _():
    inits = [const('s', 10, np.int32), const('l', 4, np.int32),
             const('d', -3, np.int32)]
    return make([node('Range', ['s', 'l', 'd'], ['y'])], [], ['y'], inits,
                opset=11)


@model('range_zero_delta')
def _():
    inits = [const('s', 1.0, np.float32), const('l', 2.0, np.float32),
             const('d', 0.0, np.float32)]
    return make([node('Range', ['s', 'l', 'd'], ['y'])], [], ['y'], inits,
                opset=11)


@model('constant_of_shape')
def _():
    value = numpy_helper.from_array(np.array([7], dtype=np.int32), 'value')
    return make([node('ConstantOfShape', ['shape'], ['y'], value=value),
                 node('ConstantOfShape', ['shape'], ['z'])], [], ['y', 'z'],
                [const('shape', [2, 3])], opset=9)


@model('constant_of_shape_negative')
def _():
    return make([node('ConstantOfShape', ['shape'], ['y'])], [], ['y'],
                [const('shape', [2, -3])], opset=9)


@model('eye_like')
def _():
    return make([node('EyeLike', ['x'], ['y'], k=1, dtype=T.INT32)],
                [('x', F, [2, 3])], ['y'], opset=9)


@model('eye_like_rank')
def _():
    return make([node('EyeLike', ['x'], ['y'])], [('x', F, [2, 3, 4])], ['y'],
                opset=9)


# --- Expand, Tile, Pad, Trilu ------------------------------------------------


@model('expand_tile')
def _():
    return make([node('Expand', ['x', 'shape'], ['y']),
                 node('Tile', ['x', 'repeats'], ['z'])],
                [('x', F, [3, 1])], ['y', 'z'],
                [const('shape', [2, 1, 4]), const('repeats', [2, 3])])


@model('expand_bad')
def _():
    return make([node('Expand', ['x', 'shape'], ['y'])], [('x', F, [3, 2])],
                ['y'], [const('shape', [4, 3])])


@model('pad_v2')
def _():
    return make([node('Pad', ['x'], ['y'], pads=[0, 1, 0, 2], mode='edge')],
                [('x', F, [2, 3])], ['y'], opset=2)


@model('pad_v13')
def _():
    return make([node('Pad', ['x', 'pads', 'value'], ['y'], mode='constant')],
                [('x', T.INT32, [2, 3])], ['y'],
                [const('pads', [1, 0, 0, -1]), const('value', 5, np.int32)])


@model('pad_mode')
def _():
    return make([node('Pad', ['x', 'pads'], ['y'], mode='wrap')],
                [('x', F, [2, 3])], ['y'], [const('pads', [0, 1, 0, 1])])


@model('pad_value_not_scalar')
def _():
    return make([node('Pad', ['x', 'pads', 'value'], ['y'])],
                [('x', F, [2, 3])], ['y'],
                [const('pads', [0, 1, 0, 1]), const('value', [1, 2], np.float32)])


@model('trilu')
def _():
    return make([node('Trilu', ['x', 'k'], ['y'], upper=0),
                 node('Trilu', ['x'], ['z'])],
                [('x', F, [3, 3])], ['y', 'z'], [const('k', -1)], opset=14)


# --- Gathers and scatters ----------------------------------------------------


@model('gathers_scatters')
def _():
    nodes = [
        node('GatherElements', ['x', 'ie'], ['ge'], axis=1),
        node('ScatterElements', ['x', 'ie', 'ue'], ['se'], axis=1,
             reduction='add'),
        node('GatherND', ['x', 'ind'], ['gn']),
        node('ScatterND', ['x', 'ind', 'un'], ['sn'], reduction='mul'),
    ]
    return make(nodes, [('x', F, [3, 4]), ('ie', I64, [3, 2]),
                        ('ue', F, [3, 2]), ('ind', I64, [2, 1]),
                        ('un', F, [2, 4])], ['ge', 'se', 'gn', 'sn'], opset=16)


@model('scatter_v10')
def _():
    return make([node('Scatter', ['x', 'i', 'u'], ['y'], axis=0)],
                [('x', F, [3, 4]), ('i', I64, [1, 4]), ('u', F, [1, 4])], ['y'],
                opset=10)


@model('gather_nd_batch')
def _():
    return make([node('GatherND', ['x', 'i'], ['y'], batch_dims=1)],
                [('x', F, [2, 3, 4]), ('i', I64, [2, 1])], ['y'], opset=12)


# --- OneHot, DepthToSpace, SpaceToDepth, ReverseSequence, Compress -----------


@model('one_hot')
def _():
    return make([node('OneHot', ['i', 'depth', 'values'], ['y'], axis=0)],
                [('i', I64, [2, 3]), ('values', T.INT32, [2])], ['y'],
                [const('depth', 10.0, np.float32)], opset=11)


@model('one_hot_depth_shape')
def _():
    return make([node('OneHot', ['i', 'depth', 'values'], ['y'])],
                [('i', I64, [3]), ('values', F, [2])], ['y'],
                [const('depth', [2, 3])], opset=11)


@model('depth_space')
def _():
    return make([node('DepthToSpace', ['x'], ['y'], blocksize=2, mode='CRD'),
                 node('SpaceToDepth', ['y'], ['z'], blocksize=2)],
                [('x', F, [1, 8, 2, 3])], ['y', 'z'], opset=13)


@model('reverse_sequence')
def _():
    return make([node('ReverseSequence', ['x', 'lens'], ['y'], batch_axis=0,
                      time_axis=1)],
                [('x', F, [4, 3, 2]), ('lens', I64, [4])], ['y'], opset=10)


@model('compress')
def _():
    cond = numpy_helper.from_array(np.array([False, True, True]), 'cond')
    return make([node('Compress', ['x', 'cond'], ['y'], axis=0),
                 node('Compress', ['x', 'cond'], ['z'])],
                [('x', F, [3, 2])], ['y', 'z'], [cond], opset=11)


@model('compress_dynamic')
def _():
    return make([node('Compress', ['x', 'cond'], ['y'], axis=0)],
                [('x', F, [3, 2]), ('cond', T.BOOL, [3])], ['y'], opset=11)


@model('compress_rank')
def _():
    cond = numpy_helper.from_array(np.array([[False, True]]), 'cond')
    return make([node('Compress', ['x', 'cond'], ['y'], axis=0)],
                [('x', F, [3, 2])], ['y'], [cond], opset=11)


# --- Resize and Upsample -----------------------------------------------------


def resize(name, opset, inputs, inits, x_shape=(1, 1, 4, 4), **attrs):
    return make([node('Resize', inputs, ['y'], name=name, **attrs)],
                [('x', F, list(x_shape))], ['y'], inits, opset=opset)


@model('resize_v10')
def _():
    return resize('r', 10, ['x', 'scales'],
                  [const('scales', [1, 1, 2, 3], np.float32)], mode='linear')


@model('resize_v10_nearest')
def _():
    # ONNX's opset 10 downsampling example: [[1, 2, 3, 4], [5, 6, 7, 8]]
    # at 0.6 gives [[1, 3]].
    return resize('r', 10, ['x', 'scales'],
                  [const('scales', [1, 1, 0.6, 0.6], np.float32)],
                  x_shape=(1, 1, 2, 4), mode='nearest')


@model('resize_nearest_legacy')
def _():
    # graph.resize's own "legacy" mode is not an ONNX nearest_mode.
    return resize('r', 13, ['x', '', 'scales'],
                  [const('scales', [1, 1, 2, 2], np.float32)],
                  nearest_mode='legacy')


@model('resize_scales')
def _():
    # 0.6 * 4 = 2.4 floors to 2; the scale itself is kept for the
    # coordinate transformation.
    return resize('r', 13, ['x', '', 'scales'],
                  [const('scales', [1, 1, 0.6, 2], np.float32)], mode='cubic',
                  cubic_coeff_a=-0.5, exclude_outside=1,
                  coordinate_transformation_mode='align_corners')


@model('resize_sizes_v11')
def _():
    # Opset 11 needs the scales input; an empty tensor means "use sizes".
    return resize('r', 11, ['x', 'roi', 'scales', 'sizes'],
                  [const('roi', [], np.float32), const('scales', [], np.float32),
                   const('sizes', [1, 1, 3, 8])], mode='nearest',
                  coordinate_transformation_mode='tf_half_pixel_for_nn',
                  nearest_mode='ceil')


@model('resize_crop')
def _():
    return resize('r', 13, ['x', 'roi', '', 'sizes'],
                  [const('roi', [0, 0, 0.4, 0.6, 1, 1, 0.6, 0.8], np.float32),
                   const('sizes', [1, 1, 3, 3])], mode='linear',
                  coordinate_transformation_mode='tf_crop_and_resize',
                  extrapolation_value=10.0)


@model('resize_both')
def _():
    return resize('r', 13, ['x', '', 'scales', 'sizes'],
                  [const('scales', [1, 1, 2, 2], np.float32),
                   const('sizes', [1, 1, 8, 8])])


@model('resize_neither')
def _():
    return resize('r', 13, ['x', 'roi'], [const('roi', [], np.float32)])


@model('resize_mode')
def _():
    return resize('r', 13, ['x', '', 'scales'],
                  [const('scales', [1, 1, 2, 2], np.float32)], mode='area')


@model('resize_transform')
def _():
    return resize('r', 13, ['x', '', 'scales'],
                  [const('scales', [1, 1, 2, 2], np.float32)],
                  coordinate_transformation_mode='center')


@model('resize_nearest_mode')
def _():
    return resize('r', 13, ['x', '', 'scales'],
                  [const('scales', [1, 1, 2, 2], np.float32)],
                  nearest_mode='round')


@model('resize_scale_count')
def _():
    return resize('r', 13, ['x', '', 'scales'],
                  [const('scales', [2, 2], np.float32)])


@model('resize_scale_negative')
def _():
    return resize('r', 13, ['x', '', 'scales'],
                  [const('scales', [1, 1, -2, 2], np.float32)])


@model('resize_size_negative')
def _():
    return resize('r', 13, ['x', '', '', 'sizes'],
                  [const('sizes', [1, 1, -2, 2])])


@model('resize_size_count')
def _():
    return resize('r', 13, ['x', '', '', 'sizes'], [const('sizes', [2, 2])])


@model('resize_roi_count')
def _():
    return resize('r', 13, ['x', 'roi', '', 'sizes'],
                  [const('roi', [0, 1], np.float32),
                   const('sizes', [1, 1, 2, 2])],
                  coordinate_transformation_mode='tf_crop_and_resize')


@model('upsample_v7')
def _():
    return make([node('Upsample', ['x'], ['y'], scales=[1.0, 2.0], mode='nearest')],
                [('x', F, [2, 3])], ['y'], opset=7)


@model('upsample_v9')
def _():
    return make([node('Upsample', ['x', 'scales'], ['y'], mode='linear')],
                [('x', F, [2, 3])], ['y'],
                [const('scales', [2.0, 1.5], np.float32)], opset=9)


@model('upsample_mode')
def _():
    return make([node('Upsample', ['x', 'scales'], ['y'], mode='cubic')],
                [('x', F, [2, 3])], ['y'],
                [const('scales', [2.0, 1.5], np.float32)], opset=9)


# Input data for the models data-eval.test runs: NAME.INPUT.npy.
EVAL_INPUTS = {
    'pad_v2': {'x': np.arange(6, dtype=np.float32).reshape(2, 3)},
    'trilu': {'x': np.arange(1, 10, dtype=np.float32).reshape(3, 3)},
    'upsample_v7': {'x': np.arange(6, dtype=np.float32).reshape(2, 3)},
    'resize_v10': {'x': np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)},
    'resize_v10_nearest': {
        'x': np.arange(1, 9, dtype=np.float32).reshape(1, 1, 2, 4)},
    'reverse_sequence': {'x': np.arange(24, dtype=np.float32).reshape(4, 3, 2),
                         'lens': np.array([1, 2, 3, 0], dtype=np.int64)},
    'gathers_scatters': {
        'x': np.arange(12, dtype=np.float32).reshape(3, 4),
        'ie': np.array([[3, 0], [1, 1], [-1, 2]], dtype=np.int64),
        'ue': np.ones([3, 2], dtype=np.float32),
        'ind': np.array([[2], [0]], dtype=np.int64),
        'un': np.full([2, 4], 2, dtype=np.float32)},
    'one_hot': {'i': np.array([[0, 9, -1], [3, 10, -11]], dtype=np.int64),
                'values': np.array([0, 1], dtype=np.int32)},
}


def main():
    out_dir = sys.argv[1]
    names = sys.argv[2:] or sorted(MODELS)
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        onnx.save(MODELS[name](), os.path.join(out_dir, name + '.onnx'))
        for input_name, value in EVAL_INPUTS.get(name, {}).items():
            np.save(os.path.join(out_dir, f'{name}.{input_name}.npy'), value)


if __name__ == '__main__':
    main()
