import Foundation
import VectorKernelsAVX2

/// One pre-norm transformer block in eval mode, as timm's `Block` (timm/models/vision_transformer.py)
/// computes it on `x` `[S·T, D]` (S sequences of T tokens, row-major):
///
///     x += ls1 · proj(attention(qkv(norm1(x))))        attention per sequence and head, q scaled by dₕ^(−½)
///     x += ls2 · fc2(act(fc1(norm2(x))))               or, gated (timm SwiGLUPacked): fc2(act(a) · b), a, b = fc1(…).chunk(2)
///
/// ``run(_:on:sequences:tokens:)`` is the fast path: every linear layer is one GEMM over all S·T
/// tokens (split over the cores by rows, GEMM.swift), bias + activation, the gated product and the
/// LayerScale residual are single vectorised passes (``TransformerKernels``), and attention runs
/// per (sequence, head) with strided GEMMs straight on the `[S·T, 3D]` QKV buffer — `Q·Kᵀ`
/// (scaled by `alpha`), the AVX2 softmax, `P·V` written into its head's columns of `[S·T, D]` —
/// with no permuted copies; (sequence, head) pairs are spread over the cores. Its twin
/// ``reference(_:sequences:tokens:)`` composes Tensor ops and is what the tests compare it with.
public struct PreNormTransformerBlock: Sendable {
    /// The MLP's activation (timm `act_layer`).
    public enum Activation: Sendable {
        /// `nn.GELU()`, exact (erf).
        case gelu
        /// `nn.SiLU()`.
        case silu
    }

    public let norm1Weight, norm1Bias: Tensor
    /// `[3D, D]` (rows: q, k, v, each head's dₕ rows in order) and `[3D]`.
    public let qkvWeight: Tensor
    public let qkvBias: Tensor?
    public let projWeight, projBias: Tensor
    public let norm2Weight, norm2Bias: Tensor
    /// `[H, D]`, `[H]`; H holds both halves when `gated`.
    public let fc1Weight, fc1Bias: Tensor
    /// `[D, H]` or `[D, H/2]` when gated; `[D]`.
    public let fc2Weight, fc2Bias: Tensor
    /// LayerScale `ls1.gamma`, `ls2.gamma` (`[D]`), or nil.
    public let gamma1, gamma2: Tensor?
    public let headCount: Int
    public let epsilon: Float
    public let activation: Activation
    /// timm `SwiGLUPacked`: `act(first half) · second half` of fc1's output.
    public let gated: Bool

    public init(norm1Weight: Tensor, norm1Bias: Tensor, qkvWeight: Tensor, qkvBias: Tensor?, projWeight: Tensor, projBias: Tensor,
                norm2Weight: Tensor, norm2Bias: Tensor, fc1Weight: Tensor, fc1Bias: Tensor, fc2Weight: Tensor, fc2Bias: Tensor,
                gamma1: Tensor?, gamma2: Tensor?, headCount: Int, epsilon: Float, activation: Activation, gated: Bool) {
        let d = norm1Weight.count, hidden = fc1Weight.shape.first ?? 0
        precondition(d > 0 && headCount > 0 && d % headCount == 0, "PreNormTransformerBlock: width \(d) and \(headCount) heads")
        precondition(norm1Bias.shape == [d] && norm2Weight.shape == [d] && norm2Bias.shape == [d]
                     && qkvWeight.shape == [3 * d, d] && (qkvBias?.shape ?? [3 * d]) == [3 * d]
                     && projWeight.shape == [d, d] && projBias.shape == [d]
                     && fc1Weight.shape == [hidden, d] && fc1Bias.shape == [hidden] && hidden > 0 && (!gated || hidden % 2 == 0)
                     && fc2Weight.shape == [d, gated ? hidden / 2 : hidden] && fc2Bias.shape == [d]
                     && (gamma1?.shape ?? [d]) == [d] && (gamma2?.shape ?? [d]) == [d],
                     "PreNormTransformerBlock: inconsistent weight shapes")
        self.norm1Weight = norm1Weight
        self.norm1Bias = norm1Bias
        self.qkvWeight = qkvWeight
        self.qkvBias = qkvBias
        self.projWeight = projWeight
        self.projBias = projBias
        self.norm2Weight = norm2Weight
        self.norm2Bias = norm2Bias
        self.fc1Weight = fc1Weight
        self.fc1Bias = fc1Bias
        self.fc2Weight = fc2Weight
        self.fc2Bias = fc2Bias
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.headCount = headCount
        self.epsilon = epsilon
        self.activation = activation
        self.gated = gated
    }

