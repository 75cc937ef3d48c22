import VectorKernelsAVX2

extension AVX512Kernels {
    /// The AVX-512 twin of ``VectorKernelsAVX2/AVX2Kernels/panelProduct(_:rows:depthChunk:)``: the
    /// same problem, the same depth chunks and the same fused multiply-add chain per element
    /// (from C or 0, k ascending), so it agrees with the AVX2 kernel and with
    /// ``VectorKernelsAVX2/AVX2Kernels/referencePanelProduct(_:rows:)`` bit for bit. Tiles are 8
    /// rows × two 16-wide panels (32 columns, 16 accumulators), a single 16-wide panel, or 8
    /// columns (an 8-wide last panel, or the last 8 of a 24-wide one).
    public static func panelProduct(_ problem: PanelProduct, rows: Int, depthChunk: Int) {
        precondition(depthChunk >= 1, "panelProduct: depth chunk \(depthChunk)")
        let widths = AVX2Kernels.panelWidths(outputChannels: problem.columns)
        var k0 = 0
        repeat {
            let chunk = min(depthChunk, problem.depth - k0)
            let accumulate = problem.accumulate || k0 > 0
            var row = 0
            while row < rows {
                let tile = ProductTile(p: problem, row: row, rows: min(tileRows, rows - row), k0: k0, depth: chunk, accumulate: accumulate)
                var column = 0, index = 0, panel = problem.panels
                while index < widths.count {
                    let width = widths[index], remaining = problem.columns - column
                    if width == 16 && index + 1 < widths.count && widths[index + 1] == 16 {
                        productTile32(tile, first: panel + k0 * 16, second: panel + 16 * problem.panelDepth + k0 * 16,
                                      column: column, valid: min(32, remaining))
                        column += 32
                        panel += 32 * problem.panelDepth
                        index += 2
                        continue
                    }
                    switch width {
                    case 24:
                        productTile16(tile, panel: panel + k0 * 24, panelStride: 24, column: column, valid: 16)
                        productTile8(tile, panel: panel + k0 * 24 + 16, panelStride: 24, column: column + 16, valid: remaining - 16)
                    case 16:
                        productTile16(tile, panel: panel + k0 * 16, panelStride: 16, column: column, valid: min(16, remaining))
                    default:
                        productTile8(tile, panel: panel + k0 * 8, panelStride: 8, column: column, valid: remaining)
                    }
                    column += width
                    panel += width * problem.panelDepth
                    index += 1
                }
                row += tileRows
            }
            k0 += chunk
        } while k0 < problem.depth
    }

    /// Rows `row ..< row + rows` (≤ 8) of one depth chunk `k0 ..< k0 + depth`.
    struct ProductTile {
        var p: PanelProduct
        var row: Int, rows: Int
        var k0: Int, depth: Int
        var accumulate: Bool

        /// Row `offset` of the tile in A at depth k0; rows past `rows` repeat the last valid one
        /// (computed, never stored), so no pointer leaves A.
        @inline(__always)
        func a(_ offset: Int) -> UnsafePointer<Float> {
            p.a + (row + min(offset, rows - 1)) * p.aRowStride + k0 * p.aDepthStride
        }

        /// The starting sums of tile row `offset` at `column` (`valid` lanes of C, the rest 0), or 0.
        @inline(__always)
        func start<V: SIMD>(_ type: V.Type, _ offset: Int, column: Int, valid: Int) -> V where V.Scalar == Float {
            guard accumulate, offset < rows, valid > 0 else { return V(repeating: 0) }
            let source = UnsafePointer(p.c + (row + offset) * p.cStride + column)
            if valid >= V.scalarCount { return loadLanes(V.self, source) }
            var lanes = V(repeating: 0)
            for lane in 0..<valid { lanes[lane] = source[lane] }
            return lanes
        }

        /// Stores the first `valid` lanes of tile row `offset` (nothing past the tile's rows).
        @inline(__always)
        func store<V: SIMD>(_ sum: V, _ offset: Int, column: Int, valid: Int) where V.Scalar == Float {
            guard offset < rows, valid > 0 else { return }
            let target = p.c + (row + offset) * p.cStride + column
            if valid >= V.scalarCount {
                storeLanes(sum, to: target)
            } else {
                for lane in 0..<valid { target[lane] = sum[lane] }
            }
        }
    }

