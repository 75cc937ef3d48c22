/// One channels-last matrix product with its epilogue fused:
/// `Y[m, n] = activation(Σ_k X[m, k] · W[k, n] + addend[m, n] + bias[n])` for the rows given to
/// ``AVX2Kernels/pointwiseConvolution(_:rows:)`` — a 1×1 convolution (rows are pixels) or the GEMM
/// of an im2col convolution (rows are receptive fields).
///
/// `panels` holds W in column panels, each `[K, width]` row-major and zero-padded: panels of
/// width 16 while more than 24 columns remain, then one last panel of width 24, 16 or 8
/// (``AVX2Kernels/panelWidths(outputChannels:)``). `bias` and `slopes` are zero-padded to the
/// panels' total width. Every pointer must be valid for the extents it is used with; the caller
/// (TensorKit's `Conv2d`) validates the shapes before building the problem.
public struct PointwiseProblem {
    public var input: UnsafePointer<Float>
    /// Distance between input rows (pixels) in floats.
    public var inputStride: Int
    /// `K`.
    public var inputChannels: Int
    public var panels: UnsafePointer<Float>
    public var bias: UnsafePointer<Float>
    public var slopes: UnsafePointer<Float>?
    public var output: UnsafeMutablePointer<Float>
    public var outputStride: Int
    /// `N`, the columns actually written.
    public var outputChannels: Int
    /// Added before the bias (residual); may equal `output` (in-place accumulation).
    public var addend: UnsafePointer<Float>?
    public var addendStride: Int
    public var activation: KernelActivation

    public init(input: UnsafePointer<Float>, inputStride: Int, inputChannels: Int, panels: UnsafePointer<Float>,
                bias: UnsafePointer<Float>, slopes: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                outputStride: Int, outputChannels: Int, addend: UnsafePointer<Float>?, addendStride: Int,
                activation: KernelActivation) {
        self.input = input
        self.inputStride = inputStride
        self.inputChannels = inputChannels
        self.panels = panels
        self.bias = bias
        self.slopes = slopes
        self.output = output
        self.outputStride = outputStride
        self.outputChannels = outputChannels
        self.addend = addend
        self.addendStride = addendStride
        self.activation = activation
    }
}

extension AVX2Kernels {
    /// The widths of the column panels for `outputChannels` columns: 16, …, 16, then one last
    /// panel of 24 (17…24 columns left), 16 (9…16) or 8 (1…8). Each width has its own micro-tile:
    /// 6 × 16, 4 × 24 and 6 × 8. The 24-wide last panel is there for the narrow layers of the
    /// mobile CNNs (N = 24, 40, 72, 120): as 16 + 8 their last 8 columns ran in a 6 × 8 tile, half
    /// the FMAs per loaded value of the 6 × 16 one, and every input row was read twice; the 4 × 24
    /// tile has the 6 × 16 tile's 12 accumulators and reads each input row once.
    /// Portable code (no AVX2 instruction), so TensorKit may call it to pack weights.
    public static func panelWidths(outputChannels: Int) -> [Int] {
        var widths = [Int](), remaining = outputChannels
        while remaining > 0 {
            let width = lastPanelWidth(remaining: remaining)
            widths.append(width)
            remaining -= width
        }
        return widths
    }

    /// The width of the next panel when `remaining` columns are left (see ``panelWidths(outputChannels:)``).
    @inline(__always)
    static func lastPanelWidth(remaining: Int) -> Int {
        remaining > 24 ? 16 : remaining > 16 ? 24 : remaining > 8 ? 16 : 8
    }

    /// Rows of the 16- and 8-wide micro-tiles: 6 rows × 16 columns are 12 accumulator registers,
    /// with 2 for the weight row and 1 for the broadcast input value (16 ymm registers on AVX2).
    static let tileRows = 6

    /// Rows of the 24-wide micro-tile: 4 rows × 24 columns, again 12 accumulators, 3 weight
    /// vectors and the broadcast value.
    static let wideTileRows = 4