    /// `D`.
    public var width: Int { norm1Weight.count }
    /// fc1's output width `H`.
    public var hiddenWidth: Int { fc1Weight.shape[0] }
    /// fc2's input width: `H`, or `H/2` when gated.
    public var innerWidth: Int { fc2Weight.shape[1] }
    public var headDimension: Int { width / headCount }

    /// Floating-point operations of one block on one sequence of `tokens` tokens, counting a
    /// multiply-add as two: the four linear layers and the two attention GEMMs (`Q·Kᵀ`, `P·V`).
    public func flops(tokens: Int) -> Double {
        let t = Double(tokens), d = Double(width)
        let linear = 2 * t * d * (3 * d + d + Double(hiddenWidth) + Double(innerWidth))
        return linear + 2 * 2 * t * t * d
    }

    var tokenActivation: TokenActivation { activation == .gelu ? .gelu : .silu }
}

extension PreNormTransformerBlock {
    /// Runs `blocks` in order on `x` `[sequences · tokens, D]` (the fast path) and returns the
    /// new token rows, same shape.
    public static func run(_ blocks: [PreNormTransformerBlock], on x: Tensor, sequences: Int, tokens: Int) -> Tensor {
        guard let first = blocks.first else { return x }
        let d = first.width, rows = sequences * tokens
        precondition(x.shape == [rows, d] && tokens > 0 && sequences > 0 && blocks.allSatisfy { $0.width == d },
                     "PreNormTransformerBlock.run: x \(x.shape) is not [\(sequences)·\(tokens), \(d)]")
        let hidden = blocks.map(\.hiddenWidth).max()!, inner = blocks.map { $0.gated ? $0.innerWidth : 0 }.max()!
        let workspace = Workspace(rows: rows, width: d, hidden: hidden, inner: inner, tokens: tokens,
                                  attentionWorkers: attentionWorkers(pairs: sequences * first.headCount, tokens: tokens))
        defer { workspace.deallocate() }
        let result = [Float](unsafeUninitializedCapacity: rows * d) { buffer, initialized in
            let residual = buffer.baseAddress!
            x.scalars.withUnsafeBufferPointer { residual.update(from: $0.baseAddress!, count: rows * d) }
            for block in blocks { block.apply(to: residual, sequences: sequences, tokens: tokens, workspace: workspace) }
            initialized = rows * d
        }
        return Tensor(shape: [rows, d], scalars: result)
    }

    /// Runs `blocks` through ``reference(_:sequences:tokens:)`` (the twin of ``run(_:on:sequences:tokens:)``).
    public static func runReference(_ blocks: [PreNormTransformerBlock], on x: Tensor, sequences: Int, tokens: Int) -> Tensor {
        blocks.reduce(x) { $1.reference($0, sequences: sequences, tokens: tokens) }
    }

    /// The block from composed Tensor ops (`layerNorm`, `linear`, reshape/permute, the fused
    /// attention, scalar `erff` GELU): the reference for the fast path.
    public func reference(_ x: Tensor, sequences: Int, tokens: Int) -> Tensor {
        let d = width, heads = headCount, dh = headDimension
        let qkv = x.layerNorm(weight: norm1Weight, bias: norm1Bias, eps: epsilon)
            .linear(weight: qkvWeight, bias: qkvBias)
            .reshaped([sequences, tokens, 3, heads, dh]).permuted([2, 0, 3, 1, 4])
        let parts = qkv.split(axis: 0, sizes: [1, 1, 1]).map { $0.reshaped([sequences, heads, tokens, dh]) }
        var generator = SeededGenerator(seed: 0)   // no dropout at inference; the generator is not drawn from
        let attended = Tensor.attention(query: parts[0] * (1 / Float(dh).squareRoot()), key: parts[1], value: parts[2],
                                        generator: &generator).output
        var branch = attended.permuted([0, 2, 1, 3]).reshaped([sequences * tokens, d]).linear(weight: projWeight, bias: projBias)
        if let gamma1 { branch = branch * gamma1 }
        let afterAttention = x + branch
        var hidden = afterAttention.layerNorm(weight: norm2Weight, bias: norm2Bias, eps: epsilon).linear(weight: fc1Weight, bias: fc1Bias)
        let activation = tokenActivation
        if gated {
            let (rows, half) = (hidden.shape[0], hiddenWidth / 2)
            let source = hidden.scalars
            hidden = Tensor(shape: [rows, half], scalars: (0..<(rows * half)).map { index in
                let (row, column) = index.quotientAndRemainder(dividingBy: half)
                return TransformerKernels.activate(source[row * 2 * half + column], activation) * source[row * 2 * half + half + column]
            })
        } else {
            hidden = Tensor(shape: hidden.shape, scalars: hidden.scalars.map { TransformerKernels.activate($0, activation) })
        }
        var mlp = hidden.linear(weight: fc2Weight, bias: fc2Bias)
        if let gamma2 { mlp = mlp * gamma2 }
        return afterAttention + mlp
    }