    /// 8 rows × two 16-wide panels from `column` (`first` and `second` point at row k0 of each).
    /// Transparent (as the other tiles): under `-Ounchecked` `@inline(__always)` left each tile a
    /// call of its own.
    @_transparent
    static func productTile32(_ t: ProductTile, first: UnsafePointer<Float>, second: UnsafePointer<Float>, column: Int, valid: Int) {
        let a0 = t.a(0), a1 = t.a(1), a2 = t.a(2), a3 = t.a(3), a4 = t.a(4), a5 = t.a(5), a6 = t.a(6), a7 = t.a(7)
        let low = min(16, valid), high = valid - 16
        var c00 = t.start(Wide.self, 0, column: column, valid: low), c01 = t.start(Wide.self, 0, column: column + 16, valid: high)
        var c10 = t.start(Wide.self, 1, column: column, valid: low), c11 = t.start(Wide.self, 1, column: column + 16, valid: high)
        var c20 = t.start(Wide.self, 2, column: column, valid: low), c21 = t.start(Wide.self, 2, column: column + 16, valid: high)
        var c30 = t.start(Wide.self, 3, column: column, valid: low), c31 = t.start(Wide.self, 3, column: column + 16, valid: high)
        var c40 = t.start(Wide.self, 4, column: column, valid: low), c41 = t.start(Wide.self, 4, column: column + 16, valid: high)
        var c50 = t.start(Wide.self, 5, column: column, valid: low), c51 = t.start(Wide.self, 5, column: column + 16, valid: high)
        var c60 = t.start(Wide.self, 6, column: column, valid: low), c61 = t.start(Wide.self, 6, column: column + 16, valid: high)
        var c70 = t.start(Wide.self, 7, column: column, valid: low), c71 = t.start(Wide.self, 7, column: column + 16, valid: high)
        let step = t.p.aDepthStride
        var offset = 0, b0 = first, b1 = second
        for _ in 0..<t.depth {
            let w0 = loadWide(b0), w1 = loadWide(b1)
            var x = Wide(repeating: a0[offset])
            c00 = c00.addingProduct(x, w0); c01 = c01.addingProduct(x, w1)
            x = Wide(repeating: a1[offset])
            c10 = c10.addingProduct(x, w0); c11 = c11.addingProduct(x, w1)
            x = Wide(repeating: a2[offset])
            c20 = c20.addingProduct(x, w0); c21 = c21.addingProduct(x, w1)
            x = Wide(repeating: a3[offset])
            c30 = c30.addingProduct(x, w0); c31 = c31.addingProduct(x, w1)
            x = Wide(repeating: a4[offset])
            c40 = c40.addingProduct(x, w0); c41 = c41.addingProduct(x, w1)
            x = Wide(repeating: a5[offset])
            c50 = c50.addingProduct(x, w0); c51 = c51.addingProduct(x, w1)
            x = Wide(repeating: a6[offset])
            c60 = c60.addingProduct(x, w0); c61 = c61.addingProduct(x, w1)
            x = Wide(repeating: a7[offset])
            c70 = c70.addingProduct(x, w0); c71 = c71.addingProduct(x, w1)
            offset += step
            b0 += 16
            b1 += 16
        }
        t.store(c00, 0, column: column, valid: low); t.store(c01, 0, column: column + 16, valid: high)
        t.store(c10, 1, column: column, valid: low); t.store(c11, 1, column: column + 16, valid: high)
        t.store(c20, 2, column: column, valid: low); t.store(c21, 2, column: column + 16, valid: high)
        t.store(c30, 3, column: column, valid: low); t.store(c31, 3, column: column + 16, valid: high)
        t.store(c40, 4, column: column, valid: low); t.store(c41, 4, column: column + 16, valid: high)
        t.store(c50, 5, column: column, valid: low); t.store(c51, 5, column: column + 16, valid: high)
        t.store(c60, 6, column: column, valid: low); t.store(c61, 6, column: column + 16, valid: high)
        t.store(c70, 7, column: column, valid: low); t.store(c71, 7, column: column + 16, valid: high)
    }

    /// 8 rows × 16 columns of one panel (`panel` at row k0, rows `panelStride` floats apart).
    @_transparent
    static func productTile16(_ t: ProductTile, panel: UnsafePointer<Float>, panelStride: Int, column: Int, valid: Int) {
        productTileOfOneVector(Wide.self, t, panel: panel, panelStride: panelStride, column: column, valid: valid)
    }

    /// 8 rows × 8 columns: an 8-wide last panel, or the last 8 columns of a 24-wide one.
    @_transparent
    static func productTile8(_ t: ProductTile, panel: UnsafePointer<Float>, panelStride: Int, column: Int, valid: Int) {
        productTileOfOneVector(Narrow.self, t, panel: panel, panelStride: panelStride, column: column, valid: valid)
    }

    /// 8 rows × one vector of `V` columns.
    @_transparent
    static func productTileOfOneVector<V: SIMD>(_ type: V.Type, _ t: ProductTile, panel: UnsafePointer<Float>, panelStride: Int,
                                               column: Int, valid: Int) where V.Scalar == Float {
        let a0 = t.a(0), a1 = t.a(1), a2 = t.a(2), a3 = t.a(3), a4 = t.a(4), a5 = t.a(5), a6 = t.a(6), a7 = t.a(7)
        var c0 = t.start(V.self, 0, column: column, valid: valid), c1 = t.start(V.self, 1, column: column, valid: valid)
        var c2 = t.start(V.self, 2, column: column, valid: valid), c3 = t.start(V.self, 3, column: column, valid: valid)
        var c4 = t.start(V.self, 4, column: column, valid: valid), c5 = t.start(V.self, 5, column: column, valid: valid)
        var c6 = t.start(V.self, 6, column: column, valid: valid), c7 = t.start(V.self, 7, column: column, valid: valid)
        let step = t.p.aDepthStride
        var offset = 0, b = panel
        for _ in 0..<t.depth {
            let w = loadLanes(V.self, b)
            c0 = c0.addingProduct(V(repeating: a0[offset]), w)
            c1 = c1.addingProduct(V(repeating: a1[offset]), w)
            c2 = c2.addingProduct(V(repeating: a2[offset]), w)
            c3 = c3.addingProduct(V(repeating: a3[offset]), w)
            c4 = c4.addingProduct(V(repeating: a4[offset]), w)
            c5 = c5.addingProduct(V(repeating: a5[offset]), w)
            c6 = c6.addingProduct(V(repeating: a6[offset]), w)
            c7 = c7.addingProduct(V(repeating: a7[offset]), w)
            offset += step
            b += panelStride
        }
        t.store(c0, 0, column: column, valid: valid); t.store(c1, 1, column: column, valid: valid)
        t.store(c2, 2, column: column, valid: valid); t.store(c3, 3, column: column, valid: valid)
        t.store(c4, 4, column: column, valid: valid); t.store(c5, 5, column: column, valid: valid)
        t.store(c6, 6, column: column, valid: valid); t.store(c7, 7, column: column, valid: valid)
    }
}
