import VectorKernelsAVX2

/// AVX-512 kernels (AVX512F, 32 registers of 16 floats), built with `-target-cpu skylake-avx512`.
/// They may only run after TensorKit's `CPUFeatures.hasAVX512F` check. Each one computes exactly what
/// its AVX2 twin in ``VectorKernelsAVX2`` computes, in the same order per output, so the two give the
/// same bits; only more outputs are in flight at once.
public enum AVX512Kernels {
    typealias Wide = SIMD16<Float>
    typealias Narrow = SIMD8<Float>

    /// Rows of every micro-tile: 8 rows × 32 columns are 16 accumulator registers (of 32), two
    /// weight vectors and the broadcast input value; a 4-cycle FMA latency on two FMA ports needs
    /// at least 8 independent sums.
    static let tileRows = 8

    /// The AVX-512 twin of ``VectorKernelsAVX2/AVX2Kernels/pointwiseConvolution(_:rows:)``: output
    /// rows `rows` of `problem`, with the same panel layout (``VectorKernelsAVX2/AVX2Kernels/panelWidths(outputChannels:)``),
    /// the same blocking of rows and the same sum per output (k in order from zero, then the addend,
    /// the bias and the activation), so its results equal the AVX2 kernel's bit for bit. Two
    /// 16-wide panels go through one 8 × 32 tile; a single 16-wide panel takes 8 × 16, the 24-wide
    /// last panel 8 × (16 + 8) and the 8-wide one 8 × 8.
    public static func pointwiseConvolution(_ problem: PointwiseProblem, rows: Range<Int>) {
        switch problem.activation {
        case .identity: pointwiseConvolution(problem, rows: rows, IdentityLanes.self)
        case .relu: pointwiseConvolution(problem, rows: rows, ReLULanes.self)
        case .relu6: pointwiseConvolution(problem, rows: rows, ReLU6Lanes.self)
        case .prelu: pointwiseConvolution(problem, rows: rows, PReLULanes.self)
        }
    }

    static func pointwiseConvolution<A: WideActivation>(_ problem: PointwiseProblem, rows: Range<Int>, _ activation: A.Type) {
        let k = problem.inputChannels
        let widths = AVX2Kernels.panelWidths(outputChannels: problem.outputChannels)
        // About 128 KB of input rows per block, as in the AVX2 kernel.
        let blockRows = max(tileRows, 32_768 / max(k, 1) / tileRows * tileRows)
        var blockStart = rows.lowerBound
        while blockStart < rows.upperBound {
            let blockEnd = min(rows.upperBound, blockStart + blockRows)
            var column = 0, panelIndex = 0
            var panel = problem.panels
            while panelIndex < widths.count {
                let width = widths[panelIndex], remaining = problem.outputChannels - column
                let paired = width == 16 && panelIndex + 1 < widths.count && widths[panelIndex + 1] == 16
                let consumed = paired ? 32 : width
                var row = blockStart
                if remaining >= consumed {
                    // Whole tiles, the common case, in a loop of their own (see wholeTiles).
                    row += (blockEnd - blockStart) / tileRows * tileRows
                    wholeTiles(problem, rows: blockStart..<row, panel: panel, column: column, width: width, paired: paired, A.self)
                }
                // Edge tiles: the block's last rows, or a panel with columns past the output.
                while row < blockEnd {
                    let tile = Tile(problem: problem, row: row, rows: min(tileRows, blockEnd - row), panel: panel, column: column)
                    edgeTile(tile, width: width, paired: paired, remaining: remaining, A.self)
                    row += tileRows
                }
                panel += consumed * k
                column += consumed
                panelIndex += paired ? 2 : 1
            }
            blockStart = blockEnd
        }
    }

