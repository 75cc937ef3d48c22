import VectorKernelsAVX2

/// Where one output row of a convolution with few input channels (a network's stem, 3 → 32,
/// 3 × 3 / 2) reads its receptive fields without im2col: kernel row `ky` of output pixel `x` is the
/// `runLength` contiguous floats at `rows[ky] + x · pixelStep` (`runLength` = kernel width ×
/// channels, `pixelStep` = stride × channels). The rows are copies of the input rows with the
/// padding written as zeros, so every receptive field is one run per kernel row.
public struct WindowRows {
    /// `kernelRows` pointers, one per kernel row.
    public var rows: UnsafePointer<UnsafePointer<Float>>
    public var kernelRows: Int
    public var runLength: Int
    public var pixelStep: Int

    public init(rows: UnsafePointer<UnsafePointer<Float>>, kernelRows: Int, runLength: Int, pixelStep: Int) {
        self.rows = rows
        self.kernelRows = kernelRows
        self.runLength = runLength
        self.pixelStep = pixelStep
    }
}

extension AVX512Kernels {
    /// Output pixels `0 ..< pixels` of one row: the GEMM of
    /// ``VectorKernelsAVX2/AVX2Kernels/pointwiseConvolution(_:rows:)`` on the im2col matrix of that
    /// row (`problem.inputChannels` = kernel rows × run length, columns in `(ky, kx, c)` order), with
    /// the matrix rows read from `window` in place. Same panels, same sum per output (k in order from
    /// zero, then the addend, the bias and the activation), so the result equals im2col followed by
    /// either pointwise kernel bit for bit. `problem.output`/`addend` point at the row's first output
    /// pixel; `problem.input` is not read. Needs `problem.outputChannels` a multiple of 16 (every
    /// panel 16 wide: ``VectorKernelsAVX2/AVX2Kernels/panelWidths(outputChannels:)``).
    public static func windowConvolution(_ problem: PointwiseProblem, window: WindowRows, pixels: Int) {
        precondition(problem.outputChannels % 16 == 0 && problem.inputChannels == window.kernelRows * window.runLength,
                     "windowConvolution: \(problem.outputChannels) outputs, K \(problem.inputChannels) for \(window.kernelRows) × \(window.runLength)")
        switch problem.activation {
        case .identity: windowConvolution(problem, window: window, pixels: pixels, IdentityLanes.self)
        case .relu: windowConvolution(problem, window: window, pixels: pixels, ReLULanes.self)
        case .relu6: windowConvolution(problem, window: window, pixels: pixels, ReLU6Lanes.self)
        case .prelu: windowConvolution(problem, window: window, pixels: pixels, PReLULanes.self)
        }
    }

    static func windowConvolution<A: WideActivation>(_ problem: PointwiseProblem, window: WindowRows, pixels: Int, _ activation: A.Type) {
        let k = problem.inputChannels
        var column = 0
        while column < problem.outputChannels {
            let panel = problem.panels + column * k
            let paired = column + 32 <= problem.outputChannels
            var pixel = 0
            while pixel < pixels {
                let count = min(tileRows, pixels - pixel)
                switch (paired, count == tileRows) {
                case (true, true): windowTile32(problem, window, pixel: pixel, count: count, panel: panel, column: column, valid: 32, A.self, WholeTile.self)
                case (true, false): windowTile32(problem, window, pixel: pixel, count: count, panel: panel, column: column, valid: 32, A.self, EdgeTile.self)
                case (false, true): windowTile16(problem, window, pixel: pixel, count: count, panel: panel, column: column, valid: 16, A.self, WholeTile.self)
                case (false, false): windowTile16(problem, window, pixel: pixel, count: count, panel: panel, column: column, valid: 16, A.self, EdgeTile.self)
                }
                pixel += tileRows
            }
            column += paired ? 32 : 16
        }
    }

