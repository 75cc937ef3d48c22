import Foundation

// MARK: - Binary arithmetic (broadcasting)

extension Tensor {
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        let (shape, values) = Broadcasting.apply(lhs, rhs, operation: "add", ScalarFunctions.Sum())
        return .recorded(shape: shape, scalars: values, .add(lhs, rhs), inputs: lhs, rhs)
    }

    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        let (shape, values) = Broadcasting.apply(lhs, rhs, operation: "subtract", ScalarFunctions.Difference())
        return .recorded(shape: shape, scalars: values, .subtract(lhs, rhs), inputs: lhs, rhs)
    }

    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        let (shape, values) = Broadcasting.apply(lhs, rhs, operation: "multiply", ScalarFunctions.Product())
        return .recorded(shape: shape, scalars: values, .multiply(lhs, rhs), inputs: lhs, rhs)
    }

    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        let (shape, values) = Broadcasting.apply(lhs, rhs, operation: "divide", ScalarFunctions.Quotient())
        return .recorded(shape: shape, scalars: values, .divide(lhs, rhs), inputs: lhs, rhs)
    }

    public static prefix func - (operand: Tensor) -> Tensor { operand.scaled(by: -1) }

    /// `self * scale + shift` for constant scalars.
    public func scaled(by scale: Float, shifted shift: Float = 0) -> Tensor {
        let values = mappedScalars(ScalarFunctions.Affine(scale: scale, shift: shift))
        return .recorded(shape: shape, scalars: values, .affine(self, scale: scale), inputs: self)
    }

    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.scaled(by: 1, shifted: rhs) }
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.scaled(by: 1, shifted: -rhs) }
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.scaled(by: rhs) }
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs.scaled(by: 1 / rhs) }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.scaled(by: lhs) }
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs.scaled(by: 1, shifted: lhs) }
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { rhs.scaled(by: -1, shifted: lhs) }
}

// MARK: - Unary functions

extension Tensor {
    /// Element-wise map without gradient recording (a building block for kernels and rules).
    public func mapScalars(_ transform: (Float) -> Float) -> Tensor {
        Tensor(shape: shape, scalars: mappedScalars(transform))
    }

    /// `scalars.map(transform)`, split over cores for large tensors.
    @inline(__always)
    func mappedScalars(_ transform: (Float) -> Float) -> [Float] {
        withoutActuallyEscaping(transform) { mappedScalars(ClosureUnaryFunction(body: $0)) }
    }

    /// `scalars.map(function)`, split over cores, with `function` inlined into the loop.
    @inline(__always)
    func mappedScalars<Function: UnaryScalarFunction>(_ function: Function) -> [Float] {
        scalars.withUnsafeBufferPointer { source in
            let input = source.baseAddress
            return ParallelLoop.makeArray(count: source.count) { range, output in
                for index in range { output[index] = function(input![index]) }
            }
        }
    }

    public func exp() -> Tensor {
        let output = mapScalars { Foundation.exp($0) }
        return .recorded(shape: shape, scalars: output.scalars, .exp(self, output: output), inputs: self)
    }

    public func log() -> Tensor {
        .recorded(shape: shape, scalars: mappedScalars { Foundation.log($0) }, .log(self), inputs: self)
    }

    public func sqrt() -> Tensor {
        let output = mapScalars { $0.squareRoot() }
        return .recorded(shape: shape, scalars: output.scalars, .sqrt(self, output: output), inputs: self)
    }

    /// Each element raised to a constant power.
    public func pow(_ exponent: Float) -> Tensor {
        let values: [Float]
        switch exponent {
        case 2: values = mappedScalars { $0 * $0 }
        case 1: values = scalars
        default: values = mappedScalars { Foundation.pow($0, exponent) }
        }
        return .recorded(shape: shape, scalars: values, .power(self, exponent: exponent), inputs: self)
    }

    public func tanh() -> Tensor {
        let output = mapScalars { Foundation.tanh($0) }
        return .recorded(shape: shape, scalars: output.scalars, .tanh(self, output: output), inputs: self)
    }

    public func sigmoid() -> Tensor {
        // Written to avoid overflow of exp for large |x|.
        let output = mapScalars { $0 >= 0 ? 1 / (1 + Foundation.exp(-$0)) : Foundation.exp($0) / (1 + Foundation.exp($0)) }
        return .recorded(shape: shape, scalars: output.scalars, .sigmoid(self, output: output), inputs: self)
    }

    public func relu() -> Tensor {
        .recorded(shape: shape, scalars: mappedScalars(ScalarFunctions.Rectifier()), .relu(self), inputs: self)
    }

    /// `min(max(x, 0), 6)`, as MobileNet uses.
    public func relu6() -> Tensor {
        .recorded(shape: shape, scalars: mappedScalars { Swift.min(Swift.max($0, 0), 6) }, .relu6(self), inputs: self)
    }

    /// Each element limited to `[minimum, maximum]`; the gradient is 1 inside, 0 outside.
    public func clamped(min minimum: Float, max maximum: Float) -> Tensor {
        precondition(minimum <= maximum, "clamped: min \(minimum) > max \(maximum)")
        return .recorded(shape: shape, scalars: mappedScalars { Swift.min(Swift.max($0, minimum), maximum) },
                         .clamp(self, min: minimum, max: maximum), inputs: self)
    }

    public func abs() -> Tensor {
        .recorded(shape: shape, scalars: mappedScalars { Swift.abs($0) }, .abs(self), inputs: self)
    }
}
