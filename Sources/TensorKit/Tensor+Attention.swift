import Foundation

extension Tensor {
    /// Fused scaled dot-product attention, `dropout(softmax(Q·Kᵀ))·V` (Vaswani et al. 2017), with
    /// its own backward rule. Equivalent to the composed
    /// `query.matmul(key, transposeB: true).softmax(axis: -1)` → dropout → `.matmul(value)`
    /// (tested against it), but processes one head at a time with multi-threaded, vectorised
    /// softmax rows, so a slide's 2401 × 2401 scores never pass through generic element-wise ops.
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
        precondition(query.rank == 4 && key.rank == 4 && value.shape == key.shape
                     && query.shape[0] == key.shape[0] && query.shape[1] == key.shape[1] && query.shape[3] == key.shape[3],
                     "attention: query \(query.shape), key \(key.shape), value \(value.shape) must be [B, h, N, dₕ]")
        precondition(dropoutProbability >= 0 && dropoutProbability < 1, "attention: dropout probability \(dropoutProbability) not in [0, 1)")
        let geometry = AttentionGeometry(query: query.shape, key: key.shape)
        let recording = Tensor.isRecorded([query, key, value])
        let mask = dropoutProbability > 0
            ? generator.dropoutKeepMask(count: geometry.totalScores, probability: dropoutProbability)
            : nil
        let keepScale = 1 / (1 - dropoutProbability)

        var output = [Float](repeating: 0, count: query.count)
        var meanScores = needMeanScores ? [Float](repeating: 0, count: geometry.batch * geometry.scoresPerHead) : []
        // With gradients every head's probabilities are kept for the backward pass; without, each
        // worker reuses one head-sized buffer.
        let workers = AttentionKernels.workerCount(geometry: geometry, needMeanScores: needMeanScores)
        // Every element is written by the forward kernel before it is read.
        let probabilityCount = recording ? geometry.totalScores : AttentionKernels.rowBlock * geometry.keys * workers
        var probabilities = [Float](unsafeUninitializedCapacity: probabilityCount) { _, initialized in
            initialized = probabilityCount
        }
        query.scalars.withUnsafeBufferPointer { q in
            key.scalars.withUnsafeBufferPointer { k in
                value.scalars.withUnsafeBufferPointer { v in
                    output.withUnsafeMutableBufferPointer { o in
                        probabilities.withUnsafeMutableBufferPointer { p in
                            meanScores.withUnsafeMutableBufferPointer { mean in
                                AttentionKernels.forward(geometry: geometry, query: q.baseAddress!, key: k.baseAddress!,
                                                         value: v.baseAddress!, output: o.baseAddress!,
                                                         probabilities: p.baseAddress!, keepsAllHeads: recording,
                                                         mask: mask, keepScale: keepScale,
                                                         meanScores: needMeanScores ? mean.baseAddress : nil, workers: workers)
                            }
                        }
                    }
                }
            }
        }
        let scores = needMeanScores ? Tensor(shape: [geometry.batch, geometry.queries, geometry.keys], scalars: meanScores) : nil
        guard recording else { return (Tensor(shape: query.shape, scalars: output), scores) }
        let node = GradNode(operation: .attention(query, key, value, probabilities: probabilities, mask: mask, keepScale: keepScale))
        return (Tensor(shape: query.shape, scalars: output, node: node), scores)
    }
}

/// Sizes of one attention problem: `batch·heads` independent heads of `queries × keys` scores.
struct AttentionGeometry {
    let batch: Int, heads: Int, queries: Int, keys: Int, featuresPerHead: Int

    init(query: [Int], key: [Int]) {
        (batch, heads, queries, featuresPerHead) = (query[0], query[1], query[2], query[3])
        keys = key[2]
    }

    var scoresPerHead: Int { queries * keys }
    var totalScores: Int { batch * heads * scoresPerHead }
}

/// Raw-pointer kernels of the fused attention. Every pointer argument points at a buffer the
/// caller sized from the ``AttentionGeometry``.
enum AttentionKernels {
    /// How many heads run at once. Heads are independent, so each core takes whole heads with a
    /// single-threaded GEMM and serial softmax — no hand-off between BLAS threads and ours inside a
    /// head. Head-averaged scores are accumulated by one thread (used for inspection, not training).
    static func workerCount(geometry: AttentionGeometry, needMeanScores: Bool) -> Int {
        let heads = geometry.batch * geometry.heads
        guard !needMeanScores, heads > 1, geometry.scoresPerHead >= 1 << 14 else { return 1 }
        return min(ParallelLoop.workerCount, heads)
    }