    /// Computes output rows `rows` of `problem`. Rows are taken in blocks whose input stays in
    /// the L2 cache while every column panel passes over it; each tile (6 × 16, 4 × 24 or 6 × 8)
    /// accumulates the whole sum over K in registers, in k order, and goes through the epilogue
    /// (addend, bias, activation) before it is stored once. Every output is computed the same way
    /// whatever the tile, so the result does not depend on the panel layout or the row range.
    public static func pointwiseConvolution(_ problem: PointwiseProblem, rows: Range<Int>) {
        switch problem.activation {
        case .identity: pointwiseConvolution(problem, rows: rows, IdentityActivation.self)
        case .relu: pointwiseConvolution(problem, rows: rows, ReLUActivation.self)
        case .relu6: pointwiseConvolution(problem, rows: rows, ReLU6Activation.self)
        case .prelu: pointwiseConvolution(problem, rows: rows, PReLUActivation.self)
        }
    }

    static func pointwiseConvolution<A: LaneActivation>(_ problem: PointwiseProblem, rows: Range<Int>, _ activation: A.Type) {
        let k = problem.inputChannels
        // About 128 KB of input rows per block.
        let blockRows = max(tileRows, 32_768 / max(k, 1) / tileRows * tileRows)
        var blockStart = rows.lowerBound
        while blockStart < rows.upperBound {
            let blockEnd = min(rows.upperBound, blockStart + blockRows)
            var column = 0
            var panel = problem.panels
            while column < problem.outputChannels {
                let remaining = problem.outputChannels - column
                let width = lastPanelWidth(remaining: remaining)
                var row = blockStart
                let wholeColumns = remaining >= width
                switch width {
                case 16:
                    while row < blockEnd {
                        let rows = min(tileRows, blockEnd - row)
                        if wholeColumns && rows == tileRows {
                            tile16(problem, row: row, rows: rows, panel: panel, column: column, valid: 16, A.self, WholeTile.self)
                        } else {
                            tile16(problem, row: row, rows: rows, panel: panel, column: column, valid: min(16, remaining), A.self, EdgeTile.self)
                        }
                        row += tileRows
                    }
                case 24:
                    while row < blockEnd {
                        let rows = min(wideTileRows, blockEnd - row)
                        if wholeColumns && rows == wideTileRows {
                            tile24(problem, row: row, rows: rows, panel: panel, column: column, valid: 24, A.self, WholeTile.self)
                        } else {
                            tile24(problem, row: row, rows: rows, panel: panel, column: column, valid: remaining, A.self, EdgeTile.self)
                        }
                        row += wideTileRows
                    }
                default:
                    while row < blockEnd {
                        let rows = min(tileRows, blockEnd - row)
                        if wholeColumns && rows == tileRows {
                            tile8(problem, row: row, rows: rows, panel: panel, column: column, valid: 8, A.self, WholeTile.self)
                        } else {
                            tile8(problem, row: row, rows: rows, panel: panel, column: column, valid: remaining, A.self, EdgeTile.self)
                        }
                        row += tileRows
                    }
                }
                panel += width * k
                column += width
            }
            blockStart = blockEnd
        }
    }

    /// The input rows of a tile; rows past `rows` repeat the first one (computed, never stored).
    @inline(__always)
    static func tileInputRows(_ p: PointwiseProblem, row: Int, rows: Int)
        -> (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) {
        let stride = p.inputStride
        let a0 = p.input + row * stride
        return (a0, rows > 1 ? a0 + stride : a0, rows > 2 ? a0 + 2 * stride : a0, rows > 3 ? a0 + 3 * stride : a0,
                rows > 4 ? a0 + 4 * stride : a0, rows > 5 ? a0 + 5 * stride : a0)
    }

