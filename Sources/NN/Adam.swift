import Foundation
import TensorKit

/// Adam (Kingma & Ba 2015) exactly as `torch.optim.Adam` computes it in float32: L2 weight decay
/// added to the gradient, bias-corrected moments, and
/// `p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)`.
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let eps: Float
    public let weightDecay: Float
    /// The parameters, in the order their state is saved (state-dict order).
    public let parameters: [Parameter]
    /// Number of steps taken (PyTorch's per-parameter `step`; all parameters step together here).
    public internal(set) var stepCount = 0
    /// First and second moment estimates, one per parameter (PyTorch's `exp_avg`, `exp_avg_sq`).
    public internal(set) var firstMoments: [[Float]]
    public internal(set) var secondMoments: [[Float]]

    public init(parameters: [Parameter], learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        secondMoments = firstMoments
    }

    /// Restores moments and step count (from a checkpoint).
    public func restore(stepCount: Int, firstMoments: [[Float]], secondMoments: [[Float]]) {
        precondition(firstMoments.count == parameters.count && secondMoments.count == parameters.count,
                     "Adam.restore: state for \(firstMoments.count) parameters, optimizer has \(parameters.count)")
        for (index, parameter) in parameters.enumerated() {
            precondition(firstMoments[index].count == parameter.value.count && secondMoments[index].count == parameter.value.count,
                         "Adam.restore: moment sizes differ from parameter \(index) of shape \(parameter.shape)")
        }
        self.stepCount = stepCount
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }

    public func step() {
        stepCount += 1
        let biasCorrection1 = 1 - Float(Double(beta1).power(stepCount))
        let biasCorrection2 = 1 - Float(Double(beta2).power(stepCount))
        let stepSize = learningRate / biasCorrection1
        let correction2Root = biasCorrection2.squareRoot()
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.grad else { continue }
            var values = parameter.value.scalars
            gradient.scalars.withUnsafeBufferPointer { gradientBuffer in
                values.withUnsafeMutableBufferPointer { valueBuffer in
                    firstMoments[index].withUnsafeMutableBufferPointer { firstBuffer in
                        secondMoments[index].withUnsafeMutableBufferPointer { secondBuffer in
                            update(values: valueBuffer, gradient: gradientBuffer, first: firstBuffer, second: secondBuffer,
                                   stepSize: stepSize, correction2Root: correction2Root)
                        }
                    }
                }
            }
            parameter.assign(Tensor(shape: parameter.shape, scalars: values))
        }
    }

    /// One Adam update of one parameter, in place (buffers of equal length, not overlapping).
    private func update(values: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
                        first: UnsafeMutableBufferPointer<Float>, second: UnsafeMutableBufferPointer<Float>,
                        stepSize: Float, correction2Root: Float) {
        precondition(gradient.count == values.count && first.count == values.count && second.count == values.count,
                     "Adam: gradient or moments differ in size from the parameter")
        guard let value = values.baseAddress, let g0 = gradient.baseAddress,
              let m = first.baseAddress, let v = second.baseAddress else { return }
        let count = values.count
        // Eight lanes at a time (the same IEEE operations per element as the scalar tail, so the
        // result does not depend on where a parameter's elements fall), then the remainder.
        typealias Lanes = SIMD8<Float>
        let laneCount = count / Lanes.scalarCount * Lanes.scalarCount
        let (beta1, beta2, eps, weightDecay) = (Lanes(repeating: self.beta1), Lanes(repeating: self.beta2),
                                                Lanes(repeating: self.eps), Lanes(repeating: self.weightDecay))
        let (oneMinusBeta1, oneMinusBeta2) = (1 - beta1, 1 - beta2)
        let (step, root) = (Lanes(repeating: stepSize), Lanes(repeating: correction2Root))
        var element = 0
        while element < laneCount {
            var g = UnsafeRawPointer(g0 + element).loadUnaligned(as: Lanes.self)
            let parameter = UnsafeRawPointer(value + element).loadUnaligned(as: Lanes.self)
            if self.weightDecay != 0 { g += weightDecay * parameter }
            let firstMoment = UnsafeRawPointer(m + element).loadUnaligned(as: Lanes.self) * beta1 + oneMinusBeta1 * g
            let secondMoment = UnsafeRawPointer(v + element).loadUnaligned(as: Lanes.self) * beta2 + oneMinusBeta2 * g * g
            let denominator = secondMoment.squareRoot() / root + eps
            UnsafeMutableRawPointer(m + element).storeBytes(of: firstMoment, as: Lanes.self)
            UnsafeMutableRawPointer(v + element).storeBytes(of: secondMoment, as: Lanes.self)
            UnsafeMutableRawPointer(value + element).storeBytes(of: parameter - step * (firstMoment / denominator), as: Lanes.self)
            element += Lanes.scalarCount
        }
        while element < count {
            var g = g0[element]
            if self.weightDecay != 0 { g += self.weightDecay * value[element] }
            m[element] = m[element] * self.beta1 + (1 - self.beta1) * g
            v[element] = v[element] * self.beta2 + (1 - self.beta2) * g * g
            let denominator = v[element].squareRoot() / correction2Root + self.eps
            value[element] -= stepSize * (m[element] / denominator)
            element += 1
        }
    }

    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }
}

extension Double {
    /// `self` raised to a non-negative integer power (as Python's `beta ** step`).
    func power(_ exponent: Int) -> Double { Foundation.pow(self, Double(exponent)) }
}
