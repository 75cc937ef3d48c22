import TensorKit

/// Stochastic gradient descent as `torch.optim.SGD` (the reference uses it without momentum):
/// `g ← g + λ·p`, optional momentum buffer `b ← μ·b + g` (first step `b = g`), `p ← p − lr·b`.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float
    public let weightDecay: Float
    public let parameters: [Parameter]
    private var momentumBuffers: [[Float]?]

    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        momentumBuffers = Array(repeating: nil, count: parameters.count)
    }

    public func step() {
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.grad else { continue }
            var values = parameter.value.scalars
            var direction = gradient.scalars
            if weightDecay != 0 {
                for element in 0..<values.count { direction[element] += weightDecay * values[element] }
            }
            if momentum != 0 {
                if var buffer = momentumBuffers[index] {
                    for element in 0..<buffer.count { buffer[element] = momentum * buffer[element] + direction[element] }
                    direction = buffer
                }
                momentumBuffers[index] = direction
            }
            for element in 0..<values.count { values[element] -= learningRate * direction[element] }
            parameter.assign(Tensor(shape: parameter.shape, scalars: values))
        }
    }

    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }
}
