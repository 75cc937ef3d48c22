import Foundation
import Testing
@testable import TensorKit
import VectorKernelsAVX2
import VectorKernelsAVX512

/// The AVX2 kernels against their portable twins and a double-precision reference.
@Suite struct VectorKernelTests {
    /// Rows of awkward lengths (tails of 1–7 lanes) and values from −200 to +60 (some underflow).
    /// Float rounding of x − max (up to 2e-6 absolute for |x| ≈ 60) bounds the relative accuracy.
    static func rows() -> [[Float]] {
        var generator = SeededGenerator(seed: 91)
        return [1, 3, 7, 8, 9, 15, 16, 17, 49, 2401].map { length in
            (0..<length).map { index in
                index % 11 == 5 ? -200 : generator.nextUniform() * 60 - (index % 3 == 0 ? 0 : 40)
            }
        }
    }

    static func referenceSoftmax(_ row: [Float]) -> [Double] {
        let maximum = Double(row.max()!)
        let exponentials = row.map { Foundation.exp(Double($0) - maximum) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }

    static func softmax(_ row: [Float], _ kernel: (UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
        var values = row
        values.withUnsafeMutableBufferPointer { kernel($0.baseAddress!, $0.count) }
        return values
    }

    @Test func portableSoftmaxMatchesDoublePrecision() {
        for row in Self.rows() {
            let ours = Self.softmax(row) { VectorMath.portableSoftmaxRow($0, count: $1) }
            let worst = zip(ours, Self.referenceSoftmax(row)).map { Swift.abs(Double($0) - $1) / Swift.max($1, 1e-30) }
                .filter { $0.isFinite }.max() ?? 0
            #expect(worst < 1e-5, "length \(row.count): relative difference \(worst)")
        }
    }

    /// Without normalisation a row keeps e^(x − max); times the returned 1/Σ it is the softmax.
    @Test func unnormalisedRowsTimesTheReturnedInverseAreTheSoftmax() {
        for row in Self.rows() {
            for dispatching in [false, true] {
                var values = row
                let inverse = values.withUnsafeMutableBufferPointer { buffer in
                    dispatching ? VectorMath.softmaxRow(buffer.baseAddress!, count: buffer.count, normalizes: false)
                        : VectorMath.portableSoftmaxRow(buffer.baseAddress!, count: buffer.count, normalizes: false)
                }
                #expect(values.max() == 1, "the maximum's exponential is e⁰")
                let reference = Self.referenceSoftmax(row)
                for index in row.indices {
                    #expect(Swift.abs(Double(values[index] * inverse) - reference[index]) <= 1e-5 * reference[index] + 1e-30)
                }
            }
        }
    }

    @Test(.enabled(if: CPUFeatures.hasAVX2AndFMA, "needs a CPU with AVX2 and FMA"))
    func avx2SoftmaxMatchesPortableTwin() {
        for row in Self.rows() {
            let fast = Self.softmax(row) { AVX2Kernels.softmaxRow($0, count: $1) }
            let portable = Self.softmax(row) { VectorMath.portableSoftmaxRow($0, count: $1) }
            let reference = Self.referenceSoftmax(row)
            for index in row.indices {
                let tolerance = 1e-5 * reference[index] + 1e-30
                #expect(Swift.abs(Double(fast[index]) - reference[index]) <= tolerance,
                        "length \(row.count), element \(index): AVX2 \(fast[index]) vs \(reference[index])")
                #expect(Swift.abs(fast[index] - portable[index]) <= 4e-7 * Swift.max(portable[index], 1e-30),
                        "length \(row.count), element \(index): AVX2 \(fast[index]) vs portable \(portable[index])")
            }
            #expect(Swift.abs(fast.reduce(0, +) - 1) < 1e-5)
        }
    }

