/// Whether differentiable operations record themselves for ``Tensor/backward()``.
///
/// Enabled by default; ``withoutGrad(_:)`` turns recording off for a scope (inference, optimizer
/// updates). The flag is task-local, so concurrent tasks do not affect each other.
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` with gradient recording switched off (PyTorch's `torch.no_grad()`).
public func withoutGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

/// One vertex of the autograd graph: the operation that produced a tensor, and, for leaves,
/// the gradient accumulated by ``Tensor/backward()``.
///
/// Edges point from an output to the inputs saved in ``operation``, so a graph is freed as soon
/// as its result tensor is dropped; leaves (parameters) hold no references to the graph.
public final class GradNode: @unchecked Sendable {
    /// How this tensor was computed; `.leaf` for tensors created by ``Tensor/requiringGrad()``.
    let operation: Operation
    /// Accumulated gradient (leaves only), same shape as the tensor.
    public internal(set) var grad: Tensor?

    init(operation: Operation) { self.operation = operation }

    var isLeaf: Bool { if case .leaf = operation { return true } else { return false } }
}

extension Tensor {
    /// A copy of this tensor that is a leaf of the autograd graph: gradients reaching it are
    /// accumulated into ``grad``.
    public func requiringGrad() -> Tensor {
        Tensor(shape: shape, scalars: scalars, node: GradNode(operation: .leaf))
    }

    /// The same values, cut off from the autograd graph.
    public func detached() -> Tensor { Tensor(shape: shape, scalars: scalars) }

    /// Whether this tensor takes part in gradient computation.
    public var requiresGrad: Bool { node != nil }

    /// The gradient accumulated into this leaf by ``backward()``; `nil` before any backward pass.
    public var grad: Tensor? { node?.grad }

    /// Resets the accumulated gradient of this leaf.
    public func zeroGrad() { node?.grad = nil }

    /// Replaces the values of a leaf while keeping its identity (and accumulated gradient).
    /// Used by optimizers; must not be called on a non-leaf.
    public mutating func assignLeafValues(_ newScalars: [Float]) {
        precondition(newScalars.count == scalars.count,
                     "assignLeafValues: \(newScalars.count) values for shape \(shape)")
        precondition(node == nil || node!.isLeaf, "assignLeafValues: tensor is not a leaf")
        scalars = newScalars
    }

    /// Whether an operation on `inputs` is recorded for backward: recording is on and some input
    /// (absent optional inputs aside) takes part in autograd.
    static func isRecorded(_ inputs: [Tensor?]) -> Bool {
        GradMode.isEnabled && inputs.contains { $0?.node != nil }
    }

    /// Wraps the result of an operation, recording it when any input requires a gradient.
    static func recorded(shape: [Int], scalars: [Float], _ operation: @autoclosure () -> Operation,
                         inputs: Tensor...) -> Tensor {
        guard isRecorded(inputs) else {
            return Tensor(shape: shape, scalars: scalars)
        }
        return Tensor(shape: shape, scalars: scalars, node: GradNode(operation: operation()))
    }

    /// Back-propagates from this scalar (one-element) tensor, accumulating d self / d leaf into
    /// the ``grad`` of every leaf it depends on.
    ///
    /// - Parameter seed: the gradient of some outer objective with respect to `self`; 1 by default.
    public func backward(seed: Float = 1) {
        precondition(scalars.count == 1, "backward: called on a tensor of shape \(shape); it needs a single element")
        backward(gradient: Tensor(repeating: seed, shape: shape))
    }

    /// Back-propagates a given output gradient (same shape as `self`).
    public func backward(gradient: Tensor) {
        precondition(gradient.shape == shape, "backward: gradient shape \(gradient.shape) != tensor shape \(shape)")
        guard let root = node else { return }
        let order = Self.topologicalOrder(from: root)
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): gradient]
        withoutGrad {
            for current in order {
                guard let outputGrad = pending.removeValue(forKey: ObjectIdentifier(current)) else { continue }
                if current.isLeaf {
                    if let existing = current.grad {
                        current.grad = existing + outputGrad
                    } else {
                        current.grad = outputGrad
                    }
                    continue
                }
                let inputs = current.operation.inputs
                let needed = inputs.map { $0.node != nil }
                let inputGrads = current.operation.inputGradients(outputGrad, needed: needed)
                for (input, inputGrad) in zip(inputs, inputGrads) {
                    guard let inputNode = input.node, let inputGrad else { continue }
                    precondition(inputGrad.shape == input.shape,
                                 "backward rule of \(current.operation.name) produced shape \(inputGrad.shape) for input \(input.shape)")
                    let key = ObjectIdentifier(inputNode)
                    if let existing = pending[key] {
                        pending[key] = existing + inputGrad
                    } else {
                        pending[key] = inputGrad
                    }
                }
            }
        }
    }

    /// Nodes ordered so that every node comes before the nodes of its inputs (iterative DFS,
    /// so deep graphs cannot overflow the stack).
    private static func topologicalOrder(from root: GradNode) -> [GradNode] {
        var postOrder: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: GradNode, expanded: Bool)] = [(root, false)]
        while let (current, expanded) = stack.popLast() {
            if expanded { postOrder.append(current); continue }
            guard visited.insert(ObjectIdentifier(current)).inserted else { continue }
            stack.append((current, true))
            for input in current.operation.inputs {
                if let inputNode = input.node, !visited.contains(ObjectIdentifier(inputNode)) {
                    stack.append((inputNode, false))
                }
            }
        }
        return postOrder.reversed()
    }
}