    /// Attention workers for `pairs` (sequence, head) pairs: one inside a data-parallel worker
    /// (each core already encodes its own words) or for small problems, else every core.
    static func attentionWorkers(pairs: Int, tokens: Int) -> Int {
        guard !DataParallelWorker.isCurrentThreadWorker, pairs > 1, pairs * tokens * tokens >= 1 << 16 else { return 1 }
        return min(ParallelLoop.workerCount, pairs)
    }

    /// Query rows of one attention score block: `[rows, T]` scores stay in cache between the two GEMMs.
    static let attentionRowBlock = 256

    /// The buffers of one forward pass, allocated once for all blocks.
    final class Workspace {
        let normed, qkv, attended, hidden: UnsafeMutablePointer<Float>
        let inner: UnsafeMutablePointer<Float>?
        /// Per attention worker: `[rowBlock, T]` scores and `rowBlock` inverse sums.
        let scores, inverses: UnsafeMutablePointer<Float>
        let scoreRows: Int, attentionWorkers: Int

        init(rows: Int, width: Int, hidden: Int, inner: Int, tokens: Int, attentionWorkers: Int) {
            normed = .allocate(capacity: rows * width)
            qkv = .allocate(capacity: rows * 3 * width)
            attended = .allocate(capacity: rows * width)
            self.hidden = .allocate(capacity: rows * hidden)
            self.inner = inner > 0 ? .allocate(capacity: rows * inner) : nil
            scoreRows = Swift.min(tokens, PreNormTransformerBlock.attentionRowBlock)
            self.attentionWorkers = attentionWorkers
            scores = .allocate(capacity: scoreRows * tokens * attentionWorkers)
            inverses = .allocate(capacity: scoreRows * attentionWorkers)
        }

        func deallocate() {
            for buffer in [normed, qkv, attended, hidden, scores, inverses] { buffer.deallocate() }
            inner?.deallocate()
        }
    }

    /// One block in place on `residual` `[S·T, D]`.
    func apply(to residual: UnsafeMutablePointer<Float>, sequences: Int, tokens: Int, workspace w: Workspace) {
        let d = width, rows = sequences * tokens, hidden = hiddenWidth, inner = innerWidth
        withPointers(to: [norm1Weight, norm1Bias, qkvWeight, qkvBias, projWeight, projBias, norm2Weight, norm2Bias,
                          fc1Weight, fc1Bias, fc2Weight, fc2Bias, gamma1, gamma2]) { p in
            let (norm1W, norm1B, qkvW, qkvB, projW, projB) = (p[0]!, p[1]!, p[2]!, p[3], p[4]!, p[5]!)
            let (norm2W, norm2B, fc1W, fc1B, fc2W, fc2B, ls1, ls2) = (p[6]!, p[7]!, p[8]!, p[9]!, p[10]!, p[11]!, p[12], p[13])
            // Attention branch.
            Self.rowChunks(rows, cost: d) { range in
                TransformerKernels.layerNormRows(source: residual, rows: range, width: d, eps: epsilon, weight: norm1W, bias: norm1B,
                                                 output: w.normed)
            }
            sgemm(transposeA: false, transposeB: true, m: rows, n: 3 * d, k: d, a: w.normed, b: qkvW, c: w.qkv)
            if let qkvB {
                Self.rowChunks(rows, cost: 3 * d) { range in
                    TransformerKernels.biasActivationRows(w.qkv, rows: range, width: 3 * d, bias: qkvB, activation: .identity)
                }
            }
            attention(qkv: w.qkv, output: w.attended, sequences: sequences, tokens: tokens, workspace: w)
            sgemm(transposeA: false, transposeB: true, m: rows, n: d, k: d, a: w.attended, b: projW, c: w.normed)
            Self.rowChunks(rows, cost: d) { range in
                TransformerKernels.residualRows(residual, branch: w.normed, rows: range, width: d, bias: projB, gamma: ls1)
            }
            // MLP branch.
            Self.rowChunks(rows, cost: d) { range in
                TransformerKernels.layerNormRows(source: residual, rows: range, width: d, eps: epsilon, weight: norm2W, bias: norm2B,
                                                 output: w.normed)
            }
            sgemm(transposeA: false, transposeB: true, m: rows, n: hidden, k: d, a: w.normed, b: fc1W, c: w.hidden)
            let activated: UnsafeMutablePointer<Float>
            if gated {
                activated = w.inner!
                Self.rowChunks(rows, cost: hidden) { range in
                    TransformerKernels.gatedActivationRows(source: w.hidden, rows: range, half: inner, bias: fc1B, target: activated,
                                                           activation: tokenActivation)
                }
            } else {
                activated = w.hidden
                Self.rowChunks(rows, cost: hidden) { range in
                    TransformerKernels.biasActivationRows(w.hidden, rows: range, width: hidden, bias: fc1B, activation: tokenActivation)
                }
            }
            sgemm(transposeA: false, transposeB: true, m: rows, n: d, k: inner, a: activated, b: fc2W, c: w.attended)
            Self.rowChunks(rows, cost: d) { range in
                TransformerKernels.residualRows(residual, branch: w.attended, rows: range, width: d, bias: fc2B, gamma: ls2)
            }
        }
    }

