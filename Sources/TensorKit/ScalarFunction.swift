/// Scalar functions as types, so that element-wise kernels can be generic over them.
///
/// A kernel generic over one of these protocols is specialised for each concrete function and the
/// function inlines into its loop (which then vectorises). Passing a closure instead costs an
/// indirect call per element — about ten times slower on the 2.4 M-element activations of the
/// attention network.
protocol UnaryScalarFunction {
    func callAsFunction(_ x: Float) -> Float
}

/// A scalar function of two operands; see ``UnaryScalarFunction``.
protocol BinaryScalarFunction {
    func callAsFunction(_ lhs: Float, _ rhs: Float) -> Float
}

/// Wraps a closure for the rarely used element-wise operations (one indirect call per element).
struct ClosureUnaryFunction: UnaryScalarFunction {
    let body: (Float) -> Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { body(x) }
}

/// The element-wise functions on the hot paths of training.
enum ScalarFunctions {
    struct Sum: BinaryScalarFunction {
        @inline(__always) func callAsFunction(_ lhs: Float, _ rhs: Float) -> Float { lhs + rhs }
    }
    struct Difference: BinaryScalarFunction {
        @inline(__always) func callAsFunction(_ lhs: Float, _ rhs: Float) -> Float { lhs - rhs }
    }
    struct Product: BinaryScalarFunction {
        @inline(__always) func callAsFunction(_ lhs: Float, _ rhs: Float) -> Float { lhs * rhs }
    }
    struct Quotient: BinaryScalarFunction {
        @inline(__always) func callAsFunction(_ lhs: Float, _ rhs: Float) -> Float { lhs / rhs }
    }
    /// The right operand (broadcasting a tensor into a shape).
    struct SecondOperand: BinaryScalarFunction {
        @inline(__always) func callAsFunction(_ lhs: Float, _ rhs: Float) -> Float { rhs }
    }
    /// `x · scale + shift`.
    struct Affine: UnaryScalarFunction {
        let scale: Float, shift: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x * scale + shift }
    }
    /// `max(x, 0)`.
    struct Rectifier: UnaryScalarFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.max(x, 0) }
    }
    /// The ReLU's backward rule for (gradient, input): the gradient where the input is positive, else 0.
    struct RectifierGradient: BinaryScalarFunction {
        @inline(__always) func callAsFunction(_ gradient: Float, _ input: Float) -> Float { input > 0 ? gradient : 0 }
    }
}
