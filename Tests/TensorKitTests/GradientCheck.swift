import Testing
@testable import TensorKit

/// Finite-difference gradient checking.
///
/// The objective is `L = Σ f(inputs) ⊙ R` with a fixed random `R`, so every output element
/// contributes with a distinct weight. Each input element is perturbed by ±`step` and the central
/// difference `(L(x+h) − L(x−h)) / 2h` is compared with the autograd gradient.
///
/// Tolerance: |analytic − numeric| ≤ `absolute` + `relative`·|numeric|. With Float32 and h = 1e-2
/// the truncation error is O(h²)·f''' and the rounding error about 1e-7·|L|/h, so the defaults
/// (2e-3 absolute, 2e-2 relative) separate a wrong rule from noise.
func checkGradients(
    _ inputs: [Tensor],
    step: Float = 1e-2,
    absolute: Float = 2e-3,
    relative: Float = 2e-2,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Tensor]) -> Tensor
) {
    var generator = SeededGenerator(seed: 99)
    let probe = function(inputs)
    let weights = Tensor.uniform(probe.shape, low: -1, high: 1, generator: &generator)
    func objective(_ values: [Tensor]) -> Float {
        withoutGrad { (function(values) * weights).scalars.reduce(0, +) }
    }

    let leaves = inputs.map { $0.requiringGrad() }
    let output = function(leaves)
    (output * weights).sum().backward()

    for (inputIndex, input) in inputs.enumerated() {
        let analytic = leaves[inputIndex].grad ?? Tensor.zeros(input.shape)
        #expect(analytic.shape == input.shape, "gradient shape for input \(inputIndex)", sourceLocation: sourceLocation)
        var worst: (difference: Float, element: Int, analytic: Float, numeric: Float) = (0, -1, 0, 0)
        var failed = false
        for element in 0..<input.count {
            var plus = inputs, minus = inputs
            plus[inputIndex].scalars[element] += step
            minus[inputIndex].scalars[element] -= step
            let numeric = (objective(plus) - objective(minus)) / (2 * step)
            let value = analytic.scalars[element]
            let difference = Swift.abs(value - numeric)
            if difference > worst.difference { worst = (difference, element, value, numeric) }
            if difference > absolute + relative * Swift.abs(numeric) { failed = true }
        }
        #expect(!failed, """
            input \(inputIndex) \(input.shape): max |analytic − numeric| = \(worst.difference) \
            at element \(worst.element) (analytic \(worst.analytic), numeric \(worst.numeric))
            """, sourceLocation: sourceLocation)
    }
}

/// A tensor of reproducible values in [low, high).
func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, generator: &generator)
}
