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

/// Raw-pointer kernels of the fused attention (``Tensor/attention(query:key:value:dropoutProbability:generator:needMeanScores:)``),
/// one of TensorKit's kernel files: plain pointer arguments in, no arrays or tensors. Every pointer
/// points at a buffer the caller sized from the ``AttentionGeometry``: per head `[Nq, dₕ]` query
/// and output rows, `[Nk, dₕ]` key and value rows, `[Nq, Nk]` probabilities and mask flags.
/// Their composed twin is `query.matmul(key, transposeB: true).softmax(axis: -1)` → dropout →
/// `.matmul(value)`, which the tests compare them with (one worker and several).
enum AttentionKernels {
    /// How many heads run at once. Heads are independent, so each core takes whole heads with a
    /// single-threaded GEMM and serial softmax — no hand-off between BLAS threads and ours inside a
    /// head. Head-averaged scores are accumulated by one thread (used for inspection, not training).
    static func workerCount(geometry: AttentionGeometry, needMeanScores: Bool) -> Int {
        let heads = geometry.batch * geometry.heads
        // Inside a data-parallel worker (a ViT encoding words on every core) the heads stay on it.
        guard !needMeanScores, heads > 1, geometry.scoresPerHead >= 1 << 14, !DataParallelWorker.isCurrentThreadWorker else { return 1 }
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

    /// Forward pass, head by head and `rowBlock` query rows at a time.
    ///
    /// - Parameters:
    ///   - probabilities: all heads' `[Nq, Nk]` probabilities (`keepsAllHeads`, for backward), or
    ///     one row block per worker (`rowBlock × Nk × workers`) used as scratch.
    ///   - mask: the dropout keep flags of all heads, or nil without dropout; kept weights are
    ///     multiplied by `keepScale`.
    ///   - meanScores: `[B, Nq, Nk]` zero-filled, to receive the head-averaged logits (one worker only).
    static func forward(geometry g: AttentionGeometry, query: UnsafePointer<Float>, key: UnsafePointer<Float>,
                        value: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        probabilities: UnsafeMutablePointer<Float>, keepsAllHeads: Bool,
                        mask: UnsafePointer<UInt8>?, keepScale: Float, meanScores: UnsafeMutablePointer<Float>?, workers: Int) {
        precondition(meanScores == nil || workers == 1, "AttentionKernels.forward: head-averaged scores need one worker")
        let headScores = g.scoresPerHead
        let blockScores = rowBlock * g.keys
        let inverseHeads = 1 / Float(g.heads)
        let dropped = UnsafeMutablePointer<Float>.allocate(capacity: mask == nil ? 1 : blockScores * workers)
        // Without a backward pass or dropout the probabilities are not needed as such: rows keep
        // e^(s − max) and the PV output rows (dₕ values, not Nk) are scaled by 1 / Σ instead.
        let foldsNormalisation = !keepsAllHeads && mask == nil
        let inverseTotals = UnsafeMutablePointer<Float>.allocate(capacity: rowBlock * workers)
        defer { dropped.deallocate(); inverseTotals.deallocate() }
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
                if let mask {
                    let flags = mask + scoreOffset
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

    /// Gradients of the fused attention. With P the softmax probabilities, M the keep-mask scaled
    /// by 1/(1−p) and P̃ = P ⊙ M: ∂V = P̃ᵀ·G, ∂P = (G·Vᵀ) ⊙ M,
    /// ∂S = P ⊙ (∂P − rowsum(∂P ⊙ P)), ∂Q = ∂S·K, ∂K = ∂Sᵀ·Q.
    ///
    /// `probabilities` are all heads' (as the forward pass kept them), `mask` the forward's keep
    /// flags or nil; the three gradients are overwritten (each head's first row block has β = 0).
    static func backward(geometry g: AttentionGeometry, outputGradient: UnsafePointer<Float>, query: UnsafePointer<Float>,
                         key: UnsafePointer<Float>, value: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
                         mask: UnsafePointer<UInt8>?, keepScale: Float,
                         queryGradient: UnsafeMutablePointer<Float>, keyGradient: UnsafeMutablePointer<Float>,
                         valueGradient: UnsafeMutablePointer<Float>, workers: Int) {
        let blockScores = rowBlock * g.keys
        let dropped = UnsafeMutablePointer<Float>.allocate(capacity: mask == nil ? 1 : blockScores * workers)
        let scoreGradients = UnsafeMutablePointer<Float>.allocate(capacity: blockScores * workers)
        defer { dropped.deallocate(); scoreGradients.deallocate() }
        let queryBlock = g.queries * g.featuresPerHead, keyBlock = g.keys * g.featuresPerHead
        forEachHead(count: g.batch * g.heads, workers: workers) { head, worker in
            let scoresGradient = scoreGradients + worker * blockScores
            for rowStart in stride(from: 0, to: g.queries, by: rowBlock) {
                let rows = Swift.min(rowBlock, g.queries - rowStart)
                let scoreOffset = head * g.scoresPerHead + rowStart * g.keys
                let probabilityBlock = probabilities + scoreOffset
                let maskBlock = mask.map { $0 + scoreOffset }
                var usedWeights = probabilityBlock
                if let maskBlock {
                    let target = dropped + worker * blockScores
                    for index in 0..<(rows * g.keys) {
                        target[index] = maskBlock[index] == 0 ? 0 : probabilityBlock[index] * keepScale
                    }
                    usedWeights = UnsafePointer(target)
                }
                let gradientRows = outputGradient + head * queryBlock + rowStart * g.featuresPerHead
                let accumulate: Float = rowStart == 0 ? 0 : 1
                // ∂V [Nk, dₕ] += P̃[rows]ᵀ · G[rows]
                sgemm(transposeA: true, transposeB: false, m: g.keys, n: g.featuresPerHead, k: rows,
                      a: usedWeights, b: gradientRows, c: valueGradient + head * keyBlock, beta: accumulate)
                // ∂P̃ [rows, Nk] = G[rows] · Vᵀ
                sgemm(transposeA: false, transposeB: true, m: rows, n: g.keys, k: g.featuresPerHead,
                      a: gradientRows, b: value + head * keyBlock, c: scoresGradient)
                for row in 0..<rows {
                    VectorMath.softmaxBackwardRow(gradient: scoresGradient + row * g.keys,
                                                  probabilities: probabilityBlock + row * g.keys,
                                                  keep: maskBlock.map { $0 + row * g.keys },
                                                  keepScale: keepScale, count: g.keys)
                }
                // ∂Q[rows] = ∂S · K ;  ∂K [Nk, dₕ] += ∂Sᵀ · Q[rows]
                sgemm(transposeA: false, transposeB: false, m: rows, n: g.featuresPerHead, k: g.keys,
                      a: scoresGradient, b: key + head * keyBlock,
                      c: queryGradient + head * queryBlock + rowStart * g.featuresPerHead)
                sgemm(transposeA: true, transposeB: false, m: g.keys, n: g.featuresPerHead, k: rows,
                      a: scoresGradient, b: query + head * queryBlock + rowStart * g.featuresPerHead,
                      c: keyGradient + head * keyBlock, beta: accumulate)
            }
        }
    }
}