    /// Whole 8-row tiles of rows `rows` (a multiple of 8 rows) on one panel (or pair of 16-wide
    /// panels) at `column`, every column of it stored: the tile body inlined into the loop over
    /// rows, so consecutive tiles do not pay a call each: with a short depth (K = 16…64) the
    /// call's register saves waited behind the previous tile's stores (on an Intel Xeon the
    /// expand layers of MnasNet, EfficientNet-Lite0 and MobileNetV2 ran 1.19× faster this way).
    /// Same tile code, so the same bits.
    static func wholeTiles<A: WideActivation>(_ problem: PointwiseProblem, rows: Range<Int>, panel: UnsafePointer<Float>,
                                              column: Int, width: Int, paired: Bool, _ activation: A.Type) {
        let first = Tile(problem: problem, row: rows.lowerBound, rows: tileRows, panel: panel, column: column)
        switch width {
        case 16 where paired: wholeTiles32(first, end: rows.upperBound, A.self)
        case 16: wholeTiles16(first, end: rows.upperBound, A.self)
        case 24: wholeTiles24(first, end: rows.upperBound, A.self)
        default: wholeTiles8(first, end: rows.upperBound, A.self)
        }
    }

    /// ``wholeTiles(_:rows:panel:column:width:paired:_:)`` of one tile width: one loop
    /// each, so that every tile body is inlined into its loop.
    @inline(never)
    static func wholeTiles32<A: WideActivation>(_ first: Tile, end: Int, _ activation: A.Type) {
        var tile = first
        while tile.row < end { tile32(tile, valid: 32, A.self, WholeTile.self); tile.row += tileRows }
    }

    @inline(never)
    static func wholeTiles16<A: WideActivation>(_ first: Tile, end: Int, _ activation: A.Type) {
        var tile = first
        while tile.row < end { tile16(tile, valid: 16, A.self, WholeTile.self); tile.row += tileRows }
    }

    @inline(never)
    static func wholeTiles24<A: WideActivation>(_ first: Tile, end: Int, _ activation: A.Type) {
        var tile = first
        while tile.row < end { tile24(tile, valid: 24, A.self, WholeTile.self); tile.row += tileRows }
    }

    @inline(never)
    static func wholeTiles8<A: WideActivation>(_ first: Tile, end: Int, _ activation: A.Type) {
        var tile = first
        while tile.row < end { tile8(tile, valid: 8, A.self, WholeTile.self); tile.row += tileRows }
    }

    /// The edge micro-tile (fewer than 8 rows, or columns past the output) for a panel of `width`
    /// columns (two paired 16-wide panels: 32), `remaining` columns of the output from the tile's
    /// first; whole tiles go through ``wholeTiles(_:rows:panel:column:width:paired:_:)``.
    @inline(__always)
    static func edgeTile<A: WideActivation>(_ tile: Tile, width: Int, paired: Bool, remaining: Int, _ activation: A.Type) {
        switch width {
        case 16 where paired: tile32(tile, valid: min(32, remaining), A.self, EdgeTile.self)
        case 16: tile16(tile, valid: min(16, remaining), A.self, EdgeTile.self)
        case 24: tile24(tile, valid: remaining, A.self, EdgeTile.self)
        default: tile8(tile, valid: remaining, A.self, EdgeTile.self)
        }
    }

    /// Where one micro-tile reads and writes: `rows` (≤ 8) rows from `row`, columns from `column`,
    /// weights from `panel`. Rows past `rows` read the first row's input and are never stored.
    struct Tile {
        var p: PointwiseProblem
        var row: Int, rows: Int
        var panel: UnsafePointer<Float>
        var column: Int

        init(problem: PointwiseProblem, row: Int, rows: Int, panel: UnsafePointer<Float>, column: Int) {
            self.p = problem
            self.row = row
            self.rows = rows
            self.panel = panel
            self.column = column
        }

        @inline(__always)
        func input(_ offset: Int) -> UnsafePointer<Float> {
            p.input + (offset < rows ? row + offset : row) * p.inputStride
        }

        /// The input as a ``WindowRows`` of one kernel row (`input` points at `p.input`): pixel `i`
        /// is input row `i`, all `inputChannels` of it one run.
        @inline(__always)
        func window(_ input: UnsafePointer<UnsafePointer<Float>>) -> WindowRows {
            WindowRows(rows: input, kernelRows: 1, runLength: p.inputChannels, pixelStep: p.inputStride)
        }
    }

