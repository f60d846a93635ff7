//===- ModelChecks.h - Checks that must run before ONNX shape inference ---===//
//
// ONNX's shape inference trusts the model: it reads initializer data by the
// declared dims and indexes shapes by unchecked attributes. These checks run
// first and turn such models into errors naming the tensor or node.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_IMPORT_ONNX_MODELCHECKS_H
#define TESSERA_LIB_IMPORT_ONNX_MODELCHECKS_H

#include <string>

namespace onnx {
class ModelProto;
class TensorProto;
} // namespace onnx

namespace tessera::onnx_import {

/// Does the stored data of `t` (raw bytes or the typed field its data type
/// uses) hold exactly the element count its dims declare? External data is
/// checked when it is read. Sets `error` and returns false if not.
bool checkTensorDataSize(const onnx::TensorProto &t, std::string &error);

/// Every initializer and tensor attribute in the model (subgraphs included)
/// passes checkTensorDataSize.
bool checkInlineTensors(const onnx::ModelProto &model, std::string &error);

/// Every LayerNormalization axis lies in [-rank, rank) of its input. Ranks
/// come from the model's declared types; where one is unknown, from shape
/// inference on a copy whose unchecked axes are set to -1 (always valid).
bool checkNormalizationAxes(const onnx::ModelProto &model, std::string &error);

/// Inputs that ONNX 1.12's shape inference indexes without checking have
/// usable ranks: every STFT's (signal 3, window 1, frame_step and
/// frame_length 0), every convolution's (Conv, ConvInteger, ConvTranspose,
/// QLinearConv: data and weight of one rank, at least 3) and every
/// MaxUnpool's (X and indices, likewise).
/// Ranks come from the declared types, then from shape inference on a copy
/// in which those nodes are in an unknown domain (so their inference does
/// not run).
bool checkInputRanks(const onnx::ModelProto &model, std::string &error);

} // namespace tessera::onnx_import

#endif // TESSERA_LIB_IMPORT_ONNX_MODELCHECKS_H
