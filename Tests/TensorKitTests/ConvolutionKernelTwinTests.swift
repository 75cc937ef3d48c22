import Testing
import TestSupport
@testable import TensorKit
import VectorKernelsAVX2
import VectorKernelsAVX512

/// The two kernel families of the convolution kit (portable SIMD + OpenBLAS, and the AVX2 + FMA
/// kernels: own GEMM with fused epilogue, depthwise, channel epilogue) against the naive loops of
/// ``ConvolutionReference`` and against each other, on awkward shapes: channel counts that are not
/// multiples of 8 or 16, widths 1…17, strides, asymmetric padding, residual and channel-slice
/// addends. On a CPU without AVX2 only the portable family runs (and the AVX2 cases are listed as
/// disabled).
@Suite struct ConvolutionKernelTwinTests {
    static let paths: [KernelPath] = CPUFeatures.hasAVX2AndFMA ? [.portable, .avx2] : [.portable]

    struct Case: CustomStringConvertible {
        var batch: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int
        var geometry: ConvolutionGeometry
        var description: String {
            "N\(batch) Cin\(inputChannels) Cout\(outputChannels) \(height)×\(width) k\(geometry.kernelSize) s\(geometry.stride) d\(geometry.dilation) g\(geometry.groups) pad\(geometry.padding)"
        }
    }

    /// Pointwise and im2col GEMMs: output channels 1…17 and around the 8/16-column panels, few and
    /// many rows (tiles of 6 with 1–5 left over), grouped.
    static let gemmCases: [Case] = [1, 2, 5, 7, 8, 9, 15, 16, 17, 24, 40, 33].map { outputs in
        Case(batch: 1, inputChannels: 11, outputChannels: outputs, height: 3, width: 5, geometry: .init(kernelSize: 1))
    } + [
        Case(batch: 2, inputChannels: 1, outputChannels: 3, height: 1, width: 1, geometry: .init(kernelSize: 1)),
        Case(batch: 1, inputChannels: 67, outputChannels: 29, height: 7, width: 13, geometry: .init(kernelSize: 1)),
        Case(batch: 2, inputChannels: 12, outputChannels: 18, height: 4, width: 7, geometry: .init(kernelSize: 1, groups: 3)),
        Case(batch: 2, inputChannels: 3, outputChannels: 32, height: 9, width: 17, geometry: .init(kernelSize: 3, stride: 2, padding: .symmetric(1))),
        Case(batch: 1, inputChannels: 5, outputChannels: 13, height: 6, width: 1, geometry: .init(kernelSize: 3, padding: .symmetric(1))),
        Case(batch: 1, inputChannels: 3, outputChannels: 10, height: 8, width: 8,
             geometry: .init(kernelSize: 3, stride: 2, padding: Padding(top: 0, left: 0, bottom: 1, right: 1))),
        Case(batch: 1, inputChannels: 8, outputChannels: 12, height: 5, width: 6, geometry: .init(kernelSize: 3, padding: .symmetric(2), dilation: 2, groups: 4)),
        // The AVX2 im2col runs a band of output rows at a time (8192 floats of receptive fields):
        // one row a band here (30 × 432 floats a row), and bands of 3, 3, 2 rows (96 × 27) below.
        Case(batch: 2, inputChannels: 48, outputChannels: 20, height: 7, width: 30, geometry: .init(kernelSize: 3, padding: .symmetric(1))),
        Case(batch: 1, inputChannels: 3, outputChannels: 32, height: 8, width: 96, geometry: .init(kernelSize: 3, padding: .symmetric(1))),
        // The 24-wide last panel (4-row tiles): 1, 2 left-over rows, every third-vector width
        // (17…24 columns), and a K so large that the kernel's row blocks are 6 rows (tiles 4 + 2).
        Case(batch: 1, inputChannels: 11, outputChannels: 18, height: 1, width: 5, geometry: .init(kernelSize: 1)),
        Case(batch: 1, inputChannels: 11, outputChannels: 23, height: 2, width: 3, geometry: .init(kernelSize: 1)),
        Case(batch: 1, inputChannels: 24, outputChannels: 72, height: 4, width: 4, geometry: .init(kernelSize: 1)),
        Case(batch: 1, inputChannels: 5600, outputChannels: 24, height: 1, width: 13, geometry: .init(kernelSize: 1)),
        Case(batch: 2, inputChannels: 16, outputChannels: 40, height: 3, width: 7, geometry: .init(kernelSize: 1, groups: 2)),
        // im2col kernel rows of 3, 6, 12 and 15 floats (moved in registers, every tail) and 18 (memmove).
        Case(batch: 1, inputChannels: 1, outputChannels: 17, height: 6, width: 7, geometry: .init(kernelSize: 3, padding: .symmetric(1))),
        Case(batch: 1, inputChannels: 2, outputChannels: 9, height: 5, width: 6, geometry: .init(kernelSize: 3, stride: 2, padding: .symmetric(1))),
        Case(batch: 1, inputChannels: 4, outputChannels: 20, height: 5, width: 8, geometry: .init(kernelSize: 3, stride: 2, padding: .symmetric(1))),
        Case(batch: 1, inputChannels: 5, outputChannels: 24, height: 7, width: 9, geometry: .init(kernelSize: 3, padding: .symmetric(1))),
        Case(batch: 1, inputChannels: 6, outputChannels: 8, height: 4, width: 5, geometry: .init(kernelSize: 3, padding: .symmetric(1))),
    ]