    /// p ⊙ (g⊙m − Σ g⊙m⊙p) in double precision, m = 0 or 1/(1 − 0.1) from the keep flags.
    static func referenceSoftmaxBackward(gradient: [Float], probabilities: [Float], keep: [UInt8]?) -> [Double] {
        let masked = gradient.indices.map { index -> Double in
            guard let keep else { return Double(gradient[index]) }
            return keep[index] == 0 ? 0 : Double(gradient[index]) * Double(Float(1) / 0.9)
        }
        let dot = zip(masked, probabilities).map { $0 * Double($1) }.reduce(0, +)
        return zip(masked, probabilities).map { Double($1) * ($0 - dot) }
    }

    static func softmaxBackward(gradient: [Float], probabilities: [Float], keep: [UInt8]?,
                                _ kernel: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<UInt8>?, Float, Int) -> Void) -> [Float] {
        var result = gradient
        result.withUnsafeMutableBufferPointer { output in
            probabilities.withUnsafeBufferPointer { p in
                if let keep {
                    keep.withUnsafeBufferPointer { kernel(output.baseAddress!, p.baseAddress!, $0.baseAddress!, 1 / 0.9, output.count) }
                } else {
                    kernel(output.baseAddress!, p.baseAddress!, nil, 1 / 0.9, output.count)
                }
            }
        }
        return result
    }

    @Test func softmaxBackwardKernelsMatchDoublePrecision() {
        var generator = SeededGenerator(seed: 92)
        for row in Self.rows() {
            let probabilities = Self.softmax(row) { VectorMath.portableSoftmaxRow($0, count: $1) }
            let gradient = row.indices.map { _ in generator.nextUniform() * 2 - 1 }
            for keep in [nil, generator.dropoutKeepMask(count: row.count, probability: 0.1)] {
                let reference = Self.referenceSoftmaxBackward(gradient: gradient, probabilities: probabilities, keep: keep)
                var kernels: [(String, [Float])] = [("portable", Self.softmaxBackward(gradient: gradient, probabilities: probabilities, keep: keep) {
                    VectorMath.portableSoftmaxBackwardRow(gradient: $0, probabilities: $1, keep: $2, keepScale: $3, count: $4)
                })]
                if CPUFeatures.hasAVX2AndFMA {
                    kernels.append(("AVX2", Self.softmaxBackward(gradient: gradient, probabilities: probabilities, keep: keep) {
                        AVX2Kernels.softmaxBackwardRow(gradient: $0, probabilities: $1, keep: $2, keepScale: $3, count: $4)
                    }))
                }
                for (name, result) in kernels {
                    let worst = zip(result, reference).map { Swift.abs(Double($0) - $1) }.max() ?? 0
                    #expect(worst < 1e-6, "\(name), length \(row.count), mask \(keep != nil): difference \(worst)")
                }
            }
        }
    }

    /// The AVX2 keep-mask kernel against the scalar rule `flag == 0 ? 0 : value · scale`,
    /// bit for bit, for every tail length, out of place and in place.
    @Test(.enabled(if: CPUFeatures.hasAVX2AndFMA, "needs a CPU with AVX2 and FMA"))
    func avx2KeepMaskMatchesTheScalarRule() {
        var generator = SeededGenerator(seed: 93)
        for count in [0, 1, 7, 8, 9, 15, 16, 17, 2401] {
            let values = (0..<count).map { _ in generator.nextUniform() * 2 - 1 }
            let keep = generator.dropoutKeepMask(count: count, probability: 0.3)
            let expected = zip(values, keep).map { $1 == 0 ? Float(0) : $0 * (1 / 0.7) }
            var outOfPlace = [Float](repeating: .nan, count: count), inPlace = values
            values.withUnsafeBufferPointer { source in
                keep.withUnsafeBufferPointer { flags in
                    outOfPlace.withUnsafeMutableBufferPointer { target in
                        guard count > 0 else { return }
                        AVX2Kernels.applyKeepMask(source.baseAddress!, keep: flags.baseAddress!, keepScale: 1 / 0.7,
                                                  count: count, into: target.baseAddress!)
                    }
                }
            }
            keep.withUnsafeBufferPointer { flags in
                inPlace.withUnsafeMutableBufferPointer { target in
                    guard count > 0 else { return }
                    AVX2Kernels.applyKeepMask(target.baseAddress!, keep: flags.baseAddress!, keepScale: 1 / 0.7,
                                              count: count, into: target.baseAddress!)
                }
            }
            #expect(outOfPlace.map(\.bitPattern) == expected.map(\.bitPattern), "\(count) values")
            #expect(inPlace.map(\.bitPattern) == expected.map(\.bitPattern), "\(count) values in place")
        }
    }

    /// The attention's AVX2 panel packer against its element-by-element twin, bit for bit:
    /// widths with every panel tail (8-, 16- and 24-wide last panels, partial lanes), rows with a
    /// stride larger than the width, with and without a keep mask.
    @Test(.enabled(if: CPUFeatures.hasAVX2AndFMA, "needs a CPU with AVX2 and FMA"))
    func avx2PanelPackerMatchesItsTwin() {
        var generator = SeededGenerator(seed: 94)
        for width in [1, 5, 8, 9, 13, 16, 17, 24, 25, 33, 49, 2401] {
            let depth = 3, depthStride = width + 5
            let source = (0..<(depth * depthStride)).map { _ in generator.nextUniform() * 4 - 2 }
            let keep = generator.dropoutKeepMask(count: source.count, probability: 0.1)
            let padded = AVX2Kernels.panelWidths(outputChannels: width).reduce(0, +) * depth
            for masked in [false, true] {
                var fast = [Float](repeating: .nan, count: padded), reference = [Float](repeating: .nan, count: padded)
                source.withUnsafeBufferPointer { values in
                    keep.withUnsafeBufferPointer { flags in
                        let mask = masked ? flags.baseAddress : nil
                        fast.withUnsafeMutableBufferPointer {
                            AVX2Kernels.packPanels(values.baseAddress!, depth: depth, width: width, depthStride: depthStride,
                                                   keep: mask, keepScale: 1 / 0.9, into: $0.baseAddress!)
                        }
                        reference.withUnsafeMutableBufferPointer {
                            HeadPanels.referencePack(values.baseAddress!, depth: depth, width: width, depthStride: depthStride,
                                                     widthStride: 1, mask: mask, keepScale: 1 / 0.9, into: $0.baseAddress!)
                        }
                    }
                }
                #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern), "width \(width), mask \(masked)")
            }
        }
    }

    /// The attention's panel product against its element-by-element twin, bit for bit: A with
    /// contiguous rows and A read transposed, row counts with every tile tail, widths with 8- and
    /// 16-wide last panels and partial lanes, depth chunks that do and do not divide the depth,
    /// overwriting and accumulating; on CPUs with AVX512F the AVX-512 twin as well.
    @Test(.enabled(if: CPUFeatures.hasAVX2AndFMA, "needs a CPU with AVX2 and FMA"))
    func avx2PanelProductMatchesItsTwin() {
        var generator = SeededGenerator(seed: 95)
        // Widths 17…24 and 40 end in a 24-wide panel, 9…16 and 48 in a 16-wide one, 8 and 56 in an 8-wide one.
        for (rows, width, depth) in [(1, 1, 1), (5, 8, 7), (6, 9, 0), (7, 16, 33), (13, 17, 64), (2, 24, 300), (12, 64, 129),
                                     (7, 20, 19), (6, 40, 33), (5, 48, 9), (8, 56, 17),
                                     // Pairs of 16-wide panels (the AVX-512 twin's 8 × 32 tiles) and its 8-row tails.
                                     (9, 32, 20), (17, 100, 40), (8, 33, 5), (16, 72, 300)] {
            let b = (0..<(depth * width)).map { _ in generator.nextUniform() * 2 - 1 }
            let a = (0..<(rows * depth)).map { _ in generator.nextUniform() * 2 - 1 }
            let start = (0..<(rows * (width + 3))).map { _ in generator.nextUniform() }
            let padded = AVX2Kernels.panelWidths(outputChannels: width).reduce(0, +)
            var panels = [Float](repeating: 0, count: Swift.max(1, padded * depth))
            b.withUnsafeBufferPointer { source in
                panels.withUnsafeMutableBufferPointer {
                    HeadPanels.referencePack(source.baseAddress!, depth: depth, width: width, depthStride: width, widthStride: 1,
                                             into: $0.baseAddress!)
                }
            }
            for transposed in [false, true] {
                for accumulate in [false, true] {
                    for chunk in [1, 7, 256] {
                        var fast = start, reference = start, wide = start
                        a.withUnsafeBufferPointer { aValues in
                            panels.withUnsafeBufferPointer { panelValues in
                                func run(_ c: inout [Float], _ kernel: (PanelProduct) -> Void) {
                                    c.withUnsafeMutableBufferPointer {
                                        kernel(PanelProduct(a: aValues.baseAddress!, aRowStride: transposed ? 1 : depth,
                                                            aDepthStride: transposed ? rows : 1, depth: depth,
                                                            panels: panelValues.baseAddress!, panelDepth: depth, c: $0.baseAddress!,
                                                            cStride: width + 3, columns: width, accumulate: accumulate))
                                    }
                                }
                                run(&fast) { AVX2Kernels.panelProduct($0, rows: rows, depthChunk: chunk) }
                                run(&reference) { AVX2Kernels.referencePanelProduct($0, rows: rows) }
                                if CPUFeatures.hasAVX512F {
                                    run(&wide) { AVX512Kernels.panelProduct($0, rows: rows, depthChunk: chunk) }
                                }
                            }
                        }
                        #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern),
                                "\(rows) × \(width), depth \(depth) in chunks of \(chunk), transposed \(transposed), accumulate \(accumulate)")
                        if CPUFeatures.hasAVX512F {
                            #expect(wide.map(\.bitPattern) == reference.map(\.bitPattern),
                                    "AVX-512: \(rows) × \(width), depth \(depth) in chunks of \(chunk), transposed \(transposed), accumulate \(accumulate)")
                        }
                        // And both against B unpacked: the same chain per element, so the same bits.
                        var plain = start
                        for m in 0..<rows {
                            for n in 0..<width {
                                var sum: Float = accumulate ? start[m * (width + 3) + n] : 0
                                for k in 0..<depth {
                                    sum = sum.addingProduct(a[transposed ? m + k * rows : m * depth + k], b[k * width + n])
                                }
                                plain[m * (width + 3) + n] = sum
                            }
                        }
                        #expect(reference.map(\.bitPattern) == plain.map(\.bitPattern),
                                "reference vs unpacked B: \(rows) × \(width), depth \(depth), transposed \(transposed)")
                    }
                }
            }
        }
    }

    /// The attention's score product `c = a · Xᵀ` as ``HeadPanels/multiplyByTransposed(_:rows:worker:into:)``
    /// runs it (the pointwise kernel: on AVX-512 its whole-tile loops, then the last rows and
    /// columns) against the pointwise kernel on panels packed by the reference packer and
    /// against the plain chain per element, bit for bit: keys with and without panel pairs, odd
    /// 16-wide and 24- or 8-wide last panels, rows below, at and past whole 8-row tiles.
    @Test(.enabled(if: CPUFeatures.hasAVX2AndFMA, "needs a CPU with AVX2 and FMA"))
    func scoreProductMatchesThePointwiseKernel() {
        var generator = SeededGenerator(seed: 96)
        for (rows, keys, features) in [(1, 1, 4), (8, 8, 3), (7, 16, 64), (8, 32, 64), (13, 33, 64), (16, 49, 5),
                                       (64, 77, 64), (9, 100, 17), (60, 2401, 64), (3, 40, 1)] {
            let query = (0..<(rows * features)).map { _ in generator.nextUniform() * 2 - 1 }
            let key = (0..<(keys * features)).map { _ in generator.nextUniform() * 2 - 1 }
            let panels = HeadPanels(geometry: AttentionGeometry(query: [1, 1, rows, features], key: [1, 1, keys, features]),
                                    workers: 1)
            defer { panels.deallocate() }
            var scores = [Float](repeating: .nan, count: rows * keys), whole = scores
            key.withUnsafeBufferPointer { panels.packTransposed($0.baseAddress!, worker: 0) }
            query.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { panels.multiplyByTransposed(q.baseAddress!, rows: rows, worker: 0, into: $0.baseAddress!) }
                // The same panels through the pointwise kernel alone (packed again, as multiplyByTransposed reads them).
                var packed = [Float](repeating: 0, count: panels.paddedKeys * features)
                key.withUnsafeBufferPointer { source in
                    packed.withUnsafeMutableBufferPointer {
                        HeadPanels.referencePack(source.baseAddress!, depth: features, width: keys, depthStride: 1,
                                                 widthStride: features, into: $0.baseAddress!)
                    }
                }
                packed.withUnsafeBufferPointer { p in
                    whole.withUnsafeMutableBufferPointer {
                        panels.product(q.baseAddress!, stride: features, depth: features, rows: rows, panels: p.baseAddress!,
                                       width: keys, into: $0.baseAddress!, outputStride: keys, accumulate: false)
                    }
                }
            }
            #expect(scores.map(\.bitPattern) == whole.map(\.bitPattern), "\(rows) × \(keys), dₕ \(features)")
            var plain = scores
            for m in 0..<rows {
                for n in 0..<keys {
                    var sum: Float = 0
                    for k in 0..<features { sum = sum.addingProduct(query[m * features + k], key[n * features + k]) }
                    plain[m * keys + n] = sum + 0
                }
            }
            #expect(scores.map(\.bitPattern) == plain.map(\.bitPattern), "plain chain: \(rows) × \(keys), dₕ \(features)")
        }
    }

    /// The sixteen-lane dropout mask against its scalar twin: the same bytes and the same
    /// generator state afterwards, for lengths with every tail and probabilities up to the one
    /// whose threshold no longer fits 16 bits.
    @Test func dropoutKeepMaskMatchesItsScalarTwin() {
        for probability: Float in [0, 0.1, 0.4, 0.75, 0.99999] {
            for count in [0, 1, 3, 4, 15, 16, 17, 31, 33, 100_003] {
                var fast = SeededGenerator(seed: UInt64(count) &+ 5), reference = fast
                let mask = fast.dropoutKeepMask(count: count, probability: probability)
                let expected = reference.referenceDropoutKeepMask(count: count, probability: probability)
                #expect(mask == expected, "p \(probability), \(count) flags")
                #expect(fast.next() == reference.next(), "generator state after p \(probability), \(count) flags")
            }
        }
        var generator = SeededGenerator(seed: 3)
        let kept = generator.dropoutKeepMask(count: 1 << 16, probability: 0.25).reduce(0) { $0 + Int($1) }
        #expect(abs(Double(kept) / 65536 - 0.75) < 0.01, "keep fraction \(Double(kept) / 65536)")
    }

    @Test func cpuFeaturesFollowProcCPUInfo() throws {
        #if arch(x86_64) && os(Linux)
        let cpuInfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = cpuInfo.split(separator: "\n").first { $0.hasPrefix("flags") }.map { $0.split(separator: " ").map(String.init) } ?? []
        let expected = flags.contains("avx2") && flags.contains("fma")
            && ProcessInfo.processInfo.environment["HATNET_PORTABLE_KERNELS"] == nil
        #expect(CPUFeatures.hasAVX2AndFMA == expected)
        #endif
    }
}
