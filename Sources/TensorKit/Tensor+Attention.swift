import Foundation

extension Tensor {
    /// Fused scaled dot-product attention, `dropout(softmax(Q·Kᵀ))·V` (Vaswani et al. 2017), with
    /// its own backward rule. Equivalent to the composed
    /// `query.matmul(key, transposeB: true).softmax(axis: -1)` → dropout → `.matmul(value)`
    /// (tested against it), but processes one head at a time with multi-threaded, vectorised
    /// softmax rows, so a slide's 2401 × 2401 scores never pass through generic element-wise ops.
    /// The raw-pointer work is in ``AttentionKernels``.
    ///
    /// Shapes: `query` `[B, h, Nq, dₕ]` (already divided by √dₕ), `key`, `value` `[B, h, Nk, dₕ]`;
    /// output `[B, h, Nq, dₕ]`; `meanScores` (when requested) `[B, Nq, Nk]`, the mean over heads of
    /// the pre-softmax logits `Q·Kᵀ`.
    ///
    /// - Parameters:
    ///   - dropoutProbability: probability of zeroing an attention weight (inverted dropout);
    ///     the mask is drawn from `generator` with 16-bit resolution.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, dropoutProbability: Float = 0,
                                 generator: inout SeededGenerator, needMeanScores: Bool = false)
        -> (output: Tensor, meanScores: Tensor?) {
        attention(query: query, key: key, value: value, dropoutProbability: dropoutProbability, generator: &generator,
                  needMeanScores: needMeanScores, workers: nil, path: AttentionKernels.preferredPath)
    }

    /// ``attention(query:key:value:dropoutProbability:generator:needMeanScores:)`` with the number
    /// of data-parallel workers (forward and backward) fixed instead of chosen from the geometry,
    /// so tests reach the multi-worker path on any machine, and the kernel family (`path`, forward
    /// and backward) chosen, so tests run both. Head-averaged scores need one worker.
    static func attention(query: Tensor, key: Tensor, value: Tensor, dropoutProbability: Float = 0,
                          generator: inout SeededGenerator, needMeanScores: Bool = false, workers: Int?,
                          path: KernelPath = AttentionKernels.preferredPath)
        -> (output: Tensor, meanScores: Tensor?) {
        precondition(query.rank == 4 && key.rank == 4 && value.shape == key.shape
                     && query.shape[0] == key.shape[0] && query.shape[1] == key.shape[1] && query.shape[3] == key.shape[3],
                     "attention: query \(query.shape), key \(key.shape), value \(value.shape) must be [B, h, N, dₕ]")
        precondition(dropoutProbability >= 0 && dropoutProbability < 1, "attention: dropout probability \(dropoutProbability) not in [0, 1)")
        precondition(workers.map { $0 >= 1 && (!needMeanScores || $0 == 1) } ?? true,
                     "attention: \(workers ?? 0) workers (head-averaged scores are accumulated by one)")
        let geometry = AttentionGeometry(query: query.shape, key: key.shape)
        let recording = Tensor.isRecorded([query, key, value])
        let mask = dropoutProbability > 0
            ? generator.dropoutKeepMask(count: geometry.totalScores, probability: dropoutProbability)
            : nil
        let keepScale = 1 / (1 - dropoutProbability)
        let forwardWorkers = workers ?? AttentionKernels.workerCount(geometry: geometry, needMeanScores: needMeanScores)

        var output = [Float](repeating: 0, count: query.count)
        var meanScores = needMeanScores ? [Float](repeating: 0, count: geometry.batch * geometry.scoresPerHead) : nil
        // With gradients every head's probabilities are kept for the backward pass; without, each
        // worker reuses one row block. Every element is written by the kernel before it is read.
        let probabilityCount = recording ? geometry.totalScores : AttentionKernels.rowBlock * geometry.keys * forwardWorkers
        var probabilities = [Float](unsafeUninitializedCapacity: probabilityCount) { _, initialized in
            initialized = probabilityCount
        }
        withOptionalPointer(to: mask) { keep in
            withOptionalMutablePointer(to: &meanScores) { mean in
                AttentionKernels.forward(geometry: geometry, query: query.scalars, key: key.scalars, value: value.scalars,
                                         output: &output, probabilities: &probabilities, keepsAllHeads: recording,
                                         mask: keep, keepScale: keepScale, meanScores: mean, workers: forwardWorkers,
                                         path: path)
            }
        }
        let scores = meanScores.map { Tensor(shape: [geometry.batch, geometry.queries, geometry.keys], scalars: $0) }
        guard recording else { return (Tensor(shape: query.shape, scalars: output), scores) }
        let backwardWorkers = workers ?? AttentionKernels.workerCount(geometry: geometry, needMeanScores: false)
        let node = GradNode(operation: .attention(query, key, value, probabilities: probabilities, mask: mask,
                                                  keepScale: keepScale, workers: backwardWorkers, path: path))
        return (Tensor(shape: query.shape, scalars: output, node: node), scores)
    }

    /// Gradients of ``attention(query:key:value:dropoutProbability:generator:needMeanScores:)``
    /// for the output gradient `outputGradient` (the rule is ``AttentionKernels/backward``).
    static func attentionGradients(outputGradient: Tensor, query: Tensor, key: Tensor, value: Tensor,
                                   probabilities: [Float], mask: [UInt8]?, keepScale: Float, workers: Int,
                                   path: KernelPath)
        -> (query: Tensor, key: Tensor, value: Tensor) {
        var queryGradient = [Float](repeating: 0, count: query.count)
        var keyGradient = [Float](repeating: 0, count: key.count)
        var valueGradient = [Float](repeating: 0, count: value.count)
        withOptionalPointer(to: mask) { keep in
            AttentionKernels.backward(geometry: AttentionGeometry(query: query.shape, key: key.shape),
                                      outputGradient: outputGradient.scalars, query: query.scalars, key: key.scalars,
                                      value: value.scalars, probabilities: probabilities, mask: keep, keepScale: keepScale,
                                      queryGradient: &queryGradient, keyGradient: &keyGradient, valueGradient: &valueGradient,
                                      workers: workers, path: path)
        }
        return (Tensor(shape: query.shape, scalars: queryGradient), Tensor(shape: key.shape, scalars: keyGradient),
                Tensor(shape: value.shape, scalars: valueGradient))
    }
}

/// Calls `body` with a pointer to the elements of `array`, or with nil.
@inline(__always)
private func withOptionalPointer<Element, Result>(to array: [Element]?, _ body: (UnsafePointer<Element>?) -> Result) -> Result {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Calls `body` with a mutable pointer to the elements of `array`, or with nil.
@inline(__always)
private func withOptionalMutablePointer<Element, Result>(to array: inout [Element]?,
                                                          _ body: (UnsafeMutablePointer<Element>?) -> Result) -> Result {
    guard array != nil else { return body(nil) }
    return array!.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