    /// Depthwise convolutions: widths 1…17 (border-only rows, interior runs of 4 with leftovers),
    /// channels with and without SIMD tails, kernels 3 and 5, strides 1 and 2, dilation, "SAME"
    /// padding with the extra row/column after.
    static let depthwiseCases: [Case] = (1...17).flatMap { width in [
        Case(batch: 1, inputChannels: 13, outputChannels: 13, height: 3, width: width,
             geometry: .init(kernelSize: 3, padding: .symmetric(1), groups: 13)),
        Case(batch: 1, inputChannels: 16, outputChannels: 16, height: 4, width: width,
             geometry: .init(kernelSize: 3, stride: 2, padding: .symmetric(1), groups: 16)),
    ] } + [
        Case(batch: 2, inputChannels: 3, outputChannels: 3, height: 9, width: 11, geometry: .init(kernelSize: 5, padding: .symmetric(2), groups: 3)),
        Case(batch: 1, inputChannels: 20, outputChannels: 20, height: 11, width: 14, geometry: .init(kernelSize: 5, stride: 2, padding: .symmetric(2), groups: 20)),
        Case(batch: 1, inputChannels: 24, outputChannels: 24, height: 8, width: 9,
             geometry: .init(kernelSize: 5, stride: 2, padding: Padding(top: 1, left: 1, bottom: 2, right: 2), groups: 24)),
        Case(batch: 1, inputChannels: 9, outputChannels: 9, height: 13, width: 12,
             geometry: .init(kernelSize: 3, padding: .symmetric(3), dilation: 3, groups: 9)),
        Case(batch: 1, inputChannels: 8, outputChannels: 8, height: 2, width: 2, geometry: .init(kernelSize: 3, padding: .symmetric(1), groups: 8)),
    ]

