import Testing
import TestSupport
@testable import TensorKit

/// Every fast path of the convolution kit (depthwise SIMD kernel, pointwise GEMM, im2col GEMM,
/// pooling, channel slices) against the naive loops of ``ConvolutionReference``.
@Suite struct ConvolutionKitTests {
    /// One convolution case: shapes and geometry.
    struct Case: CustomStringConvertible {
        var batch = 2, inputChannels: Int, outputChannels: Int, height: Int, width: Int
        var geometry: ConvolutionGeometry
        var description: String {
            "N\(batch) Cin\(inputChannels) Cout\(outputChannels) \(height)×\(width) k\(geometry.kernelSize) s\(geometry.stride) d\(geometry.dilation) g\(geometry.groups) pad\(geometry.padding)"
        }
    }

    static let cases: [Case] = [
        // 1×1 (pointwise GEMM over the whole batch), plain and grouped
        Case(inputChannels: 12, outputChannels: 20, height: 5, width: 7, geometry: .init(kernelSize: 1)),
        Case(inputChannels: 12, outputChannels: 8, height: 6, width: 6, geometry: .init(kernelSize: 1, groups: 4)),
        // 1×1 with stride 2 on odd sizes (im2col path)
        Case(inputChannels: 6, outputChannels: 5, height: 9, width: 7, geometry: .init(kernelSize: 1, stride: 2)),
        // full 3×3 convolutions, stride 1 and 2 on odd sizes
        Case(inputChannels: 3, outputChannels: 16, height: 9, width: 11, geometry: .init(kernelSize: 3, stride: 2, padding: .symmetric(1))),
        Case(inputChannels: 5, outputChannels: 7, height: 8, width: 5, geometry: .init(kernelSize: 3, padding: .symmetric(1))),
        // grouped 3×3
        Case(inputChannels: 8, outputChannels: 12, height: 7, width: 7, geometry: .init(kernelSize: 3, padding: .symmetric(1), groups: 4)),
        // depthwise: channel counts with and without a SIMD tail, kernel 3 and 5, stride 2 on odd sizes
        Case(inputChannels: 13, outputChannels: 13, height: 7, width: 9, geometry: .init(kernelSize: 3, padding: .symmetric(1), groups: 13)),
        Case(inputChannels: 16, outputChannels: 16, height: 9, width: 7, geometry: .init(kernelSize: 3, stride: 2, padding: .symmetric(1), groups: 16)),
        Case(inputChannels: 24, outputChannels: 24, height: 11, width: 11, geometry: .init(kernelSize: 5, stride: 2, padding: .symmetric(2), groups: 24)),
        Case(inputChannels: 4, outputChannels: 4, height: 5, width: 6, geometry: .init(kernelSize: 3, padding: .symmetric(1), groups: 4)),
        // TensorFlow "SAME" padding of EfficientNet: one extra row/column at the bottom/right
        Case(inputChannels: 16, outputChannels: 16, height: 8, width: 8,
             geometry: .init(kernelSize: 5, stride: 2, padding: Padding(top: 1, left: 1, bottom: 2, right: 2), groups: 16)),
        Case(inputChannels: 3, outputChannels: 8, height: 8, width: 8,
             geometry: .init(kernelSize: 3, stride: 2, padding: Padding(top: 0, left: 0, bottom: 1, right: 1))),
    ] + (2...6).flatMap { dilation in [
        // dilated depthwise branches of ESPNetv2 (padding = dilation keeps the size)
        Case(inputChannels: 10, outputChannels: 10, height: 13, width: 12,
             geometry: .init(kernelSize: 3, padding: .symmetric(dilation), dilation: dilation, groups: 10)),
        Case(inputChannels: 8, outputChannels: 8, height: 15, width: 13,
             geometry: .init(kernelSize: 3, stride: 2, padding: .symmetric(dilation), dilation: dilation, groups: 8)),
        // dilated full convolution (im2col path)
        Case(inputChannels: 4, outputChannels: 6, height: 12, width: 11,
             geometry: .init(kernelSize: 3, padding: .symmetric(dilation), dilation: dilation)),
    ] }

