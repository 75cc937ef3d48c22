/// One matrix product of the fused attention, `C [M, N] (+)= A [M, K] · B [K, N]`, with B in
/// the column panels of ``AVX2Kernels/pointwiseConvolution(_:rows:)`` (widths
/// ``AVX2Kernels/panelWidths(outputChannels:)``: 16, …, 16, then one of 24, 16 or 8; see
/// ``PointwiseProblem``) and A read in place through two strides, so either operand
/// layout of the attention's products needs no packing of its large matrix:
/// - contiguous rows (`aDepthStride` 1): ∂Q = ∂S·K and the forward's P·V, where B (K or V
///   packed once per head) is deeper than the L2 cache holds: the product runs in depth chunks,
///   each continuing the accumulation where the previous one stopped (the same fused
///   multiply-add chain as one pass over the whole depth, so chunking does not change a bit);
/// - transposed (`aRowStride` 1): ∂V += P̃ᵀ·G and ∂K += ∂Sᵀ·Q with A the `[rows, Nk]` block of P̃ or
///   ∂S as it lies in memory and only the small G or Q block packed.
///
/// Element (m, k) of A is `a[m · aRowStride + k · aDepthStride]`; a panel of B of width w that
/// holds columns from n₀ starts at `panels + n₀ · panelDepth` with its row k at `+ k · w`. Every pointer must be
/// valid for the extents it is used with; the caller (TensorKit's `HeadPanels`) sizes them from
/// an already validated attention geometry.
public struct PanelProduct {
    public var a: UnsafePointer<Float>
    public var aRowStride: Int
    public var aDepthStride: Int
    /// `K`.
    public var depth: Int
    public var panels: UnsafePointer<Float>
    /// Rows each packed panel holds (≥ `depth`).
    public var panelDepth: Int
    public var c: UnsafeMutablePointer<Float>
    public var cStride: Int
    /// `N`, the columns written.
    public var columns: Int
    /// Add the product to what C holds (the accumulators start from C) instead of overwriting it.
    public var accumulate: Bool

    public init(a: UnsafePointer<Float>, aRowStride: Int, aDepthStride: Int, depth: Int, panels: UnsafePointer<Float>,
                panelDepth: Int, c: UnsafeMutablePointer<Float>, cStride: Int, columns: Int, accumulate: Bool) {
        self.a = a
        self.aRowStride = aRowStride
        self.aDepthStride = aDepthStride
        self.depth = depth
        self.panels = panels
        self.panelDepth = panelDepth
        self.c = c
        self.cStride = cStride
        self.columns = columns
        self.accumulate = accumulate
    }
}

extension AVX2Kernels {
    /// Computes rows `0 ..< rows` of `problem`, `depthChunk` (≥ 1) steps of K at a time: per chunk,
    /// each 6-row tile of A passes over every panel (its A values stay in L1 while the chunk of B,
    /// `depthChunk × N` floats, stays in L2). With `rows` 0 nothing is written.
    /// The twin is ``referencePanelProduct(_:rows:)``.
    public static func panelProduct(_ problem: PanelProduct, rows: Int, depthChunk: Int) {
        precondition(depthChunk >= 1, "panelProduct: depth chunk \(depthChunk)")
        var k0 = 0
        repeat {
            let chunk = min(depthChunk, problem.depth - k0)
            let accumulate = problem.accumulate || k0 > 0
            var row = 0
            while row < rows {
                let height = min(tileRows, rows - row)
                var column = 0, panel = problem.panels
                while column < problem.columns {
                    let remaining = problem.columns - column
                    let width = lastPanelWidth(remaining: remaining)
                    switch width {
                    case 24:
                        // A 24-wide last panel: its first 16 columns, then its last 8, each row 24 floats.
                        productTile16(problem, row: row, rows: height, k0: k0, depth: chunk, panel: panel + k0 * 24, panelStride: 24,
                                      column: column, valid: 16, accumulate: accumulate)
                        productTile8(problem, row: row, rows: height, k0: k0, depth: chunk, panel: panel + k0 * 24 + 16, panelStride: 24,
                                     column: column + 16, valid: remaining - 16, accumulate: accumulate)
                    case 16:
                        productTile16(problem, row: row, rows: height, k0: k0, depth: chunk, panel: panel + k0 * 16, panelStride: 16,
                                      column: column, valid: min(16, remaining), accumulate: accumulate)
                    default:
                        productTile8(problem, row: row, rows: height, k0: k0, depth: chunk, panel: panel + k0 * 8, panelStride: 8,
                                     column: column, valid: remaining, accumulate: accumulate)
                    }
                    column += width
                    panel += width * problem.panelDepth
                }
                row += tileRows
            }
            k0 += chunk
        } while k0 < problem.depth
    }