    /// Rows `row ..< row + rows` (rows ≤ 6) × panel columns `column ..< column + 16`. Missing rows
    /// repeat the first row's input and are not stored.
    @inline(__always)
    static func tile16<A: LaneActivation, S: TileShape>(_ p: PointwiseProblem, row: Int, rows: Int, panel: UnsafePointer<Float>, column: Int,
                                          valid: Int, _ activation: A.Type, _ shape: S.Type) {
        let (rows, valid) = S.isWhole ? (tileRows, 16) : (rows, valid)
        let (a0, a1, a2, a3, a4, a5) = tileInputRows(p, row: row, rows: rows)
        let zero = Lanes(repeating: 0)
        var c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero
        var c30 = zero, c31 = zero, c40 = zero, c41 = zero, c50 = zero, c51 = zero
        var b = panel
        for index in 0..<p.inputChannels {
            let b0 = load(b), b1 = load(b + 8)
            var x = Lanes(repeating: a0[index])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = Lanes(repeating: a1[index])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = Lanes(repeating: a2[index])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = Lanes(repeating: a3[index])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = Lanes(repeating: a4[index])
            c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = Lanes(repeating: a5[index])
            c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            b += 16
        }
        finishRow(c00, p, row: row, column: column, valid: min(8, valid), A.self)
        finishRow(c01, p, row: row, column: column + 8, valid: valid - 8, A.self)
        if rows > 1 {
            finishRow(c10, p, row: row + 1, column: column, valid: min(8, valid), A.self)
            finishRow(c11, p, row: row + 1, column: column + 8, valid: valid - 8, A.self)
        }
        if rows > 2 {
            finishRow(c20, p, row: row + 2, column: column, valid: min(8, valid), A.self)
            finishRow(c21, p, row: row + 2, column: column + 8, valid: valid - 8, A.self)
        }
        if rows > 3 {
            finishRow(c30, p, row: row + 3, column: column, valid: min(8, valid), A.self)
            finishRow(c31, p, row: row + 3, column: column + 8, valid: valid - 8, A.self)
        }
        if rows > 4 {
            finishRow(c40, p, row: row + 4, column: column, valid: min(8, valid), A.self)
            finishRow(c41, p, row: row + 4, column: column + 8, valid: valid - 8, A.self)
        }
        if rows > 5 {
            finishRow(c50, p, row: row + 5, column: column, valid: min(8, valid), A.self)
            finishRow(c51, p, row: row + 5, column: column + 8, valid: valid - 8, A.self)
        }
    }