    @Test(arguments: cases)
    func convolutionMatchesNaiveLoop(_ testCase: Case) {
        var generator = SeededGenerator(seed: 11)
        let input = Tensor.uniform([testCase.batch, testCase.inputChannels, testCase.height, testCase.width],
                                   low: -1, high: 1, generator: &generator)
        let kernel = testCase.geometry.kernelSize
        let weight = Tensor.uniform([testCase.outputChannels, testCase.inputChannels / testCase.geometry.groups, kernel, kernel],
                                    low: -1, high: 1, generator: &generator)
        let bias = Tensor.uniform([testCase.outputChannels], low: -1, high: 1, generator: &generator).scalars
        let slopes = Tensor.uniform([testCase.outputChannels], low: 0, high: 0.5, generator: &generator).scalars
        for activation in [Activation.identity, .relu6, .prelu(slopes: slopes)] {
            let layer = Conv2d(weight: weight, bias: bias, geometry: testCase.geometry, activation: activation)
            let fast = layer(FeatureMap(nchw: input)).nchwTensor()
            let reference = ConvolutionReference.convolve(input, weight: weight, bias: bias, geometry: testCase.geometry,
                                                          activation: activation)
            expectClose(fast, reference, tolerance: .kernelTwin, "\(testCase) \(activation.kind)")
        }
    }

    @Test func batchNormIsFoldedIntoTheConvolution() {
        var generator = SeededGenerator(seed: 3)
        let input = Tensor.uniform([2, 6, 7, 7], low: -1, high: 1, generator: &generator)
        for geometry in [ConvolutionGeometry(kernelSize: 1), .init(kernelSize: 3, padding: .symmetric(1), groups: 6),
                         .init(kernelSize: 3, stride: 2, padding: .symmetric(1))] {
            let weight = Tensor.uniform([6, 6 / geometry.groups, geometry.kernelSize, geometry.kernelSize],
                                        low: -1, high: 1, generator: &generator)
            let batchNorm = BatchNormStatistics(
                weight: Tensor.uniform([6], low: 0.5, high: 1.5, generator: &generator).scalars,
                bias: Tensor.uniform([6], low: -1, high: 1, generator: &generator).scalars,
                runningMean: Tensor.uniform([6], low: -1, high: 1, generator: &generator).scalars,
                runningVariance: Tensor.uniform([6], low: 0.2, high: 2, generator: &generator).scalars,
                epsilon: 1e-3)
            let fast = Conv2d(weight: weight, batchNorm: batchNorm, geometry: geometry, activation: .relu)(FeatureMap(nchw: input))
            // Reference: convolution, then y = γ (x − μ) / √(σ² + ε) + β, then ReLU.
            let convolved = ConvolutionReference.convolve(input, weight: weight, bias: nil, geometry: geometry)
            let plane = convolved.shape[2] * convolved.shape[3]
            var expected = convolved.scalars
            for index in expected.indices {
                let channel = (index / plane) % 6
                let normalised = batchNorm.weight[channel] * (expected[index] - batchNorm.runningMean[channel])
                    / (batchNorm.runningVariance[channel] + batchNorm.epsilon).squareRoot() + batchNorm.bias[channel]
                expected[index] = max(normalised, 0)
            }
            expectClose(fast.nchwTensor(), Tensor(shape: convolved.shape, scalars: expected), tolerance: .kernelTwin, "BN fold \(geometry)")
        }
    }