    /// ``panelProduct(_:rows:depthChunk:)`` element by element with the same fused multiply-add
    /// chain per element (from C or 0, k ascending), so the two agree bit for bit.
    public static func referencePanelProduct(_ problem: PanelProduct, rows: Int) {
        // (first column, width) of the panel holding each column
        var owner: [(first: Int, width: Int)] = []
        for width in panelWidths(outputChannels: problem.columns) {
            owner += repeatElement((first: owner.count, width: width), count: width)
        }
        for m in 0..<rows {
            for n in 0..<problem.columns {
                let (first, width) = owner[n]
                let panel = problem.panels + first * problem.panelDepth
                var sum: Float = problem.accumulate ? problem.c[m * problem.cStride + n] : 0
                for k in 0..<problem.depth {
                    sum = sum.addingProduct(problem.a[m * problem.aRowStride + k * problem.aDepthStride], panel[k * width + n - first])
                }
                problem.c[m * problem.cStride + n] = sum
            }
        }
    }

    /// The six A row pointers of a tile at depth `k0`; rows past `rows` repeat the last valid one
    /// (computed, never stored), so no pointer leaves A.
    @inline(__always)
    static func productRows(_ p: PanelProduct, row: Int, rows: Int, k0: Int)
        -> (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) {
        let a0 = p.a + row * p.aRowStride + k0 * p.aDepthStride, s = p.aRowStride
        return (a0, a0 + min(1, rows - 1) * s, a0 + min(2, rows - 1) * s, a0 + min(3, rows - 1) * s,
                a0 + min(4, rows - 1) * s, a0 + min(5, rows - 1) * s)
    }

    /// Eight columns of C row `row` from `column` (`valid` of them, the rest 0), or 0 lanes
    /// when the tile does not accumulate or the row is past the tile.
    @inline(__always)
    static func productStart(_ p: PanelProduct, row: Int, present: Bool, column: Int, valid: Int, accumulate: Bool) -> Lanes {
        guard accumulate, present, valid > 0 else { return Lanes(repeating: 0) }
        let source = UnsafePointer(p.c + row * p.cStride + column)
        return valid >= 8 ? load(source) : loadPartial(source, count: valid)
    }

    @inline(__always)
    static func productStore(_ sum: Lanes, _ p: PanelProduct, row: Int, present: Bool, column: Int, valid: Int) {
        guard present, valid > 0 else { return }
        let target = p.c + row * p.cStride + column
        if valid >= 8 { store(sum, to: target) } else { storePartial(sum, to: target, count: valid) }
    }

