// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// The verifiers of the sequence and optional types and ops.

// expected-error@+1 {{sequence element 0 ('tensor<2xi32>') does not have the sequence's element type 'f32'}}
func.func @mixed(%s: !graph.seq<f32, [tensor<2xi32>]>) {
  return
}

// -----

// expected-error@+1 {{sequence element 0 ('tensor<?xf32>') is not a statically shaped tensor}}
func.func @dynamic(%s: !graph.seq<f32, [tensor<?xf32>]>) {
  return
}

// -----

// expected-error@+1 {{an optional holds a statically shaped tensor or a sequence, not 'f32'}}
func.func @scalar(%o: !graph.opt<f32>) {
  return
}

// -----

func.func @construct(%a: tensor<2xf32>) {
  // expected-error@+1 {{result type '!graph.seq<f32, [tensor<3xf32>]>' does not list the operands' types in order}}
  %0 = graph.seq_construct %a : (tensor<2xf32>) -> !graph.seq<f32, [tensor<3xf32>]>
  return
}

// -----

func.func @at(%s: !graph.seq<f32, [tensor<2xf32>]>) {
  // expected-error@+1 {{index 1 is out of range for a sequence of 1 elements}}
  %0 = graph.seq_at %s {index = 1 : i64} : (!graph.seq<f32, [tensor<2xf32>]>) -> tensor<2xf32>
  return
}

// -----

func.func @at_type(%s: !graph.seq<f32, [tensor<2xf32>]>) {
  // expected-error@+1 {{result type 'tensor<3xf32>' is not element 0's type 'tensor<2xf32>'}}
  %0 = graph.seq_at %s {index = 0 : i64} : (!graph.seq<f32, [tensor<2xf32>]>) -> tensor<3xf32>
  return
}

// -----

func.func @get_empty(%o: !graph.opt<none, tensor<2xf32>>) {
  // expected-error@+1 {{the optional '!graph.opt<none, tensor<2xf32>>' is empty: it holds no value to get}}
  %0 = graph.opt_get %o : (!graph.opt<none, tensor<2xf32>>) -> tensor<2xf32>
  return
}

// -----

func.func @wrap(%a: tensor<2xf32>) {
  // expected-error@+1 {{result type '!graph.opt<tensor<3xf32>>' must be a present optional of 'tensor<2xf32>'}}
  %0 = graph.opt_wrap %a : (tensor<2xf32>) -> !graph.opt<tensor<3xf32>>
  return
}

// -----

func.func @none() {
  // expected-error@+1 {{result type '!graph.opt<tensor<3xf32>>' must be an empty optional (opt<none, T>)}}
  %0 = graph.opt_none : () -> !graph.opt<tensor<3xf32>>
  return
}