    /// 8 rows × two 16-wide panels (32 columns, the first `valid` stored): the window tile of
    /// one kernel row, the rows' inputs as its pixels.
    @inline(__always)
    static func tile32<A: WideActivation, S: TileShape>(_ t: Tile, valid: Int, _ activation: A.Type, _ shape: S.Type) {
        withUnsafePointer(to: t.p.input) { input in
            windowTile32(t.p, t.window(input), pixel: t.row, count: t.rows, panel: t.panel, column: t.column, valid: valid, A.self, S.self)
        }
    }

    /// 8 rows × one 16-wide panel: the window tile of one kernel row.
    @inline(__always)
    static func tile16<A: WideActivation, S: TileShape>(_ t: Tile, valid: Int, _ activation: A.Type, _ shape: S.Type) {
        withUnsafePointer(to: t.p.input) { input in
            windowTile16(t.p, t.window(input), pixel: t.row, count: t.rows, panel: t.panel, column: t.column, valid: valid, A.self, S.self)
        }
    }

    /// 8 rows × the 24-wide last panel (16 + 8 lanes; the first `valid`, 17…24, stored).
    @inline(__always)
    static func tile24<A: WideActivation, S: TileShape>(_ t: Tile, valid: Int, _ activation: A.Type, _ shape: S.Type) {
        let (rows, valid) = S.isWhole ? (tileRows, 24) : (t.rows, valid)
        let a0 = t.input(0), a1 = t.input(1), a2 = t.input(2), a3 = t.input(3)
        let a4 = t.input(4), a5 = t.input(5), a6 = t.input(6), a7 = t.input(7)
        let zero = Wide(repeating: 0), narrowZero = Narrow(repeating: 0)
        var c00 = zero, c10 = zero, c20 = zero, c30 = zero, c40 = zero, c50 = zero, c60 = zero, c70 = zero
        var c01 = narrowZero, c11 = narrowZero, c21 = narrowZero, c31 = narrowZero
        var c41 = narrowZero, c51 = narrowZero, c61 = narrowZero, c71 = narrowZero
        var b = t.panel
        for index in 0..<t.p.inputChannels {
            let w0 = loadWide(b), w1 = loadNarrow(b + 16)
            var x = a0[index]
            c00 = c00.addingProduct(Wide(repeating: x), w0); c01 = c01.addingProduct(Narrow(repeating: x), w1)
            x = a1[index]
            c10 = c10.addingProduct(Wide(repeating: x), w0); c11 = c11.addingProduct(Narrow(repeating: x), w1)
            x = a2[index]
            c20 = c20.addingProduct(Wide(repeating: x), w0); c21 = c21.addingProduct(Narrow(repeating: x), w1)
            x = a3[index]
            c30 = c30.addingProduct(Wide(repeating: x), w0); c31 = c31.addingProduct(Narrow(repeating: x), w1)
            x = a4[index]
            c40 = c40.addingProduct(Wide(repeating: x), w0); c41 = c41.addingProduct(Narrow(repeating: x), w1)
            x = a5[index]
            c50 = c50.addingProduct(Wide(repeating: x), w0); c51 = c51.addingProduct(Narrow(repeating: x), w1)
            x = a6[index]
            c60 = c60.addingProduct(Wide(repeating: x), w0); c61 = c61.addingProduct(Narrow(repeating: x), w1)
            x = a7[index]
            c70 = c70.addingProduct(Wide(repeating: x), w0); c71 = c71.addingProduct(Narrow(repeating: x), w1)
            b += 24
        }
        @inline(__always) func finish(_ low: Wide, _ high: Narrow, _ offset: Int) {
            guard offset < rows else { return }
            finishWide(low, t.p, row: t.row + offset, column: t.column, valid: 16, A.self)
            finishNarrow(high, t.p, row: t.row + offset, column: t.column + 16, valid: valid - 16, A.self)
        }
        finish(c00, c01, 0); finish(c10, c11, 1); finish(c20, c21, 2); finish(c30, c31, 3)
        finish(c40, c41, 4); finish(c50, c51, 5); finish(c60, c61, 6); finish(c70, c71, 7)
    }