    /// Rows `row ..< row + rows` (≤ 6) × 16 columns of one panel from `column`, depth
    /// `k0 ..< k0 + depth` (`panel` already points at row k0 of those columns; the panel's rows
    /// are `panelStride` floats apart).
    @inline(__always)
    static func productTile16(_ p: PanelProduct, row: Int, rows: Int, k0: Int, depth: Int, panel: UnsafePointer<Float>,
                              panelStride: Int, column: Int, valid: Int, accumulate: Bool) {
        let (a0, a1, a2, a3, a4, a5) = productRows(p, row: row, rows: rows, k0: k0)
        let low = min(8, valid), high = valid - 8
        var c00 = productStart(p, row: row, present: true, column: column, valid: low, accumulate: accumulate)
        var c01 = productStart(p, row: row, present: true, column: column + 8, valid: high, accumulate: accumulate)
        var c10 = productStart(p, row: row + 1, present: rows > 1, column: column, valid: low, accumulate: accumulate)
        var c11 = productStart(p, row: row + 1, present: rows > 1, column: column + 8, valid: high, accumulate: accumulate)
        var c20 = productStart(p, row: row + 2, present: rows > 2, column: column, valid: low, accumulate: accumulate)
        var c21 = productStart(p, row: row + 2, present: rows > 2, column: column + 8, valid: high, accumulate: accumulate)
        var c30 = productStart(p, row: row + 3, present: rows > 3, column: column, valid: low, accumulate: accumulate)
        var c31 = productStart(p, row: row + 3, present: rows > 3, column: column + 8, valid: high, accumulate: accumulate)
        var c40 = productStart(p, row: row + 4, present: rows > 4, column: column, valid: low, accumulate: accumulate)
        var c41 = productStart(p, row: row + 4, present: rows > 4, column: column + 8, valid: high, accumulate: accumulate)
        var c50 = productStart(p, row: row + 5, present: rows > 5, column: column, valid: low, accumulate: accumulate)
        var c51 = productStart(p, row: row + 5, present: rows > 5, column: column + 8, valid: high, accumulate: accumulate)
        let step = p.aDepthStride
        var offset = 0, b = panel
        for _ in 0..<depth {
            let b0 = load(b), b1 = load(b + 8)
            var x = Lanes(repeating: a0[offset])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = Lanes(repeating: a1[offset])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = Lanes(repeating: a2[offset])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = Lanes(repeating: a3[offset])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = Lanes(repeating: a4[offset])
            c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = Lanes(repeating: a5[offset])
            c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            offset += step
            b += panelStride
        }
        productStore(c00, p, row: row, present: true, column: column, valid: low)
        productStore(c01, p, row: row, present: true, column: column + 8, valid: high)
        productStore(c10, p, row: row + 1, present: rows > 1, column: column, valid: low)
        productStore(c11, p, row: row + 1, present: rows > 1, column: column + 8, valid: high)
        productStore(c20, p, row: row + 2, present: rows > 2, column: column, valid: low)
        productStore(c21, p, row: row + 2, present: rows > 2, column: column + 8, valid: high)
        productStore(c30, p, row: row + 3, present: rows > 3, column: column, valid: low)
        productStore(c31, p, row: row + 3, present: rows > 3, column: column + 8, valid: high)
        productStore(c40, p, row: row + 4, present: rows > 4, column: column, valid: low)
        productStore(c41, p, row: row + 4, present: rows > 4, column: column + 8, valid: high)
        productStore(c50, p, row: row + 5, present: rows > 5, column: column, valid: low)
        productStore(c51, p, row: row + 5, present: rows > 5, column: column + 8, valid: high)
    }

    /// ``productTile16(_:row:rows:k0:depth:panel:panelStride:column:valid:accumulate:)`` for 8
    /// columns: a last panel 8 wide, or the last 8 columns of one 24 wide.
    @inline(__always)
    static func productTile8(_ p: PanelProduct, row: Int, rows: Int, k0: Int, depth: Int, panel: UnsafePointer<Float>,
                             panelStride: Int, column: Int, valid: Int, accumulate: Bool) {
        let (a0, a1, a2, a3, a4, a5) = productRows(p, row: row, rows: rows, k0: k0)
        var c0 = productStart(p, row: row, present: true, column: column, valid: valid, accumulate: accumulate)
        var c1 = productStart(p, row: row + 1, present: rows > 1, column: column, valid: valid, accumulate: accumulate)
        var c2 = productStart(p, row: row + 2, present: rows > 2, column: column, valid: valid, accumulate: accumulate)
        var c3 = productStart(p, row: row + 3, present: rows > 3, column: column, valid: valid, accumulate: accumulate)
        var c4 = productStart(p, row: row + 4, present: rows > 4, column: column, valid: valid, accumulate: accumulate)
        var c5 = productStart(p, row: row + 5, present: rows > 5, column: column, valid: valid, accumulate: accumulate)
        let step = p.aDepthStride
        var offset = 0, b = panel
        for _ in 0..<depth {
            let b0 = load(b)
            c0 = c0.addingProduct(Lanes(repeating: a0[offset]), b0)
            c1 = c1.addingProduct(Lanes(repeating: a1[offset]), b0)
            c2 = c2.addingProduct(Lanes(repeating: a2[offset]), b0)
            c3 = c3.addingProduct(Lanes(repeating: a3[offset]), b0)
            c4 = c4.addingProduct(Lanes(repeating: a4[offset]), b0)
            c5 = c5.addingProduct(Lanes(repeating: a5[offset]), b0)
            offset += step
            b += panelStride
        }
        productStore(c0, p, row: row, present: true, column: column, valid: valid)
        productStore(c1, p, row: row + 1, present: rows > 1, column: column, valid: valid)
        productStore(c2, p, row: row + 2, present: rows > 2, column: column, valid: valid)
        productStore(c3, p, row: row + 3, present: rows > 3, column: column, valid: valid)
        productStore(c4, p, row: row + 4, present: rows > 4, column: column, valid: valid)
        productStore(c5, p, row: row + 5, present: rows > 5, column: column, valid: valid)
    }
}
