import Foundation
import Testing
import TestSupport
@testable import TensorKit

/// The fused, band-by-band inverted-residual block against its twins: layer by layer on the same
/// AVX2 kernels (the same sums in the same order, so bit-identical), and the naive loops of
/// ``ConvolutionReference`` chained (expand → depthwise → project → + x) to float rounding. Shapes
/// are chosen to be awkward: tiny images (1×1, 2×3), widths and channel counts that are not
/// multiples of 8, kernels 3 and 5, strides 1 and 2, TensorFlow "SAME" padding with the extra row
/// after, no expansion, residual on and off, and bands of 1, 2, 3 rows (so that rows are carried
/// over from band to band) as well as the cache-sized default. On a CPU without AVX2 the fused
/// path cannot run and these cases are listed as disabled.
@Suite(.enabled(if: CPUFeatures.hasAVX2AndFMA, "the fused block runs on the AVX2 kernels"))
struct InvertedResidualFusionTests {
    struct Case: CustomStringConvertible {
        var batch = 1, inputChannels: Int, hidden: Int, outputChannels: Int, height: Int, width: Int
        var kernelSize: Int, stride: Int
        var padding: Padding? = nil
        var expands = true
        var activation = Activation.relu6

        var addsResidual: Bool { stride == 1 && inputChannels == outputChannels }
        var geometry: ConvolutionGeometry {
            ConvolutionGeometry(kernelSize: kernelSize, stride: stride, padding: padding ?? .symmetric(kernelSize / 2), groups: hidden)
        }
        var description: String {
            "N\(batch) \(inputChannels)→\(hidden)→\(outputChannels) \(height)×\(width) k\(kernelSize) s\(stride)"
                + " pad \(geometry.padding) expand \(expands) residual \(addsResidual)"
        }
    }

    static let cases: [Case] = [
        Case(inputChannels: 5, hidden: 13, outputChannels: 5, height: 1, width: 1, kernelSize: 3, stride: 1),
        Case(inputChannels: 5, hidden: 13, outputChannels: 5, height: 2, width: 3, kernelSize: 3, stride: 1),
        Case(inputChannels: 7, hidden: 20, outputChannels: 9, height: 2, width: 3, kernelSize: 5, stride: 2),
        Case(inputChannels: 8, hidden: 24, outputChannels: 8, height: 9, width: 11, kernelSize: 3, stride: 1),
        Case(batch: 2, inputChannels: 6, hidden: 36, outputChannels: 6, height: 13, width: 17, kernelSize: 5, stride: 1,
             activation: .relu),
        Case(inputChannels: 16, hidden: 96, outputChannels: 24, height: 16, width: 16, kernelSize: 3, stride: 2),
        Case(batch: 2, inputChannels: 3, hidden: 18, outputChannels: 11, height: 15, width: 9, kernelSize: 3, stride: 2),
        Case(inputChannels: 24, hidden: 72, outputChannels: 40, height: 11, width: 10, kernelSize: 5, stride: 2,
             padding: Padding(top: 1, left: 1, bottom: 2, right: 2)),
        Case(inputChannels: 10, hidden: 30, outputChannels: 12, height: 8, width: 8, kernelSize: 3, stride: 2,
             padding: Padding(top: 0, left: 0, bottom: 1, right: 1)),
        Case(inputChannels: 12, hidden: 12, outputChannels: 8, height: 7, width: 9, kernelSize: 3, stride: 1, expands: false),
        Case(inputChannels: 9, hidden: 9, outputChannels: 9, height: 5, width: 4, kernelSize: 3, stride: 1, expands: false),
        Case(inputChannels: 4, hidden: 12, outputChannels: 4, height: 40, width: 6, kernelSize: 3, stride: 1),
    ]