    /// 8 rows × the 8-wide last panel (the first `valid` stored).
    @inline(__always)
    static func tile8<A: WideActivation, S: TileShape>(_ t: Tile, valid: Int, _ activation: A.Type, _ shape: S.Type) {
        let (rows, valid) = S.isWhole ? (tileRows, 8) : (t.rows, valid)
        let a0 = t.input(0), a1 = t.input(1), a2 = t.input(2), a3 = t.input(3)
        let a4 = t.input(4), a5 = t.input(5), a6 = t.input(6), a7 = t.input(7)
        let zero = Narrow(repeating: 0)
        var c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero
        var b = t.panel
        for index in 0..<t.p.inputChannels {
            let w = loadNarrow(b)
            c0 = c0.addingProduct(Narrow(repeating: a0[index]), w)
            c1 = c1.addingProduct(Narrow(repeating: a1[index]), w)
            c2 = c2.addingProduct(Narrow(repeating: a2[index]), w)
            c3 = c3.addingProduct(Narrow(repeating: a3[index]), w)
            c4 = c4.addingProduct(Narrow(repeating: a4[index]), w)
            c5 = c5.addingProduct(Narrow(repeating: a5[index]), w)
            c6 = c6.addingProduct(Narrow(repeating: a6[index]), w)
            c7 = c7.addingProduct(Narrow(repeating: a7[index]), w)
            b += 8
        }
        @inline(__always) func finish(_ sum: Narrow, _ offset: Int) {
            if offset < rows { finishNarrow(sum, t.p, row: t.row + offset, column: t.column, valid: valid, A.self) }
        }
        finish(c0, 0); finish(c1, 1); finish(c2, 2); finish(c3, 3); finish(c4, 4); finish(c5, 5); finish(c6, 6); finish(c7, 7)
    }

    /// Adds the addend and the bias to 16 accumulated columns of one row, applies the activation
    /// and stores the first `valid` (none when `valid ≤ 0`) — the AVX2 kernel's epilogue, 16 lanes at once.
    @inline(__always)
    static func finishWide<A: WideActivation>(_ sum: Wide, _ p: PointwiseProblem, row: Int, column: Int, valid: Int, _ activation: A.Type) {
        if valid >= 16 {
            var x = sum
            if let addend = p.addend { x += loadWide(addend + row * p.addendStride + column) }
            storeWide(A.apply(x + loadWide(p.bias + column), slopes: p.slopes, channel: column), to: p.output + row * p.outputStride + column)
        } else if valid > 0 {
            finishPartial(sum, p, row: row, column: column, valid: valid, A.self)
        }
    }

    /// ``finishWide(_:_:row:column:valid:_:)`` for 8 columns.
    @inline(__always)
    static func finishNarrow<A: WideActivation>(_ sum: Narrow, _ p: PointwiseProblem, row: Int, column: Int, valid: Int, _ activation: A.Type) {
        if valid >= 8 {
            var x = sum
            if let addend = p.addend { x += loadNarrow(addend + row * p.addendStride + column) }
            storeNarrow(A.apply(x + loadNarrow(p.bias + column), slopes: p.slopes, channel: column), to: p.output + row * p.outputStride + column)
        } else if valid > 0 {
            finishPartial(sum, p, row: row, column: column, valid: valid, A.self)
        }
    }

    /// The epilogue for the first `valid` (< 16) lanes of `sum`, one lane at a time.
    @inline(never)
    static func finishPartial<A: WideActivation>(_ sum: Wide, _ p: PointwiseProblem, row: Int, column: Int, valid: Int, _ activation: A.Type) {
        let target = p.output + row * p.outputStride + column
        let addend = p.addend.map { $0 + row * p.addendStride + column }
        for lane in 0..<valid {
            var x = sum[lane]
            if let addend { x += addend[lane] }
            target[lane] = A.apply(x + p.bias[column + lane], slopes: p.slopes, channel: column + lane)
        }
    }

    /// ``finishPartial(_:_:row:column:valid:_:)`` for fewer than 8 lanes of an 8-lane sum.
    @inline(never)
    static func finishPartial<A: WideActivation>(_ sum: Narrow, _ p: PointwiseProblem, row: Int, column: Int, valid: Int, _ activation: A.Type) {
        var wide = Wide(repeating: 0)
        wide.lowHalf = sum
        finishPartial(wide, p, row: row, column: column, valid: valid, A.self)
    }
}