    static func random(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, low: low, high: high, generator: &generator)
    }

    /// Both paths match the naive loop, plain and with a residual, for every activation.
    @Test(arguments: gemmCases + depthwiseCases, paths)
    func kernelFamilyMatchesNaiveLoop(_ testCase: Case, path: KernelPath) {
        let input = Self.random([testCase.batch, testCase.inputChannels, testCase.height, testCase.width], seed: 21)
        let kernel = testCase.geometry.kernelSize
        let weight = Self.random([testCase.outputChannels, testCase.inputChannels / testCase.geometry.groups, kernel, kernel], seed: 22)
        let bias = Self.random([testCase.outputChannels], seed: 23).scalars
        let slopes = Self.random([testCase.outputChannels], seed: 24, low: 0, high: 0.5).scalars
        for activation in [Activation.identity, .relu, .relu6, .prelu(slopes: slopes)] {
            let layer = Conv2d(weight: weight, bias: bias, geometry: testCase.geometry, activation: activation)
            var output = FeatureMap(batchSize: testCase.batch, height: testCase.geometry.outputHeight(inputHeight: testCase.height),
                                    width: testCase.geometry.outputWidth(inputWidth: testCase.width), channels: testCase.outputChannels)
            layer.apply(FeatureMap(nchw: input), into: &output, path: path)
            let reference = ConvolutionReference.convolve(input, weight: weight, bias: bias, geometry: testCase.geometry, activation: activation)
            expectClose(output.nchwTensor(), reference, tolerance: .kernelTwin, "\(testCase) \(activation.kind) \(path)")

            // Residual: activation(conv + b + r), the residual added in place.
            let residual = Self.random(reference.shape, seed: 25)
            var accumulated = FeatureMap(nchw: residual)
            layer.apply(FeatureMap(nchw: input), into: &accumulated, mode: .accumulate, path: path)
            let linear = ConvolutionReference.convolve(input, weight: weight, bias: bias, geometry: testCase.geometry)
            let plane = reference.shape[2] * reference.shape[3]
            let expected = linear.scalars.indices.map { index in
                activation.apply(linear.scalars[index] + residual.scalars[index], channel: (index / plane) % testCase.outputChannels)
            }
            expectClose(accumulated.nchwTensor(), Tensor(shape: reference.shape, scalars: expected), tolerance: .kernelTwin,
                        "\(testCase) \(activation.kind) \(path) residual")
        }
    }

    /// A channel slice in and out of wider maps, with the neighbouring slice added
    /// (`.addChannels`), on both paths: the values outside the slice stay untouched.
    @Test(arguments: paths)
    func channelSlicesAndAddedChannels(path: KernelPath) {
        let input = FeatureMap(nchw: Self.random([2, 21, 5, 9], seed: 31))
        for geometry in [ConvolutionGeometry(kernelSize: 1), .init(kernelSize: 3, padding: .symmetric(1), groups: 10),
                         .init(kernelSize: 3, stride: 2, padding: .symmetric(1))] {
            let outputs = geometry.groups == 1 ? 11 : 10
            let layer = Conv2d(weight: Self.random([outputs, 10 / geometry.groups, geometry.kernelSize, geometry.kernelSize], seed: 32),
                               bias: Self.random([outputs], seed: 33).scalars, geometry: geometry, activation: .relu6)
            let (height, width) = (geometry.outputHeight(inputHeight: 5), geometry.outputWidth(inputWidth: 9))
            let start = FeatureMap(nchw: Self.random([2, 2 * outputs + 3, height, width], seed: 34))
            var fast = start, portable = start
            layer.apply(input, inputChannelOffset: 7, into: &fast, outputChannelOffset: 1, mode: .addChannels(offset: outputs + 2), path: path)
            layer.apply(input, inputChannelOffset: 7, into: &portable, outputChannelOffset: 1, mode: .addChannels(offset: outputs + 2),
                        path: .portable)
            expectClose(fast.nchwTensor(), portable.nchwTensor(), tolerance: .kernelTwin, "slices \(geometry) \(path)")
            // Channel 0 and the added slice are unchanged.
            for pixel in 0..<(2 * height * width) {
                let stride = start.channels
                #expect(fast.values[pixel * stride] == start.values[pixel * stride])
                #expect(fast.values[pixel * stride + outputs + 2] == start.values[pixel * stride + outputs + 2])
            }
        }
    }

    /// Average pooling (a depthwise kernel with weights 1/9) on both paths against the reference.
    @Test(arguments: [(1, 1), (2, 3), (7, 9), (8, 17)], paths)
    func averagePoolingOnBothPaths(size: (Int, Int), path: KernelPath) {
        let input = Self.random([2, 13, size.0, size.1], seed: 41)
        let map = FeatureMap(nchw: input)
        let geometry = ConvolutionGeometry(kernelSize: 3, stride: 2, padding: .symmetric(1))
        var output = FeatureMap(batchSize: 2, height: geometry.outputHeight(inputHeight: size.0),
                                width: geometry.outputWidth(inputWidth: size.1), channels: 13)
        map.averagePool(geometry: geometry, into: &output, channelOffset: 0, path: path)
        expectClose(output.nchwTensor(), ConvolutionReference.averagePool(input, kernelSize: 3, stride: 2, padding: 1),
                    tolerance: .kernelTwin, "avg pool \(size) \(path)")
    }

    /// The channel affine (BatchNorm + PReLU of ESPNetv2) on both paths against its definition.
    @Test(arguments: [1, 7, 8, 19], paths)
    func channelAffineOnBothPaths(channels: Int, path: KernelPath) {
        let input = Self.random([2, channels + 3, 3, 5], seed: 51)
        let scale = Self.random([channels], seed: 52).scalars, shift = Self.random([channels], seed: 53).scalars
        let slopes = Self.random([channels], seed: 54, low: 0, high: 0.5).scalars
        for activation in [Activation.identity, .relu, .relu6, .prelu(slopes: slopes)] {
            var map = FeatureMap(nchw: input)
            map.applyChannelAffine(scale: scale, shift: shift, activation: activation, channelOffset: 2, path: path)
            let plane = 15
            let expected = input.scalars.indices.map { index -> Float in
                let channel = (index / plane) % (channels + 3) - 2
                guard channel >= 0 && channel < channels else { return input.scalars[index] }
                return activation.apply(input.scalars[index] * scale[channel] + shift[channel], channel: channel)
            }
            expectClose(map.nchwTensor(), Tensor(shape: input.shape, scalars: expected), tolerance: .kernelTwin,
                        "channel affine \(channels) \(activation.kind) \(path)")
        }
    }

    /// One AVX2 depthwise problem: `channels` values a pixel stored `pixelStride` apart (a channel
    /// slice when wider), in-place or separate addend, and band-relative rows (a band of output
    /// rows `bandStart ..< bandEnd` reading only the input rows its taps need, as the fused
    /// inverted-residual blocks store them).
    struct DepthwiseOrderCase: CustomStringConvertible, Sendable {
        var batch = 1, channels: Int, height: Int, width: Int
        var kernelSize: Int, stride = 1, dilation = 1, padTop: Int, padLeft: Int, padBottom: Int? = nil, padRight: Int? = nil
        var pixelStride: Int? = nil
        var band: Range<Int>? = nil
        var description: String {
            "N\(batch) C\(channels)/\(pixelStride ?? channels) \(height)×\(width) k\(kernelSize) s\(stride) d\(dilation) pad \(padTop),\(padLeft)"
                + (band.map { " band \($0)" } ?? "")
        }
        var outputHeight: Int { (height + padTop + (padBottom ?? padTop) - (kernelSize - 1) * dilation - 1) / stride + 1 }
        var outputWidth: Int { (width + padLeft + (padRight ?? padLeft) - (kernelSize - 1) * dilation - 1) / stride + 1 }
    }

    /// Channel counts that exercise every block of the interior path (pairs of 8-lane vectors,
    /// one last vector, fewer than eight lanes; for the AVX-512 twin pairs of 16-lane vectors, one
    /// 16-lane and one 8-lane vector, and border pixels of 64 channels a step; from 64 channels with
    /// 5 × 5 taps at stride 1 its zero-padded slices of 32 … 63 channels, several to a map), widths
    /// 1…17 (border-only rows, groups of four with 1–3 columns left), kernels 3 and 5 at strides 1
    /// and 2, dilation, asymmetric "SAME" padding, batches, channel slices and bands.
    static let depthwiseOrderCases: [DepthwiseOrderCase] = [3, 8, 13, 16, 24, 29, 40, 69, 72, 120, 200].flatMap { channels in
        (1...17).flatMap { width in [
            DepthwiseOrderCase(channels: channels, height: 4, width: width, kernelSize: 3, padTop: 1, padLeft: 1),
            DepthwiseOrderCase(channels: channels, height: 5, width: width, kernelSize: 3, stride: 2, padTop: 1, padLeft: 1),
        ] } + [
            DepthwiseOrderCase(batch: 2, channels: channels, height: 9, width: 13, kernelSize: 5, padTop: 2, padLeft: 2),
            DepthwiseOrderCase(channels: channels, height: 11, width: 19, kernelSize: 5, stride: 2, padTop: 2, padLeft: 2),
            DepthwiseOrderCase(channels: channels, height: 8, width: 12, kernelSize: 5, stride: 2, padTop: 1, padLeft: 1, padBottom: 2, padRight: 2),
            DepthwiseOrderCase(channels: channels, height: 8, width: 10, kernelSize: 3, stride: 2, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1),
            DepthwiseOrderCase(channels: channels, height: 13, width: 15, kernelSize: 3, dilation: 3, padTop: 3, padLeft: 3),
            DepthwiseOrderCase(channels: channels, height: 9, width: 14, kernelSize: 3, stride: 2, dilation: 2, padTop: 2, padLeft: 2),
            DepthwiseOrderCase(channels: channels, height: 6, width: 11, kernelSize: 3, padTop: 1, padLeft: 1, pixelStride: channels + 5),
            DepthwiseOrderCase(channels: channels, height: 12, width: 9, kernelSize: 3, padTop: 1, padLeft: 1, band: 3..<7),
            DepthwiseOrderCase(channels: channels, height: 12, width: 13, kernelSize: 5, stride: 2, padTop: 2, padLeft: 2, band: 0..<2),
            DepthwiseOrderCase(channels: channels, height: 12, width: 13, kernelSize: 5, padTop: 2, padLeft: 2, band: 9..<12),
            DepthwiseOrderCase(channels: channels, height: 12, width: 14, kernelSize: 5, dilation: 2, padTop: 4, padLeft: 4),
            DepthwiseOrderCase(channels: channels, height: 16, width: 7, kernelSize: 5, padTop: 2, padLeft: 2, pixelStride: channels + 3),
            // Wide rows: the AVX-512 3 × 3 row kernel runs each row's interior in one run of many steps.
            DepthwiseOrderCase(channels: channels, height: 5, width: 130, kernelSize: 3, padTop: 1, padLeft: 1),
            DepthwiseOrderCase(channels: channels, height: 7, width: 71, kernelSize: 3, stride: 2, padTop: 1, padLeft: 1),
        ]
    }

    /// The AVX2 depthwise kernel (and its AVX-512 twin, on CPUs with AVX512F) is bit-identical to
    /// one output at a time summing, in order, its addend, its taps in kernel-row-major,
    /// kernel-column order (fused multiply-adds in the 8-lane channel blocks, multiply then add
    /// in the scalar channel tail), then the bias, then the activation: its blocking only
    /// interleaves independent outputs. Plain, with a separate addend and with the output as its
    /// own addend, for every activation.
    @Test(.enabled(if: CPUFeatures.hasAVX2AndFMA), arguments: depthwiseOrderCases)
    func depthwiseAVX2SumsInTheReferenceOrder(_ testCase: DepthwiseOrderCase) {
        let kernels: [(name: String, run: (DepthwiseProblem, Range<Int>) -> Void)] =
            [("AVX2", { AVX2Kernels.depthwiseConvolution($0, rows: $1) })]
            + (CPUFeatures.hasAVX512F ? [("AVX-512", { AVX512Kernels.depthwiseConvolution($0, rows: $1) })] : [])
        let (channels, k) = (testCase.channels, testCase.kernelSize)
        let pixelStride = testCase.pixelStride ?? channels
        let (outputHeight, outputWidth) = (testCase.outputHeight, testCase.outputWidth)
        let outputRows = testCase.band ?? 0..<(testCase.batch * outputHeight)
        // The input rows the computed output rows read (all of them without a band).
        let reach = (k - 1) * testCase.dilation
        let inputRows = testCase.band.map { band in
            max(0, band.lowerBound * testCase.stride - testCase.padTop)
                ..< min(testCase.height, (band.upperBound - 1) * testCase.stride - testCase.padTop + reach + 1)
        } ?? 0..<(testCase.batch * testCase.height)
        let input = Self.random([testCase.batch * testCase.height * testCase.width * pixelStride], seed: 61).scalars
        let weights = Self.random([k * k * channels], seed: 62).scalars
        let bias = Self.random([channels], seed: 63).scalars
        let slopes = Self.random([channels], seed: 64, low: 0, high: 0.5).scalars
        let outputCount = outputRows.count * outputWidth * pixelStride
        let start = Self.random([outputCount], seed: 65, low: -4, high: 10).scalars
        let vectorChannels = channels - channels % 8
        func expected(base: [Float], addend: [Float]?, activation: KernelActivation) -> [Float] {
            var result = base
            for flatRow in outputRows {
                let image = flatRow / outputHeight, row = flatRow % outputHeight
                for column in 0..<outputWidth {
                    let pixel = ((flatRow - outputRows.lowerBound) * outputWidth + column) * pixelStride
                    for channel in 0..<channels {
                        var sum: Float = addend?[pixel + channel] ?? 0
                        for kernelRow in 0..<k {
                            let y = row * testCase.stride - testCase.padTop + kernelRow * testCase.dilation
                            guard y >= 0 && y < testCase.height else { continue }
                            for kernelColumn in 0..<k {
                                let x = column * testCase.stride - testCase.padLeft + kernelColumn * testCase.dilation
                                guard x >= 0 && x < testCase.width else { continue }
                                let w = weights[(kernelRow * k + kernelColumn) * channels + channel]
                                let v = input[((image * testCase.height + y) * testCase.width + x) * pixelStride + channel]
                                if channel < vectorChannels { sum = sum.addingProduct(w, v) } else { sum += w * v }
                            }
                        }
                        let z = sum + bias[channel]
                        result[pixel + channel] = switch activation {
                        case .identity: z
                        case .relu: z < 0 ? 0 : z
                        case .relu6: z < 0 ? 0 : (z > 6 ? 6 : z)
                        case .prelu: z < 0 ? z * slopes[channel] : z
                        }
                    }
                }
            }
            return result
        }
        let addend = Self.random([outputCount], seed: 66).scalars
        for kernel in kernels {
            for activation in [KernelActivation.identity, .relu, .relu6, .prelu] {
                for mode in ["plain", "addend", "in place"] {
                    var output = mode == "in place" ? addend : start
                    input.withUnsafeBufferPointer { input in
                        weights.withUnsafeBufferPointer { weights in
                            bias.withUnsafeBufferPointer { bias in
                                slopes.withUnsafeBufferPointer { slopes in
                                    addend.withUnsafeBufferPointer { addend in
                                        output.withUnsafeMutableBufferPointer { output in
                                            let addendPointer: UnsafePointer<Float>? = switch mode {
                                            case "addend": addend.baseAddress!
                                            case "in place": UnsafePointer(output.baseAddress!)
                                            default: nil
                                            }
                                            let problem = DepthwiseProblem(
                                                input: input.baseAddress! + inputRows.lowerBound * testCase.width * pixelStride, inputStride: pixelStride,
                                                inputHeight: testCase.height, inputWidth: testCase.width,
                                                output: output.baseAddress!, outputStride: pixelStride,
                                                outputHeight: outputHeight, outputWidth: outputWidth,
                                                addend: addendPointer, addendStride: pixelStride, channels: channels,
                                                weights: weights.baseAddress!, bias: bias.baseAddress!, slopes: slopes.baseAddress!,
                                                activation: activation, kernelSize: k, stride: testCase.stride, dilation: testCase.dilation,
                                                padTop: testCase.padTop, padLeft: testCase.padLeft,
                                                inputRowOrigin: inputRows.lowerBound, outputRowOrigin: outputRows.lowerBound)
                                            kernel.run(problem, outputRows)
                                        }
                                    }
                                }
                            }
                        }
                    }
                    let reference = expected(base: mode == "in place" ? addend : start, addend: mode == "plain" ? nil : addend,
                                             activation: activation)
                    let mismatches = output.indices.filter { output[$0].bitPattern != reference[$0].bitPattern }
                    let message = "\(kernel.name) \(testCase) \(activation) \(mode): \(mismatches.count) values differ, first at index \(mismatches.first ?? -1)"
                    #expect(mismatches.isEmpty, Comment(rawValue: message))
                }
            }
        }
    }

    /// The AVX2 GEMM's weight panels: widths 16 while more than 24 columns remain, then 24, 16 or 8.
    @Test func panelWidthsCoverTheColumns() {
        #expect(AVX2Kernels.panelWidths(outputChannels: 0) == [])
        #expect(AVX2Kernels.panelWidths(outputChannels: 1) == [8])
        #expect(AVX2Kernels.panelWidths(outputChannels: 8) == [8])
        #expect(AVX2Kernels.panelWidths(outputChannels: 9) == [16])
        #expect(AVX2Kernels.panelWidths(outputChannels: 16) == [16])
        #expect(AVX2Kernels.panelWidths(outputChannels: 17) == [24])
        #expect(AVX2Kernels.panelWidths(outputChannels: 24) == [24])
        #expect(AVX2Kernels.panelWidths(outputChannels: 25) == [16, 16])
        #expect(AVX2Kernels.panelWidths(outputChannels: 40) == [16, 24])
        #expect(AVX2Kernels.panelWidths(outputChannels: 72) == [16, 16, 16, 24])
        #expect(AVX2Kernels.panelWidths(outputChannels: 33) == [16, 24])
    }
}