    static func random(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, low: low, high: high, generator: &generator)
    }

    /// The block of `testCase` with seeded weights, and the same weights for the reference.
    static func block(_ testCase: Case) -> (InvertedResidualBlock, weights: [Tensor], biases: [[Float]]) {
        let k = testCase.kernelSize
        let expandWeight = random([testCase.hidden, testCase.inputChannels, 1, 1], seed: 61, low: -0.5, high: 0.5)
        let depthwiseWeight = random([testCase.hidden, 1, k, k], seed: 62, low: -0.5, high: 0.5)
        let projectWeight = random([testCase.outputChannels, testCase.hidden, 1, 1], seed: 63, low: -0.5, high: 0.5)
        let biases = [random([testCase.hidden], seed: 64).scalars, random([testCase.hidden], seed: 65).scalars,
                      random([testCase.outputChannels], seed: 66).scalars]
        let expand = testCase.expands
            ? Conv2d(weight: expandWeight, bias: biases[0], geometry: .init(kernelSize: 1), activation: testCase.activation) : nil
        let depthwise = Conv2d(weight: depthwiseWeight, bias: biases[1], geometry: testCase.geometry, activation: testCase.activation)
        let project = Conv2d(weight: projectWeight, bias: biases[2], geometry: .init(kernelSize: 1))
        let block = InvertedResidualBlock(expand: expand, depthwise: depthwise, project: project, addsResidual: testCase.addsResidual)
        return (block, [expandWeight, depthwiseWeight, projectWeight], biases)
    }

    @Test(arguments: cases)
    func fusedMatchesLayerByLayer(_ testCase: Case) {
        let (block, weights, biases) = Self.block(testCase)
        let input = Self.random([testCase.batch, testCase.inputChannels, testCase.height, testCase.width], seed: 67)
        let map = FeatureMap(nchw: input)

        // The naive loops, chained: expand → depthwise → project (+ x).
        let expanded = testCase.expands
            ? ConvolutionReference.convolve(input, weight: weights[0], bias: biases[0], geometry: .init(kernelSize: 1),
                                            activation: testCase.activation) : input
        let filtered = ConvolutionReference.convolve(expanded, weight: weights[1], bias: biases[1], geometry: testCase.geometry,
                                                     activation: testCase.activation)
        var reference = ConvolutionReference.convolve(filtered, weight: weights[2], bias: biases[2], geometry: .init(kernelSize: 1))
        if testCase.addsResidual { reference = Tensor(shape: reference.shape, scalars: zip(reference.scalars, input.scalars).map(+)) }

        let layerByLayer = block.unfused(map, path: .avx2)
        expectClose(layerByLayer.nchwTensor(), reference, tolerance: .kernelTwin, "\(testCase) unfused")
        expectClose(block.unfused(map, path: .portable).nchwTensor(), reference, tolerance: .kernelTwin, "\(testCase) portable")
        for bandRows in [1, 2, 3, nil] as [Int?] {
            let fused = block.fused(map, bandRows: bandRows)
            #expect(fused.batchSize == layerByLayer.batchSize && fused.height == layerByLayer.height
                    && fused.width == layerByLayer.width && fused.channels == layerByLayer.channels)
            #expect(fused.values == layerByLayer.values, "\(testCase) bands of \(bandRows.map(String.init) ?? "default") rows")
            expectClose(fused.nchwTensor(), reference, tolerance: .kernelTwin, "\(testCase) fused, bands \(bandRows ?? 0)")
        }
        // What the encoders call.
        #expect(block(map).values == layerByLayer.values)
    }

    /// The band height comes from the L2 size: MobileNetV2's first expanded block (128² × 96
    /// channels, stride 2) gets at least one row and its band fits in half the cache.
    @Test func bandsFitHalfTheLevel2Cache() {
        let (block, _, _) = Self.block(Case(inputChannels: 16, hidden: 96, outputChannels: 24, height: 128, width: 128,
                                            kernelSize: 3, stride: 2))
        let rows = block.bandRows(width: 128, outputWidth: 64, outputHeight: 64)
        #expect(rows >= 1 && rows < 64)
        let floats = ((rows - 1) * 2 + 3) * 128 * 96 + rows * 64 * 96
        #expect(rows == 1 || floats * 4 <= CPUFeatures.level2CacheBytes / 2)
        // A late block (8 × 8 map, 1152 hidden channels: one row is 37 KB) still gets bands of at
        // least minimumBandPixels output pixels, so its weight panels are not re-read per row.
        let (late, _, _) = Self.block(Case(inputChannels: 192, hidden: 1152, outputChannels: 192, height: 8, width: 8,
                                           kernelSize: 5, stride: 1))
        let lateRows = late.bandRows(width: 8, outputWidth: 8, outputHeight: 8)
        #expect(lateRows == min(8, (InvertedResidualBlock.minimumBandPixels + 7) / 8), "\(lateRows) rows")
        // Fusion runs where the hidden map is larger than the threshold: by default every block
        // (MobileNetV2's 128² × 96 map, 6 MB, and the late 8 × 8 × 1152 one, 295 KB).
        let threshold = InvertedResidualBlock.fusionMinimumHiddenBytes
        #expect(block.fusionPays(height: 128, width: 128) == (128 * 128 * 96 * 4 > threshold))
        #expect(late.fusionPays(height: 8, width: 8) == (8 * 8 * 1152 * 4 > threshold))
        #expect(late.fusionPays(height: Int.max / 2, width: 3))
        if ProcessInfo.processInfo.environment["HATNET_FUSION_MIN_HIDDEN_KB"] == nil {
            #expect(threshold == 0)
            #expect(late.fusionPays(height: 8, width: 8) && block.fusionPays(height: 128, width: 128))
        }
        #expect(CPUFeatures.parseCacheSize("512K\n") == 512 << 10)
        #expect(CPUFeatures.parseCacheSize("1M") == 1 << 20)
        #expect(CPUFeatures.parseCacheSize("16") == 128 << 10)
        #expect(CPUFeatures.parseCacheSize("banana") == nil)
        #expect(CPUFeatures.parseCacheSize("-4K") == nil)
    }
}