    /// Calls `body(head, worker)` for every head, spread over `workers` data-parallel workers
    /// (worker w takes heads w, w + workers, …).
    @inline(__always)
    static func forEachHead(count: Int, workers: Int, _ body: (Int, Int) -> Void) {
        guard workers > 1 else {
            for head in 0..<count { body(head, 0) }
            return
        }
        ParallelLoop.runDataParallel(workerCount: workers) { worker in
            for head in stride(from: worker, to: count, by: workers) { body(head, worker) }
        }
    }

    /// Query rows processed together: a block of scores (`rowBlock × Nk` floats, 600 KB for 2401
    /// keys) stays in the core's cache from its GEMM through softmax and dropout to the next GEMM,
    /// instead of streaming a whole 23 MB head through memory three times.
    static let rowBlock = 64

    /// Forward pass, head by head and `rowBlock` query rows at a time. `probabilities` holds all
    /// heads (`keepsAllHeads`, for backward) or one row block per worker.
    static func forward(geometry g: AttentionGeometry, query: UnsafePointer<Float>, key: UnsafePointer<Float>,
                        value: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        probabilities: UnsafeMutablePointer<Float>, keepsAllHeads: Bool,
                        mask: [UInt8]?, keepScale: Float, meanScores: UnsafeMutablePointer<Float>?, workers: Int) {
        let headScores = g.scoresPerHead
        let blockScores = rowBlock * g.keys
        let inverseHeads = 1 / Float(g.heads)
        let dropped = UnsafeMutablePointer<Float>.allocate(capacity: mask == nil ? 1 : blockScores * workers)
        // Without a backward pass or dropout the probabilities are not needed as such: rows keep
        // e^(s − max) and the PV output rows (dₕ values, not Nk) are scaled by 1 / Σ instead.
        let foldsNormalisation = !keepsAllHeads && mask == nil
        let inverseTotals = UnsafeMutablePointer<Float>.allocate(capacity: rowBlock * workers)
        defer { dropped.deallocate(); inverseTotals.deallocate() }
        withOptionalPointer(mask) { keep in
            forEachHead(count: g.batch * g.heads, workers: workers) { head, worker in
                let batchIndex = head / g.heads
                let queryHead = query + head * g.queries * g.featuresPerHead
                let keyHead = key + head * g.keys * g.featuresPerHead
                let valueHead = value + head * g.keys * g.featuresPerHead
                let outputHead = output + head * g.queries * g.featuresPerHead
                for rowStart in stride(from: 0, to: g.queries, by: rowBlock) {
                    let rows = Swift.min(rowBlock, g.queries - rowStart)
                    let scoreOffset = head * headScores + rowStart * g.keys
                    let scores = keepsAllHeads ? probabilities + scoreOffset : probabilities + worker * blockScores
                    // scores [rows, Nk] = Q[rows] [rows, dₕ] · Kᵀ
                    sgemm(transposeA: false, transposeB: true, m: rows, n: g.keys, k: g.featuresPerHead,
                          a: queryHead + rowStart * g.featuresPerHead, b: keyHead, c: scores)
                    if let meanScores {
                        let target = meanScores + batchIndex * headScores + rowStart * g.keys
                        for index in 0..<(rows * g.keys) { target[index] += scores[index] * inverseHeads }
                    }
                    let inverses = inverseTotals + worker * rowBlock
                    for row in 0..<rows {
                        inverses[row] = VectorMath.softmaxRow(scores + row * g.keys, count: g.keys, normalizes: !foldsNormalisation)
                    }
                    var weights = UnsafePointer(scores)
                    if let keep {
                        let flags = keep + scoreOffset
                        let target = dropped + worker * blockScores
                        for index in 0..<(rows * g.keys) {
                            target[index] = flags[index] == 0 ? 0 : scores[index] * keepScale
                        }
                        weights = UnsafePointer(target)
                    }
                    // output[rows] [rows, dₕ] = P [rows, Nk] · V [Nk, dₕ]
                    sgemm(transposeA: false, transposeB: false, m: rows, n: g.featuresPerHead, k: g.keys,
                          a: weights, b: valueHead, c: outputHead + rowStart * g.featuresPerHead)
                    if foldsNormalisation {
                        for row in 0..<rows {
                            let outputRow = outputHead + (rowStart + row) * g.featuresPerHead
                            for feature in 0..<g.featuresPerHead { outputRow[feature] *= inverses[row] }
                        }
                    }
                }
            }
        }
    }