    @Test func slicesResidualsAndHierarchicalFusion() {
        var generator = SeededGenerator(seed: 5)
        let input = Tensor.uniform([2, 8, 6, 11], low: -1, high: 1, generator: &generator)
        let map = FeatureMap(nchw: input)
        let depthwise = ConvolutionGeometry(kernelSize: 3, padding: .symmetric(1), groups: 4)
        let weight = Tensor.uniform([4, 1, 3, 3], low: -1, high: 1, generator: &generator)
        let pointwise = Tensor.uniform([4, 4, 1, 1], low: -1, high: 1, generator: &generator)
        // Width 11: interior columns are done four at a time, borders one at a time.
        // Channels 4..<8 of the input, convolved into channels 0..<4 and then 4..<8 (+ channels 0..<4) of a wider map.
        let upperHalf = Tensor(shape: [2, 4, 6, 11], scalars: (0..<2).flatMap { image in
            Array(input.scalars[(image * 8 + 4) * 66 ..< (image * 8 + 8) * 66]) })
        let first = ConvolutionReference.convolve(upperHalf, weight: weight, bias: nil, geometry: depthwise)
        let second = ConvolutionReference.convolve(upperHalf, weight: pointwise, bias: nil, geometry: .init(kernelSize: 1))
        for layer in [Conv2d(weight: weight, geometry: depthwise), Conv2d(weight: pointwise, geometry: .init(kernelSize: 1))] {
            var concatenated = FeatureMap(batchSize: 2, height: 6, width: 11, channels: 8)
            layer.apply(map, inputChannelOffset: 4, into: &concatenated, outputChannelOffset: 0)
            layer.apply(map, inputChannelOffset: 4, into: &concatenated, outputChannelOffset: 4, mode: .addChannels(offset: 0))
            let reference = layer.isDepthwise ? first : second
            let expected = Tensor(shape: [2, 8, 6, 11], scalars: (0..<2).flatMap { image in
                let own = Array(reference.scalars[image * 264 ..< (image + 1) * 264])
                return own + own.map { $0 * 2 }
            })
            expectClose(concatenated.nchwTensor(), expected, tolerance: .kernelTwin, "slices, \(layer.isDepthwise ? "depthwise" : "pointwise")")
            // Residual: conv(x) + x
            let residual = FeatureMap(nchw: reference)
            let summed = layer(FeatureMap(nchw: upperHalf), addingResidual: residual).nchwTensor()
            expectClose(summed, Tensor(shape: reference.shape, scalars: reference.scalars.map { $0 * 2 }), tolerance: .kernelTwin, "residual")
        }
    }

    @Test(arguments: [(7, 9), (8, 8), (1, 1), (2, 3)])
    func averagePoolingCountsPaddedZeros(height: Int, width: Int) {
        var generator = SeededGenerator(seed: 9)
        let input = Tensor.uniform([2, 11, height, width], low: -1, high: 1, generator: &generator)
        let fast = FeatureMap(nchw: input).averagePooled().nchwTensor()
        let reference = ConvolutionReference.averagePool(input, kernelSize: 3, stride: 2, padding: 1)
        expectClose(fast, reference, tolerance: .kernelTwin, "avg pool \(height)×\(width)")
        // Explicit check of one border value: the corner window covers 4 pixels but divides by 9.
        let corner = (input[0, 0, 0, 0] + (width > 1 ? input[0, 0, 0, 1] : 0)
                      + (height > 1 ? input[0, 0, 1, 0] : 0) + (height > 1 && width > 1 ? input[0, 0, 1, 1] : 0)) / 9
        #expect(abs(fast[0, 0, 0, 0] - corner) < 1e-6)
    }

    @Test func globalAveragePoolAndChannelAffine() {
        var generator = SeededGenerator(seed: 13)
        let input = Tensor.uniform([3, 10, 4, 5], low: -1, high: 1, generator: &generator)
        var map = FeatureMap(nchw: input)
        let pooled = map.globalAveragePooled()
        #expect(pooled.shape == [3, 10])
        for image in 0..<3 {
            for channel in 0..<10 {
                let plane = input.scalars[(image * 10 + channel) * 20 ..< (image * 10 + channel + 1) * 20]
                #expect(abs(pooled[image, channel] - plane.reduce(0, +) / 20) < 1e-5)
            }
        }
        let scale = (0..<10).map { Float($0) / 4 }, shift = (0..<10).map { -Float($0) / 8 }
        let slopes = (0..<10).map { Float($0) / 10 }
        map.applyChannelAffine(scale: scale, shift: shift, activation: .prelu(slopes: slopes))
        let plane = 20
        let expected = input.scalars.indices.map { index -> Float in
            let channel = (index / plane) % 10
            return Activation.prelu(slopes: slopes).apply(input.scalars[index] * scale[channel] + shift[channel], channel: channel)
        }
        expectClose(map.nchwTensor(), Tensor(shape: input.shape, scalars: expected), tolerance: .kernelTwin, "channel affine")
    }
}

extension Tolerance {
    /// Fast kernels against their reference loops: `|a − b| ≤ 1e-5 + 1e-5·max|b|`.
    static let kernelTwin = Tolerance(absolute: 1e-5, relative: 1e-5, relativeTo: .largestExpected)
}