    /// Rows `row ..< row + rows` (rows ≤ 4) × the last panel's 24 columns `column ..< column + 24`,
    /// of which the first `valid` (17…24) are stored. Missing rows repeat the first row's input
    /// and are not stored.
    @inline(__always)
    static func tile24<A: LaneActivation, S: TileShape>(_ p: PointwiseProblem, row: Int, rows: Int, panel: UnsafePointer<Float>, column: Int,
                                          valid: Int, _ activation: A.Type, _ shape: S.Type) {
        let (rows, valid) = S.isWhole ? (wideTileRows, 24) : (rows, valid)
        let stride = p.inputStride
        let a0 = p.input + row * stride
        let a1 = rows > 1 ? a0 + stride : a0, a2 = rows > 2 ? a0 + 2 * stride : a0, a3 = rows > 3 ? a0 + 3 * stride : a0
        let zero = Lanes(repeating: 0)
        var c00 = zero, c01 = zero, c02 = zero, c10 = zero, c11 = zero, c12 = zero
        var c20 = zero, c21 = zero, c22 = zero, c30 = zero, c31 = zero, c32 = zero
        var b = panel
        for index in 0..<p.inputChannels {
            let b0 = load(b), b1 = load(b + 8), b2 = load(b + 16)
            var x = Lanes(repeating: a0[index])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1); c02 = c02.addingProduct(x, b2)
            x = Lanes(repeating: a1[index])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1); c12 = c12.addingProduct(x, b2)
            x = Lanes(repeating: a2[index])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1); c22 = c22.addingProduct(x, b2)
            x = Lanes(repeating: a3[index])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1); c32 = c32.addingProduct(x, b2)
            b += 24
        }
        finishRow(c00, p, row: row, column: column, valid: 8, A.self)
        finishRow(c01, p, row: row, column: column + 8, valid: 8, A.self)
        finishRow(c02, p, row: row, column: column + 16, valid: valid - 16, A.self)
        if rows > 1 {
            finishRow(c10, p, row: row + 1, column: column, valid: 8, A.self)
            finishRow(c11, p, row: row + 1, column: column + 8, valid: 8, A.self)
            finishRow(c12, p, row: row + 1, column: column + 16, valid: valid - 16, A.self)
        }
        if rows > 2 {
            finishRow(c20, p, row: row + 2, column: column, valid: 8, A.self)
            finishRow(c21, p, row: row + 2, column: column + 8, valid: 8, A.self)
            finishRow(c22, p, row: row + 2, column: column + 16, valid: valid - 16, A.self)
        }
        if rows > 3 {
            finishRow(c30, p, row: row + 3, column: column, valid: 8, A.self)
            finishRow(c31, p, row: row + 3, column: column + 8, valid: 8, A.self)
            finishRow(c32, p, row: row + 3, column: column + 16, valid: valid - 16, A.self)
        }
    }

    /// ``tile16(_:row:rows:panel:column:valid:)`` for the last panel when it is 8 columns wide.
    @inline(__always)
    static func tile8<A: LaneActivation, S: TileShape>(_ p: PointwiseProblem, row: Int, rows: Int, panel: UnsafePointer<Float>, column: Int,
                                         valid: Int, _ activation: A.Type, _ shape: S.Type) {
        let (rows, valid) = S.isWhole ? (tileRows, 8) : (rows, valid)
        let (a0, a1, a2, a3, a4, a5) = tileInputRows(p, row: row, rows: rows)
        let zero = Lanes(repeating: 0)
        var c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero
        var b = panel
        for index in 0..<p.inputChannels {
            let b0 = load(b)
            c0 = c0.addingProduct(Lanes(repeating: a0[index]), b0)
            c1 = c1.addingProduct(Lanes(repeating: a1[index]), b0)
            c2 = c2.addingProduct(Lanes(repeating: a2[index]), b0)
            c3 = c3.addingProduct(Lanes(repeating: a3[index]), b0)
            c4 = c4.addingProduct(Lanes(repeating: a4[index]), b0)
            c5 = c5.addingProduct(Lanes(repeating: a5[index]), b0)
            b += 8
        }
        finishRow(c0, p, row: row, column: column, valid: valid, A.self)
        if rows > 1 { finishRow(c1, p, row: row + 1, column: column, valid: valid, A.self) }
        if rows > 2 { finishRow(c2, p, row: row + 2, column: column, valid: valid, A.self) }
        if rows > 3 { finishRow(c3, p, row: row + 3, column: column, valid: valid, A.self) }
        if rows > 4 { finishRow(c4, p, row: row + 4, column: column, valid: valid, A.self) }
        if rows > 5 { finishRow(c5, p, row: row + 5, column: column, valid: valid, A.self) }
    }

    /// Adds the addend and bias to eight accumulated columns of one row, applies the activation
    /// and stores the first `valid` of them (none when `valid ≤ 0`).
    @inline(__always)
    static func finishRow<A: LaneActivation>(_ sum: Lanes, _ p: PointwiseProblem, row: Int, column: Int, valid: Int, _ activation: A.Type) {
        if valid >= 8 {
            var x = sum
            if let addend = p.addend { x += load(addend + row * p.addendStride + column) }
            store(A.apply(x + load(p.bias + column), slopes: p.slopes, channel: column), to: p.output + row * p.outputStride + column)
        } else if valid > 0 {
            finishPartialRow(sum, p, row: row, column: column, valid: valid, A.self)
        }
    }

    /// ``finishRow(_:_:row:column:valid:_:)`` for fewer than 8 columns, lane by lane.
    @inline(never)
    static func finishPartialRow<A: LaneActivation>(_ sum: Lanes, _ p: PointwiseProblem, row: Int, column: Int, valid: Int, _ activation: A.Type) {
        let target = p.output + row * p.outputStride + column
        let addend = p.addend.map { $0 + row * p.addendStride + column }
        for lane in 0..<valid {
            var x = sum[lane]
            if let addend { x += addend[lane] }
            target[lane] = A.apply(x + p.bias[column + lane], slopes: p.slopes, channel: column + lane)
        }
    }
}

/// Whether a micro-tile is known, when a kernel is specialised, to be whole: all of its rows and
/// every column of its panels stored. A whole tile's epilogue has no bounds checks and no call to
/// the lane-by-lane partial store; with that call in the same function the compiler spills every
/// accumulator around it on every tile, whole or not (≈ a third of a K = 16 tile's time on Zen 4).
/// Used by these kernels and their AVX-512 twins.
public protocol TileShape {
    static var isWhole: Bool { get }
}

/// A tile with all rows and columns stored.
public enum WholeTile: TileShape {
    @inline(__always) public static var isWhole: Bool { true }
}

/// A tile at the end of the rows or of the columns: its row count and valid columns are checked.
public enum EdgeTile: TileShape {
    @inline(__always) public static var isWhole: Bool { false }
}