    /// Calls `body` with a pointer to the elements of `array`, or with nil.
    @inline(__always)
    static func withOptionalPointer<Result>(_ array: [UInt8]?, _ body: (UnsafePointer<UInt8>?) -> Result) -> Result {
        guard let array else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// Gradients of the fused attention. With P the softmax probabilities, M the keep-mask scaled
    /// by 1/(1−p) and P̃ = P ⊙ M: ∂V = P̃ᵀ·G, ∂P = (G·Vᵀ) ⊙ M,
    /// ∂S = P ⊙ (∂P − rowsum(∂P ⊙ P)), ∂Q = ∂S·K, ∂K = ∂Sᵀ·Q.
    static func backward(geometry g: AttentionGeometry, outputGradient: [Float], query: [Float], key: [Float],
                         value: [Float], probabilities: [Float], mask: [UInt8]?, keepScale: Float)
        -> (query: [Float], key: [Float], value: [Float]) {
        var queryGradient = [Float](repeating: 0, count: query.count)
        var keyGradient = [Float](repeating: 0, count: key.count)
        var valueGradient = [Float](repeating: 0, count: value.count)
        let workers = workerCount(geometry: g, needMeanScores: false)
        let blockScores = rowBlock * g.keys
        let dropped = UnsafeMutablePointer<Float>.allocate(capacity: mask == nil ? 1 : blockScores * workers)
        let scoreGradients = UnsafeMutablePointer<Float>.allocate(capacity: blockScores * workers)
        defer { dropped.deallocate(); scoreGradients.deallocate() }
        let queryBlock = g.queries * g.featuresPerHead, keyBlock = g.keys * g.featuresPerHead
        outputGradient.withUnsafeBufferPointer { dO in
        query.withUnsafeBufferPointer { q in
        key.withUnsafeBufferPointer { k in
        value.withUnsafeBufferPointer { v in
        probabilities.withUnsafeBufferPointer { p in
        queryGradient.withUnsafeMutableBufferPointer { dQ in
        keyGradient.withUnsafeMutableBufferPointer { dK in
        valueGradient.withUnsafeMutableBufferPointer { dV in
        withOptionalPointer(mask) { maskPointer in
            forEachHead(count: g.batch * g.heads, workers: workers) { head, worker in
                let scoresGradient = scoreGradients + worker * blockScores
                for rowStart in stride(from: 0, to: g.queries, by: rowBlock) {
                    let rows = Swift.min(rowBlock, g.queries - rowStart)
                    let scoreOffset = head * g.scoresPerHead + rowStart * g.keys
                    let probabilityBlock = p.baseAddress! + scoreOffset
                    let maskBlock = maskPointer.map { $0 + scoreOffset }
                    var usedWeights = probabilityBlock
                    if let maskBlock {
                        let target = dropped + worker * blockScores
                        for index in 0..<(rows * g.keys) {
                            target[index] = maskBlock[index] == 0 ? 0 : probabilityBlock[index] * keepScale
                        }
                        usedWeights = UnsafePointer(target)
                    }
                    let gradientRows = dO.baseAddress! + head * queryBlock + rowStart * g.featuresPerHead
                    let accumulate: Float = rowStart == 0 ? 0 : 1
                    // ∂V [Nk, dₕ] += P̃[rows]ᵀ · G[rows]
                    sgemm(transposeA: true, transposeB: false, m: g.keys, n: g.featuresPerHead, k: rows,
                          a: usedWeights, b: gradientRows, c: dV.baseAddress! + head * keyBlock, beta: accumulate)
                    // ∂P̃ [rows, Nk] = G[rows] · Vᵀ
                    sgemm(transposeA: false, transposeB: true, m: rows, n: g.keys, k: g.featuresPerHead,
                          a: gradientRows, b: v.baseAddress! + head * keyBlock, c: scoresGradient)
                    for row in 0..<rows {
                        VectorMath.softmaxBackwardRow(gradient: scoresGradient + row * g.keys,
                                                      probabilities: probabilityBlock + row * g.keys,
                                                      keep: maskBlock.map { $0 + row * g.keys },
                                                      keepScale: keepScale, count: g.keys)
                    }
                    // ∂Q[rows] = ∂S · K ;  ∂K [Nk, dₕ] += ∂Sᵀ · Q[rows]
                    sgemm(transposeA: false, transposeB: false, m: rows, n: g.featuresPerHead, k: g.keys,
                          a: scoresGradient, b: k.baseAddress! + head * keyBlock,
                          c: dQ.baseAddress! + head * queryBlock + rowStart * g.featuresPerHead)
                    sgemm(transposeA: true, transposeB: false, m: g.keys, n: g.featuresPerHead, k: rows,
                          a: scoresGradient, b: q.baseAddress! + head * queryBlock + rowStart * g.featuresPerHead,
                          c: dK.baseAddress! + head * keyBlock, beta: accumulate)
                }
            }
        }}}}}}}}}
        return (queryGradient, keyGradient, valueGradient)
    }
}
