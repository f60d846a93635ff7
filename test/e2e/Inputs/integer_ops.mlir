// Integer work with no single vector instruction, checked end to end by
// integer_ops.test: uint32 data kept as its bit pattern in i32 tiles
// (unsigned order, division, conversion to float), bit shifts of uint8,
// uint16 and uint32, integer powers, and LRN. The seeded random inputs are
// 0..3 (integers) or in [-1, 1) (floats); products with the constants below
// spread the uint32 values over the whole range, 2^31 and above included.
func.func @main(%x: tensor<4x8xui32> {graph.name = "x"}, %y: tensor<4x8xui32> {graph.name = "y"},
                %s: tensor<4x8xui16> {graph.name = "s"}, %b: tensor<4x8xui8> {graph.name = "b"},
                %i: tensor<4x8xi32> {graph.name = "i"}, %e: tensor<4x8xi32> {graph.name = "e"},
                %f: tensor<4x8xf32> {graph.name = "f"}, %img: tensor<2x7x3x3xf32> {graph.name = "img"})
    -> (tensor<4x8xui32> {graph.name = "umax"}, tensor<4x8xui32> {graph.name = "umin"},
        tensor<4x8xui32> {graph.name = "udiv"}, tensor<4x8xui32> {graph.name = "umod"},
        tensor<4x8xi1> {graph.name = "uless"}, tensor<4x8xi1> {graph.name = "ugreater_equal"},
        tensor<4x8xf32> {graph.name = "u2f"}, tensor<4x8xui32> {graph.name = "ushl"},
        tensor<4x8xui32> {graph.name = "ushr"}, tensor<4x8xui16> {graph.name = "shl16"},
        tensor<4x8xui16> {graph.name = "shr16"}, tensor<4x8xui8> {graph.name = "shl8"},
        tensor<4x8xui8> {graph.name = "shr8"}, tensor<4x8xi32> {graph.name = "ipow"},
        tensor<4x8xi32> {graph.name = "ipow_f"}, tensor<4x8xf32> {graph.name = "fpow_u"},
        tensor<2x7x3x3xf32> {graph.name = "lrn3"}, tensor<2x7x3x3xf32> {graph.name = "lrn4"}) {
  %cx = graph.constant dense<[[1, 1073741824, 1431655765, 2147483648, 4294967295, 3000000000, 65537, 2863311530]]> : tensor<1x8xui32>
  %cy = graph.constant dense<[[3, 2147483647, 2147483648, 1, 4294967295, 65536, 7, 3000000000]]> : tensor<1x8xui32>
  %bx = graph.mul %x, %cx : (tensor<4x8xui32>, tensor<1x8xui32>) -> tensor<4x8xui32>
  %my = graph.mul %y, %cy : (tensor<4x8xui32>, tensor<1x8xui32>) -> tensor<4x8xui32>
  %by = graph.add %my, %cy : (tensor<4x8xui32>, tensor<1x8xui32>) -> tensor<4x8xui32>
  %0 = graph.max %bx, %by : (tensor<4x8xui32>, tensor<4x8xui32>) -> tensor<4x8xui32>
  %1 = graph.min %bx, %by : (tensor<4x8xui32>, tensor<4x8xui32>) -> tensor<4x8xui32>
  %2 = graph.div %bx, %by : (tensor<4x8xui32>, tensor<4x8xui32>) -> tensor<4x8xui32>
  %3 = graph.mod %bx, %by : (tensor<4x8xui32>, tensor<4x8xui32>) -> tensor<4x8xui32>
  %4 = graph.less %bx, %by : (tensor<4x8xui32>, tensor<4x8xui32>) -> tensor<4x8xi1>
  %5 = graph.greater_equal %bx, %by : (tensor<4x8xui32>, tensor<4x8xui32>) -> tensor<4x8xi1>
  %6 = graph.cast %bx {to = f32} : (tensor<4x8xui32>) -> tensor<4x8xf32>
  // Shift amounts 0..93: 32 and more shift everything out.
  %ca = graph.constant dense<[[0, 1, 5, 9, 10, 31, 3, 7]]> : tensor<1x8xui32>
  %amt = graph.mul %y, %ca : (tensor<4x8xui32>, tensor<1x8xui32>) -> tensor<4x8xui32>
  %7 = graph.shift_left %bx, %amt : (tensor<4x8xui32>, tensor<4x8xui32>) -> tensor<4x8xui32>
  %8 = graph.shift_right %bx, %amt : (tensor<4x8xui32>, tensor<4x8xui32>) -> tensor<4x8xui32>
  // uint16 values up to 65535 and amounts 0..21: a left shift drops the
  // bits past 16.
  %c16 = graph.constant dense<[[1, 21845, 4369, 12345, 3, 21000, 255, 16384]]> : tensor<1x8xui16>
  %a16 = graph.constant dense<[[0, 1, 3, 7, 5, 2, 4, 6]]> : tensor<1x8xui16>
  %v16 = graph.mul %s, %c16 : (tensor<4x8xui16>, tensor<1x8xui16>) -> tensor<4x8xui16>
  %m16 = graph.mul %s, %a16 : (tensor<4x8xui16>, tensor<1x8xui16>) -> tensor<4x8xui16>
  %9 = graph.shift_left %v16, %m16 : (tensor<4x8xui16>, tensor<4x8xui16>) -> tensor<4x8xui16>
  %10 = graph.shift_right %v16, %m16 : (tensor<4x8xui16>, tensor<4x8xui16>) -> tensor<4x8xui16>
  %c8 = graph.constant dense<[[1, 85, 17, 60, 3, 70, 40, 64]]> : tensor<1x8xui8>
  %a8 = graph.constant dense<[[0, 1, 3, 2, 1, 2, 3, 1]]> : tensor<1x8xui8>
  %v8 = graph.mul %b, %c8 : (tensor<4x8xui8>, tensor<1x8xui8>) -> tensor<4x8xui8>
  %m8 = graph.mul %b, %a8 : (tensor<4x8xui8>, tensor<1x8xui8>) -> tensor<4x8xui8>
  %11 = graph.shift_left %v8, %m8 : (tensor<4x8xui8>, tensor<4x8xui8>) -> tensor<4x8xui8>
  %12 = graph.shift_right %v8, %m8 : (tensor<4x8xui8>, tensor<4x8xui8>) -> tensor<4x8xui8>
  // Bases -3..3, exponents -1..98: negative, zero and wrapping powers.
  %ci = graph.constant dense<[[1, 2, 0, 3, 1, 2, 0, 1]]> : tensor<1x8xi32>
  %ce = graph.constant dense<[[1, 5, 11, 31, 33, 2, 1, 7]]> : tensor<1x8xi32>
  %one = graph.constant dense<1> : tensor<i32>
  %base = graph.sub %i, %ci : (tensor<4x8xi32>, tensor<1x8xi32>) -> tensor<4x8xi32>
  %ee = graph.mul %e, %ce : (tensor<4x8xi32>, tensor<1x8xi32>) -> tensor<4x8xi32>
  %exp = graph.sub %ee, %one : (tensor<4x8xi32>, tensor<i32>) -> tensor<4x8xi32>
  %13 = graph.pow %base, %exp : (tensor<4x8xi32>, tensor<4x8xi32>) -> tensor<4x8xi32>
  // Integer bases 1..4 with f32 exponents: whole (-8..7) in the first
  // column half, fractional in the rest.
  %pb = graph.add %i, %one : (tensor<4x8xi32>, tensor<i32>) -> tensor<4x8xi32>
  %eight = graph.constant dense<8.0> : tensor<f32>
  %f8 = graph.mul %f, %eight : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %fw = graph.floor %f8 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %sel = graph.constant dense<[[true, true, true, true, false, false, false, false]]> : tensor<1x8xi1>
  %fe = graph.where %sel, %fw, %f8 : (tensor<1x8xi1>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %14 = graph.pow %pb, %fe : (tensor<4x8xi32>, tensor<4x8xf32>) -> tensor<4x8xi32>
  // A float base with a uint32 exponent (0..3 times small constants).
  %cu = graph.constant dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xui32>
  %ue = graph.mul %y, %cu : (tensor<4x8xui32>, tensor<1x8xui32>) -> tensor<4x8xui32>
  %15 = graph.pow %f, %ue : (tensor<4x8xf32>, tensor<4x8xui32>) -> tensor<4x8xf32>
  %16 = graph.lrn %img {size = 3 : i64, alpha = 0.5 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : (tensor<2x7x3x3xf32>) -> tensor<2x7x3x3xf32>
  %17 = graph.lrn %img {size = 4 : i64, alpha = 2.0 : f32, beta = 0.5 : f32, bias = 2.0 : f32} : (tensor<2x7x3x3xf32>) -> tensor<2x7x3x3xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17
      : tensor<4x8xui32>, tensor<4x8xui32>, tensor<4x8xui32>, tensor<4x8xui32>, tensor<4x8xi1>, tensor<4x8xi1>,
        tensor<4x8xf32>, tensor<4x8xui32>, tensor<4x8xui32>, tensor<4x8xui16>, tensor<4x8xui16>,
        tensor<4x8xui8>, tensor<4x8xui8>, tensor<4x8xi32>, tensor<4x8xi32>, tensor<4x8xf32>,
        tensor<2x7x3x3xf32>, tensor<2x7x3x3xf32>
}