    /// 8 pixels × two 16-wide panels (the first `valid` of the 32 columns stored); pixels past
    /// `count` read the first pixel's runs and are never stored. Also the pointwise kernel's
    /// 8 × 32 tile: a 1×1 convolution is a window of one kernel row whose pixels are the input rows.
    /// With `S` = ``VectorKernelsAVX2/WholeTile`` `count` is 8 and `valid` 32 whatever is passed.
    @inline(__always)
    static func windowTile32<A: WideActivation, S: TileShape>(_ p: PointwiseProblem, _ w: WindowRows, pixel: Int, count: Int,
                                                              panel: UnsafePointer<Float>, column: Int, valid: Int,
                                                              _ activation: A.Type, _ shape: S.Type) {
        let (count, valid) = S.isWhole ? (tileRows, 32) : (count, valid)
        let k = p.inputChannels
        let zero = Wide(repeating: 0)
        var c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero
        var c40 = zero, c41 = zero, c50 = zero, c51 = zero, c60 = zero, c61 = zero, c70 = zero, c71 = zero
        var b0 = panel, b1 = panel + 16 * k
        @inline(__always) func step(_ offset: Int) -> Int { (offset < count ? pixel + offset : pixel) * w.pixelStep }
        let (s0, s1, s2, s3) = (step(0), step(1), step(2), step(3))
        let (s4, s5, s6, s7) = (step(4), step(5), step(6), step(7))
        for kernelRow in 0..<w.kernelRows {
            let base = w.rows[kernelRow]
            let a0 = base + s0, a1 = base + s1, a2 = base + s2, a3 = base + s3
            let a4 = base + s4, a5 = base + s5, a6 = base + s6, a7 = base + s7
            for index in 0..<w.runLength {
                let w0 = loadWide(b0), w1 = loadWide(b1)
                var x = Wide(repeating: a0[index])
                c00 = c00.addingProduct(x, w0); c01 = c01.addingProduct(x, w1)
                x = Wide(repeating: a1[index])
                c10 = c10.addingProduct(x, w0); c11 = c11.addingProduct(x, w1)
                x = Wide(repeating: a2[index])
                c20 = c20.addingProduct(x, w0); c21 = c21.addingProduct(x, w1)
                x = Wide(repeating: a3[index])
                c30 = c30.addingProduct(x, w0); c31 = c31.addingProduct(x, w1)
                x = Wide(repeating: a4[index])
                c40 = c40.addingProduct(x, w0); c41 = c41.addingProduct(x, w1)
                x = Wide(repeating: a5[index])
                c50 = c50.addingProduct(x, w0); c51 = c51.addingProduct(x, w1)
                x = Wide(repeating: a6[index])
                c60 = c60.addingProduct(x, w0); c61 = c61.addingProduct(x, w1)
                x = Wide(repeating: a7[index])
                c70 = c70.addingProduct(x, w0); c71 = c71.addingProduct(x, w1)
                b0 += 16
                b1 += 16
            }
        }
        @inline(__always) func finish(_ low: Wide, _ high: Wide, _ offset: Int) {
            guard offset < count else { return }
            finishWide(low, p, row: pixel + offset, column: column, valid: min(16, valid), A.self)
            finishWide(high, p, row: pixel + offset, column: column + 16, valid: valid - 16, A.self)
        }
        finish(c00, c01, 0); finish(c10, c11, 1); finish(c20, c21, 2); finish(c30, c31, 3)
        finish(c40, c41, 4); finish(c50, c51, 5); finish(c60, c61, 6); finish(c70, c71, 7)
    }

    /// 8 pixels × one 16-wide panel (the last one when the outputs are an odd number of 16s; the
    /// first `valid` columns stored). Also the pointwise kernel's 8 × 16 tile. With `S` =
    /// ``VectorKernelsAVX2/WholeTile`` `count` is 8 and `valid` 16 whatever is passed.
    @inline(__always)
    static func windowTile16<A: WideActivation, S: TileShape>(_ p: PointwiseProblem, _ w: WindowRows, pixel: Int, count: Int,
                                                              panel: UnsafePointer<Float>, column: Int, valid: Int,
                                                              _ activation: A.Type, _ shape: S.Type) {
        let (count, valid) = S.isWhole ? (tileRows, 16) : (count, valid)
        let zero = Wide(repeating: 0)
        var c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero
        var b = panel
        @inline(__always) func step(_ offset: Int) -> Int { (offset < count ? pixel + offset : pixel) * w.pixelStep }
        let (s0, s1, s2, s3) = (step(0), step(1), step(2), step(3))
        let (s4, s5, s6, s7) = (step(4), step(5), step(6), step(7))
        for kernelRow in 0..<w.kernelRows {
            let base = w.rows[kernelRow]
            let a0 = base + s0, a1 = base + s1, a2 = base + s2, a3 = base + s3
            let a4 = base + s4, a5 = base + s5, a6 = base + s6, a7 = base + s7
            for index in 0..<w.runLength {
                let weight = loadWide(b)
                c0 = c0.addingProduct(Wide(repeating: a0[index]), weight)
                c1 = c1.addingProduct(Wide(repeating: a1[index]), weight)
                c2 = c2.addingProduct(Wide(repeating: a2[index]), weight)
                c3 = c3.addingProduct(Wide(repeating: a3[index]), weight)
                c4 = c4.addingProduct(Wide(repeating: a4[index]), weight)
                c5 = c5.addingProduct(Wide(repeating: a5[index]), weight)
                c6 = c6.addingProduct(Wide(repeating: a6[index]), weight)
                c7 = c7.addingProduct(Wide(repeating: a7[index]), weight)
                b += 16
            }
        }
        @inline(__always) func finish(_ sum: Wide, _ offset: Int) {
            if offset < count { finishWide(sum, p, row: pixel + offset, column: column, valid: valid, A.self) }
        }
        finish(c0, 0); finish(c1, 1); finish(c2, 2); finish(c3, 3); finish(c4, 4); finish(c5, 5); finish(c6, 6); finish(c7, 7)
    }
}
