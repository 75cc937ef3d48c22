
/// Updates a module's parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// The learning rate of the next step (schedulers and warm-up set it before each step).
    var learningRate: Float { get set }
    /// Applies one update to every parameter that has a gradient.
    func step()
    /// Clears the gradients of all managed parameters.
    func zeroGrad()
}
