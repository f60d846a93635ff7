// RUN: tessera-opt %s -split-input-file -verify-diagnostics

func.func @bad_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error@+2 {{shapes 2x3 and 4 are not broadcastable}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @wrong_result(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<2x4xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.exp %a : (tensor<2x3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @int_exp(%a: tensor<2xi32>) -> tensor<2xi32> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of}}
  %0 = graph.exp %a : (tensor<2xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @bad_perm(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error@+2 {{invalid permutation entry 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.transpose %a {perm = array<i64: 2, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @bad_reshape(%a: tensor<2x3xf32>) -> tensor<4x2xf32> {
  // expected-error@+2 {{cannot reshape 6 elements into 4x2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.reshape %a {shape = array<i64: 4, 2>} : (tensor<2x3xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @bad_cast(%a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{result element type 'f32' differs from 'to' 'i64'}}
  %0 = "graph.cast"(%a) {to = i64} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
