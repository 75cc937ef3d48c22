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
            let count = parameter.value.count
            precondition(gradient.count == count && firstMoments[index].count == count && secondMoments[index].count == count,
                         "Adam: gradient or moments differ in size from the parameter")
            // The new values go into a fresh array in the same pass (the old ones are usually still
            // shared with the autograd graph, so an in-place update would copy them first).
            let values = [Float](unsafeUninitializedCapacity: count) { target, initialized in
                parameter.value.scalars.withUnsafeBufferPointer { old in
                    gradient.scalars.withUnsafeBufferPointer { gradientBuffer in
                        firstMoments[index].withUnsafeMutableBufferPointer { firstBuffer in
                            secondMoments[index].withUnsafeMutableBufferPointer { secondBuffer in
                                guard count > 0 else { return }
                                let (source, g, m, v, output) = (old.baseAddress!, gradientBuffer.baseAddress!,
                                                                 firstBuffer.baseAddress!, secondBuffer.baseAddress!, target.baseAddress!)
                                // Element-wise, so a split over the cores changes no value.
                                let chunks = count >= Self.parallelCount ? ParallelLoop.workerCount : 1
                                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                                    let start = count * chunk / chunks, end = count * (chunk + 1) / chunks
                                    update(values: source + start, into: output + start, gradient: g + start, first: m + start,
                                           second: v + start, count: end - start, stepSize: stepSize, correction2Root: correction2Root)
                                }
                            }
                        }
                    }
                }
                initialized = count
            }
            parameter.assign(Tensor(shape: parameter.shape, scalars: values))
        }
    }

    /// Parameters of at least this many elements are updated on every core.
    static let parallelCount = 1 << 16

    /// One Adam update of `count` elements: moments in place, the new values from `values` into
    /// `output` (which may equal `values`). A kernel: the caller sizes every buffer to `count`.
    private func update(values: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, gradient g0: UnsafePointer<Float>,
                        first m: UnsafeMutablePointer<Float>, second v: UnsafeMutablePointer<Float>, count: Int,
                        stepSize: Float, correction2Root: Float) {
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
            let parameter = UnsafeRawPointer(values + element).loadUnaligned(as: Lanes.self)
            if self.weightDecay != 0 { g += weightDecay * parameter }
            let firstMoment = UnsafeRawPointer(m + element).loadUnaligned(as: Lanes.self) * beta1 + oneMinusBeta1 * g
            let secondMoment = UnsafeRawPointer(v + element).loadUnaligned(as: Lanes.self) * beta2 + oneMinusBeta2 * g * g
            let denominator = secondMoment.squareRoot() / root + eps
            UnsafeMutableRawPointer(m + element).storeBytes(of: firstMoment, as: Lanes.self)
            UnsafeMutableRawPointer(v + element).storeBytes(of: secondMoment, as: Lanes.self)
            UnsafeMutableRawPointer(output + element).storeBytes(of: parameter - step * (firstMoment / denominator), as: Lanes.self)
            element += Lanes.scalarCount
        }
        while element < count {
            var g = g0[element]
            if self.weightDecay != 0 { g += self.weightDecay * values[element] }
            m[element] = m[element] * self.beta1 + (1 - self.beta1) * g
            v[element] = v[element] * self.beta2 + (1 - self.beta2) * g * g
            let denominator = v[element].squareRoot() / correction2Root + self.eps
            output[element] = values[element] - stepSize * (m[element] / denominator)
            element += 1
        }
    }

    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }
}

extension Double {
    /// `self` raised to a non-negative integer power (as Python's `beta ** step`).
    func power(_ exponent: Int) -> Double { Foundation.pow(self, Double(exponent)) }
}