    /// `softmax(Q·Kᵀ / √dₕ) · V` for every (sequence, head), read from `qkv` `[S·T, 3D]` (columns
    /// q | k | v, head h at `h·dₕ` within each) and written into `output` `[S·T, D]` at the head's
    /// columns, as the transpose + reshape of timm's attention would lay it out.
    func attention(qkv: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, sequences: Int, tokens: Int,
                   workspace w: Workspace) {
        let d = width, dh = headDimension, heads = headCount, rowStride = 3 * d
        let scale = 1 / Float(dh).squareRoot()
        AttentionKernels.forEachUnit(count: sequences * heads, workers: w.attentionWorkers) { pair, worker in
            let (sequence, head) = pair.quotientAndRemainder(dividingBy: heads)
            let base = UnsafePointer(qkv + sequence * tokens * rowStride + head * dh)
            let (query, key, value) = (base, base + d, base + 2 * d)
            let target = output + sequence * tokens * d + head * dh
            let scores = w.scores + worker * w.scoreRows * tokens, inverses = w.inverses + worker * w.scoreRows
            for rowStart in stride(from: 0, to: tokens, by: w.scoreRows) {
                let blockRows = Swift.min(w.scoreRows, tokens - rowStart)
                // scores [rows, T] = scale · Q[rows] · Kᵀ
                sgemm(transposeA: false, transposeB: true, m: blockRows, n: tokens, k: dh,
                      a: query + rowStart * rowStride, lda: rowStride, b: key, ldb: rowStride, c: scores, ldc: tokens, alpha: scale)
                for row in 0..<blockRows {
                    inverses[row] = VectorMath.softmaxRow(scores + row * tokens, count: tokens, normalizes: false)
                }
                // output[rows] [rows, dₕ] = e^(S − max) · V, then each row times 1 / Σ
                sgemm(transposeA: false, transposeB: false, m: blockRows, n: dh, k: tokens,
                      a: scores, lda: tokens, b: value, ldb: rowStride, c: target + rowStart * d, ldc: d)
                for row in 0..<blockRows {
                    TransformerKernels.scale(target + (rowStart + row) * d, count: dh, by: inverses[row])
                }
            }
        }
    }

    /// Splits `rows` rows over the cores when the pass is large enough (serial inside a data-parallel worker).
    @inline(__always)
    static func rowChunks(_ rows: Int, cost: Int, _ body: (Range<Int>) -> Void) {
        ParallelLoop.forEachChunk(count: rows, costPerItem: cost, body)
    }
}

/// Calls `body` with base pointers to the elements of `tensors` (nil for a nil tensor), all valid
/// for the duration of the call.
func withPointers<Result>(to tensors: [Tensor?], _ body: ([UnsafePointer<Float>?]) -> Result) -> Result {
    withPointers(to: tensors[...], collected: [], body)
}

private func withPointers<Result>(to tensors: ArraySlice<Tensor?>, collected: [UnsafePointer<Float>?],
                                  _ body: ([UnsafePointer<Float>?]) -> Result) -> Result {
    guard let first = tensors.first else { return body(collected) }
    let rest = tensors.dropFirst()
    guard let tensor = first else { return withPointers(to: rest, collected: collected + [nil], body) }
    return tensor.scalars.withUnsafeBufferPointer { withPointers(to: rest, collected: collected + [$0.baseAddress], body) }
}
