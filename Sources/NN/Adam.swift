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
            var first = firstMoments[index], second = secondMoments[index]
            for element in 0..<values.count {
                var g = gradient.scalars[element]
                if weightDecay != 0 { g += weightDecay * values[element] }
                first[element] = first[element] * beta1 + (1 - beta1) * g
                second[element] = second[element] * beta2 + (1 - beta2) * g * g
                let denominator = second[element].squareRoot() / correction2Root + eps
                values[element] -= stepSize * (first[element] / denominator)
            }
            firstMoments[index] = first
            secondMoments[index] = second
            parameter.assign(Tensor(shape: parameter.shape, scalars: values))
        }
    }

    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }
}

extension Double {
    /// `self` raised to a non-negative integer power (as Python's `beta ** step`).
    func power(_ exponent: Int) -> Double { Foundation.pow(self, Double(exponent)) }
}
