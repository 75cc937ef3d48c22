import Foundation
import Synchronization
import VectorKernelsAVX2

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
    /// How many workers share the heads. Heads (in the forward pass, each head's row blocks) are
    /// independent, so each core takes whole units with a single-threaded GEMM and serial softmax —
    /// no hand-off between BLAS threads and ours inside a unit. Head-averaged scores are accumulated
    /// by one thread (used for inspection, not training).
    static func workerCount(geometry: AttentionGeometry, needMeanScores: Bool) -> Int {
        let heads = geometry.batch * geometry.heads
        // Inside a data-parallel worker (a ViT encoding words on every core) the heads stay on it.
        guard !needMeanScores, heads > 1, geometry.scoresPerHead >= 1 << 14, !DataParallelWorker.isCurrentThreadWorker else { return 1 }
        return min(ParallelLoop.workerCount, heads)
    }

    /// Calls `body(unit, worker)` for every unit of `0..<count`, in order with one worker; with
    /// several, each data-parallel worker takes the next unit not yet taken, so a core the host
    /// slows down takes fewer units instead of holding the others up at the end.
    @inline(__always)
    static func forEachUnit(count: Int, workers: Int, _ body: (Int, Int) -> Void) {
        guard workers > 1 else {
            for unit in 0..<count { body(unit, 0) }
            return
        }
        let next = Atomic<Int>(0)
        ParallelLoop.runDataParallel(workerCount: workers) { worker in
            while true {
                let unit = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard unit < count else { return }
                body(unit, worker)
            }
        }
    }

    /// Query rows processed together: a block of scores (`rowBlock × Nk` floats, 600 KB for 2401
    /// keys) stays in the core's cache from its GEMM through softmax and dropout to the next GEMM,
    /// instead of streaming a whole 23 MB head through memory three times.
    /// 60 = ten 6-row tiles of the AVX2 panel kernel (64 would leave a 4-row tile); with AVX-512,
    /// 64 = eight 8-row tiles of its twin (60 would compute a half-empty last tile). Rows are
    /// independent, so the block changes speed only, never results.
    static let rowBlock = CPUFeatures.hasAVX512F ? 64 : 60
    /// Row block of the backward pass: larger, so the transposed accumulations (∂Vᵀ, ∂Kᵀ) are read
    /// and written half as often.
    static let backwardRowBlock = 128

    /// The kernels' GEMMs: on AVX2 + FMA our own panel kernel (``HeadPanels``), else OpenBLAS.
    static let preferredPath: KernelPath = .preferred

    /// Forward pass in units of `rowBlock` query rows of one head (``forEachUnit(count:workers:_:)``).
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
                        mask: UnsafePointer<UInt8>?, keepScale: Float, meanScores: UnsafeMutablePointer<Float>?, workers: Int,
                        path: KernelPath) {
        precondition(meanScores == nil || workers == 1, "AttentionKernels.forward: head-averaged scores need one worker")
        let headScores = g.scoresPerHead
        let blockScores = rowBlock * g.keys
        let inverseHeads = 1 / Float(g.heads)
        let dropped = UnsafeMutablePointer<Float>.allocate(capacity: mask == nil ? 1 : blockScores * workers)
        // Without a backward pass or dropout the probabilities are not needed as such: rows keep
        // e^(s − max) and the PV output rows (dₕ values, not Nk) are scaled by 1 / Σ instead.
        let foldsNormalisation = !keepsAllHeads && mask == nil
        let inverseTotals = UnsafeMutablePointer<Float>.allocate(capacity: rowBlock * workers)
        // AVX2: each worker packs a head's Kᵀ and V into panels when it takes that head's first
        // row block (blocks are taken head by head, so a worker packs each head at most once).
        let panels = HeadPanels(geometry: g, workers: path == .avx2 ? workers : 0)
        let packedHead = UnsafeMutablePointer<Int>.allocate(capacity: workers)
        packedHead.initialize(repeating: -1, count: workers)
        defer { dropped.deallocate(); inverseTotals.deallocate(); panels.deallocate(); packedHead.deallocate() }
        // Units of work: one row block of one head (independent given the head's panels).
        let blocksPerHead = (g.queries + rowBlock - 1) / rowBlock
        forEachUnit(count: g.batch * g.heads * blocksPerHead, workers: workers) { unit, worker in
            let head = unit / blocksPerHead, rowStart = unit % blocksPerHead * rowBlock
            let batchIndex = head / g.heads
            let queryHead = query + head * g.queries * g.featuresPerHead
            let keyHead = key + head * g.keys * g.featuresPerHead
            let valueHead = value + head * g.keys * g.featuresPerHead
            let outputHead = output + head * g.queries * g.featuresPerHead
            if path == .avx2 && packedHead[worker] != head {
                panels.packTransposed(keyHead, worker: worker)
                panels.pack(valueHead, worker: worker)
                packedHead[worker] = head
            }
            let rows = Swift.min(rowBlock, g.queries - rowStart)
            let scoreOffset = head * headScores + rowStart * g.keys
            let scores = keepsAllHeads ? probabilities + scoreOffset : probabilities + worker * blockScores
            // scores [rows, Nk] = Q[rows] [rows, dₕ] · Kᵀ
            if path == .avx2 {
                panels.multiplyByTransposed(queryHead + rowStart * g.featuresPerHead, rows: rows, worker: worker, into: scores)
            } else {
                sgemm(transposeA: false, transposeB: true, m: rows, n: g.keys, k: g.featuresPerHead,
                      a: queryHead + rowStart * g.featuresPerHead, b: keyHead, c: scores)
            }
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
                if path == .avx2 {
                    VectorKernels.applyKeepMask(scores, keep: flags, keepScale: keepScale, count: rows * g.keys, into: target)
                } else {
                    for index in 0..<(rows * g.keys) {
                        target[index] = flags[index] == 0 ? 0 : scores[index] * keepScale
                    }
                }
                weights = UnsafePointer(target)
            }
            // output[rows] [rows, dₕ] = P [rows, Nk] · V [Nk, dₕ]
            if path == .avx2 {
                panels.multiply(weights, rows: rows, worker: worker, into: outputHead + rowStart * g.featuresPerHead)
            } else {
                sgemm(transposeA: false, transposeB: false, m: rows, n: g.featuresPerHead, k: g.keys,
                      a: weights, b: valueHead, c: outputHead + rowStart * g.featuresPerHead)
            }
            if foldsNormalisation {
                for row in 0..<rows {
                    let outputRow = outputHead + (rowStart + row) * g.featuresPerHead
                    for feature in 0..<g.featuresPerHead { outputRow[feature] *= inverses[row] }
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
    /// On the AVX2 path every product runs on the panel kernel (``panelBackward``); the OpenBLAS
    /// loop below is its twin.
    static func backward(geometry g: AttentionGeometry, outputGradient: UnsafePointer<Float>, query: UnsafePointer<Float>,
                         key: UnsafePointer<Float>, value: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
                         mask: UnsafePointer<UInt8>?, keepScale: Float,
                         queryGradient: UnsafeMutablePointer<Float>, keyGradient: UnsafeMutablePointer<Float>,
                         valueGradient: UnsafeMutablePointer<Float>, workers: Int, path: KernelPath) {
        if path == .avx2 {
            panelBackward(geometry: g, outputGradient: outputGradient, query: query, key: key, value: value,
                          probabilities: probabilities, mask: mask, keepScale: keepScale, queryGradient: queryGradient,
                          keyGradient: keyGradient, valueGradient: valueGradient, workers: workers)
            return
        }
        let blockScores = backwardRowBlock * g.keys
        let dropped = UnsafeMutablePointer<Float>.allocate(capacity: mask == nil ? 1 : blockScores * workers)
        let scoreGradients = UnsafeMutablePointer<Float>.allocate(capacity: blockScores * workers)
        defer { dropped.deallocate(); scoreGradients.deallocate() }
        let queryBlock = g.queries * g.featuresPerHead, keyBlock = g.keys * g.featuresPerHead
        forEachUnit(count: g.batch * g.heads, workers: workers) { head, worker in
            let scoresGradient = scoreGradients + worker * blockScores
            for rowStart in stride(from: 0, to: g.queries, by: backwardRowBlock) {
                let rows = Swift.min(backwardRowBlock, g.queries - rowStart)
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

    /// ``backward(geometry:outputGradient:query:key:value:probabilities:mask:keepScale:queryGradient:keyGradient:valueGradient:workers:path:)``
    /// with all four products on the panel kernels. The two whose left operand is transposed,
    /// ∂V += P̃ᵀ·G and ∂K += ∂Sᵀ·Q, read the `[rows, Nk]` block of P̃ or ∂S in place as a transposed
    /// A (``HeadPanels/accumulateTransposed(_:depth:panels:into:accumulate:)``) with only the small
    /// G or Q block packed, and accumulate straight into ∂V and ∂K: no panels of the large blocks,
    /// no transposed accumulators.
    static func panelBackward(geometry g: AttentionGeometry, outputGradient: UnsafePointer<Float>, query: UnsafePointer<Float>,
                              key: UnsafePointer<Float>, value: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
                              mask: UnsafePointer<UInt8>?, keepScale: Float,
                              queryGradient: UnsafeMutablePointer<Float>, keyGradient: UnsafeMutablePointer<Float>,
                              valueGradient: UnsafeMutablePointer<Float>, workers: Int) {
        guard g.queries > 0 else { return }    // the caller's zero-filled gradients are the answer
        let blockRows = backwardRowBlock, dh = g.featuresPerHead
        let panels = HeadPanels(geometry: g, workers: workers)
        let blockScores = blockRows * g.keys
        let scoreGradients = UnsafeMutablePointer<Float>.allocate(capacity: blockScores * workers)
        let dropped = UnsafeMutablePointer<Float>.allocate(capacity: mask == nil ? 1 : blockScores * workers)
        let rowPanelFloats = blockRows * panels.paddedFeatures
        let rowPanels = UnsafeMutablePointer<Float>.allocate(capacity: rowPanelFloats * workers)
        defer { panels.deallocate(); scoreGradients.deallocate(); dropped.deallocate(); rowPanels.deallocate() }
        let queryBlock = g.queries * dh, keyBlock = g.keys * dh
        forEachUnit(count: g.batch * g.heads, workers: workers) { head, worker in
            panels.packTransposed(value + head * keyBlock, worker: worker)
            panels.pack(key + head * keyBlock, worker: worker)
            let scoresGradient = scoreGradients + worker * blockScores
            let rowPanel = rowPanels + worker * rowPanelFloats
            for rowStart in stride(from: 0, to: g.queries, by: blockRows) {
                let rows = Swift.min(blockRows, g.queries - rowStart)
                let scoreOffset = head * g.scoresPerHead + rowStart * g.keys
                let probabilityBlock = probabilities + scoreOffset
                let maskBlock = mask.map { $0 + scoreOffset }
                let gradientRows = outputGradient + head * queryBlock + rowStart * dh
                // ∂V [Nk, dₕ] += P̃[rows]ᵀ · G[rows]
                var weights = probabilityBlock
                if let maskBlock {
                    let target = dropped + worker * blockScores
                    VectorKernels.applyKeepMask(probabilityBlock, keep: maskBlock, keepScale: keepScale, count: rows * g.keys, into: target)
                    weights = UnsafePointer(target)
                }
                HeadPanels.pack(gradientRows, depth: rows, width: dh, depthStride: dh, widthStride: 1, into: rowPanel)
                panels.accumulateTransposed(weights, depth: rows, panels: rowPanel, into: valueGradient + head * keyBlock,
                                            accumulate: rowStart > 0)
                // ∂P̃ [rows, Nk] = G[rows] · Vᵀ, then ∂S row by row
                panels.multiplyByTransposed(gradientRows, rows: rows, worker: worker, into: scoresGradient)
                for row in 0..<rows {
                    VectorMath.softmaxBackwardRow(gradient: scoresGradient + row * g.keys,
                                                  probabilities: probabilityBlock + row * g.keys,
                                                  keep: maskBlock.map { $0 + row * g.keys },
                                                  keepScale: keepScale, count: g.keys)
                }
                // ∂Q[rows] = ∂S · K ;  ∂K [Nk, dₕ] += ∂S[rows]ᵀ · Q[rows]
                panels.multiply(scoresGradient, rows: rows, worker: worker, into: queryGradient + head * queryBlock + rowStart * dh)
                HeadPanels.pack(query + head * queryBlock + rowStart * dh, depth: rows, width: dh, depthStride: dh,
                                widthStride: 1, into: rowPanel)
                panels.accumulateTransposed(scoresGradient, depth: rows, panels: rowPanel, into: keyGradient + head * keyBlock,
                                            accumulate: rowStart > 0)
            }
        }
    }
}

/// One head's two right-hand operands packed for `AVX2Kernels.pointwiseConvolution` (16-column
/// panels, zero-padded; see `PointwiseProblem`), per worker: a `[Nk, dₕ]` matrix X (keys or
/// values) as Xᵀ `[dₕ, Nk]` for products `A · Xᵀ` (scores Q·Kᵀ, G·Vᵀ), and a second one as it is,
/// `[Nk, dₕ]`, for products `A · X` (P·V, ∂S·K). Packing once per head replaces OpenBLAS packing
/// the same operand again for every row block. A kernel type: raw buffers, sized by the geometry.
struct HeadPanels {
    let keys: Int, featuresPerHead: Int
    /// Padded widths of the two packed operands (`Nk` and `dₕ` rounded up to whole panels).
    let paddedKeys: Int, paddedFeatures: Int
    private let transposed: UnsafeMutablePointer<Float>, plain: UnsafeMutablePointer<Float>
    /// Zeros, as wide as the wider operand: the kernel's bias.
    private let zeroBias: UnsafeMutablePointer<Float>

    /// Buffers for `workers` workers (none for 0: the portable path never touches them).
    init(geometry g: AttentionGeometry, workers: Int) {
        keys = g.keys
        featuresPerHead = g.featuresPerHead
        paddedKeys = AVX2Kernels.panelWidths(outputChannels: g.keys).reduce(0, +)
        paddedFeatures = AVX2Kernels.panelWidths(outputChannels: g.featuresPerHead).reduce(0, +)
        // Cache-line aligned, so no 16-float panel row straddles two lines.
        func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
                .bindMemory(to: Float.self, capacity: Swift.max(1, count))
        }
        transposed = allocate(workers * g.featuresPerHead * paddedKeys)
        plain = allocate(workers * g.keys * paddedFeatures)
        let biasWidth = Swift.max(1, Swift.max(paddedKeys, paddedFeatures))
        zeroBias = allocate(biasWidth)
        zeroBias.initialize(repeating: 0, count: biasWidth)
    }

    func deallocate() {
        UnsafeMutableRawPointer(transposed).deallocate()
        UnsafeMutableRawPointer(plain).deallocate()
        UnsafeMutableRawPointer(zeroBias).deallocate()
    }

    /// Packs `matrix` `[Nk, dₕ]` (row-major) transposed: B = matrixᵀ, K = dₕ rows, N = Nk columns.
    func packTransposed(_ matrix: UnsafePointer<Float>, worker: Int) {
        Self.pack(matrix, depth: featuresPerHead, width: keys, depthStride: 1, widthStride: featuresPerHead,
                  into: transposed + worker * featuresPerHead * paddedKeys)
    }

    /// Packs `matrix` `[Nk, dₕ]` as it is: B = matrix, K = Nk rows, N = dₕ columns.
    func pack(_ matrix: UnsafePointer<Float>, worker: Int) {
        Self.pack(matrix, depth: keys, width: featuresPerHead, depthStride: featuresPerHead, widthStride: 1,
                  into: plain + worker * keys * paddedFeatures)
    }

    /// `c [rows, Nk] = a [rows, dₕ] · Xᵀ` (rows `dₕ` apart in a, `Nk` apart in c), X the matrix
    /// last given to ``packTransposed(_:worker:)`` by this worker.
    func multiplyByTransposed(_ a: UnsafePointer<Float>, rows: Int, worker: Int, into c: UnsafeMutablePointer<Float>) {
        product(a, stride: featuresPerHead, depth: featuresPerHead, rows: rows, panels: transposed + worker * featuresPerHead * paddedKeys,
                width: keys, into: c, outputStride: keys, accumulate: false)
    }

    /// `c [rows, dₕ] = a [rows, Nk] · X` (rows `Nk` apart in a, `dₕ` apart in c), X the matrix last
    /// given to ``pack(_:worker:)`` by this worker.
    /// The product runs in chunks of ``depthChunk`` keys (X is `Nk · dₕ` floats, deeper than L2).
    func multiply(_ a: UnsafePointer<Float>, rows: Int, worker: Int, into c: UnsafeMutablePointer<Float>) {
        let problem = PanelProduct(a: a, aRowStride: keys, aDepthStride: 1, depth: keys, panels: plain + worker * keys * paddedFeatures,
                                   panelDepth: keys, c: c, cStride: featuresPerHead, columns: featuresPerHead, accumulate: false)
        VectorKernels.panelProduct(problem, rows: rows, depthChunk: Self.depthChunk)
    }

    /// Keys per chunk of ``multiply(_:rows:worker:into:)``: 256 keys of a 64-feature head are
    /// 64 KB of panels, which stay in L2 while every row tile of the block passes over them.
    static let depthChunk = 256

    /// `c [Nk, dₕ] (+)= blockᵀ · R` for a row-major `block [depth, Nk]` (a row block of P̃ or ∂S,
    /// read in place) and `R [depth, dₕ]` packed by ``pack(_:depth:width:depthStride:widthStride:mask:keepScale:into:)``
    /// into `panels` (`depth · paddedFeatures` floats); with `accumulate` added to what c holds.
    func accumulateTransposed(_ block: UnsafePointer<Float>, depth: Int, panels: UnsafePointer<Float>,
                              into c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let problem = PanelProduct(a: block, aRowStride: 1, aDepthStride: keys, depth: depth, panels: panels, panelDepth: depth,
                                   c: c, cStride: featuresPerHead, columns: featuresPerHead, accumulate: accumulate)
        VectorKernels.panelProduct(problem, rows: keys, depthChunk: Swift.max(1, depth))
    }

    /// `c [rows, width] (+)= a [rows, depth] · B` for B packed by ``pack(_:depth:width:depthStride:widthStride:mask:keepScale:into:)``
    /// (`width` ≤ the wider of `Nk`, `dₕ`); rows `stride` apart in a, `outputStride` in c; with
    /// `accumulate` the product is added to what c holds.
    func product(_ a: UnsafePointer<Float>, stride: Int, depth: Int, rows: Int, panels: UnsafePointer<Float>, width: Int,
                 into c: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool) {
        let problem = PointwiseProblem(
            input: a, inputStride: stride, inputChannels: depth, panels: panels, bias: zeroBias, slopes: nil,
            output: c, outputStride: outputStride, outputChannels: width, addend: accumulate ? UnsafePointer(c) : nil,
            addendStride: outputStride, activation: .identity)
        VectorKernels.pointwiseConvolution(problem, rows: 0..<rows)
    }

    /// Writes B `[depth, width]` (element (k, n) at `source[k · depthStride + n · widthStride]`)
    /// as `AVX2Kernels.panelWidths(outputChannels: width)` panels, each `[depth, panelWidth]`
    /// row-major, columns past `width` zero.
    /// With a `mask` (flags indexed as `source`), dropped elements are 0 and kept ones scaled by
    /// `keepScale` (P̃ = P ⊙ M). Contiguous rows (`widthStride` 1) go through the AVX2 packer
    /// (HeadPanels only serve the AVX2 path), else through ``referencePack(_:depth:width:depthStride:widthStride:mask:keepScale:into:)``,
    /// the twin it is tested against.
    static func pack(_ source: UnsafePointer<Float>, depth: Int, width: Int, depthStride: Int, widthStride: Int,
                     mask: UnsafePointer<UInt8>? = nil, keepScale: Float = 1, into panels: UnsafeMutablePointer<Float>) {
        if widthStride == 1 {
            AVX2Kernels.packPanels(source, depth: depth, width: width, depthStride: depthStride, keep: mask,
                                   keepScale: keepScale, into: panels)
        } else {
            referencePack(source, depth: depth, width: width, depthStride: depthStride, widthStride: widthStride,
                          mask: mask, keepScale: keepScale, into: panels)
        }
    }

    /// ``pack(_:depth:width:depthStride:widthStride:mask:keepScale:into:)`` element by element,
    /// for any stride.
    static func referencePack(_ source: UnsafePointer<Float>, depth: Int, width: Int, depthStride: Int, widthStride: Int,
                              mask: UnsafePointer<UInt8>? = nil, keepScale: Float = 1, into panels: UnsafeMutablePointer<Float>) {
        var target = panels, column = 0
        for panelWidth in AVX2Kernels.panelWidths(outputChannels: width) {
            let valid = Swift.min(panelWidth, width - column)
            for k in 0..<depth {
                let row = target + k * panelWidth
                let offset = k * depthStride + column * widthStride
                let sourceRow = source + offset
                if let mask {
                    precondition(widthStride == 1, "HeadPanels.pack: a mask needs contiguous rows")
                    let flags = mask + offset
                    for n in 0..<valid { row[n] = flags[n] == 0 ? 0 : sourceRow[n] * keepScale }
                } else if widthStride == 1 {
                    row.update(from: sourceRow, count: valid)
                } else {
                    for n in 0..<valid { row[n] = sourceRow[n * widthStride] }
                }
                for n in valid..<panelWidth { row[n] = 0 }
            }
            target += depth * panelWidth
            column += panelWidth
        }
    }
}
