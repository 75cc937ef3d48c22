import Foundation
import VectorKernelsAVX2
import VectorKernelsAVX512

/// An inference-only 2-D convolution on channels-last ``FeatureMap``s, with bias, a folded
/// BatchNorm and a fused activation: `y = activation(conv(x, W) + b)`.
///
/// The constructor takes PyTorch's weight layout `[Cout, Cin / groups, k, k]`, folds an optional
/// ``BatchNormStatistics`` into weight and bias (`W' = W·scale`, `b' = (b − μ)·scale + β`), and
/// rearranges the weights for the kernel it will use:
/// - depthwise (`groups == Cin == Cout`): ``DepthwiseKernel``, weights `[k, k, C]`;
/// - 1×1, stride 1, no padding: one GEMM per group over the whole batch;
/// - anything else: im2col + GEMM per image and group, weights `[Cout, k, k, Cin / groups]`.
///
/// On CPUs with AVX2 + FMA (``KernelPath/preferred``) the GEMMs are `VectorKernelsAVX2`'s own
/// (`pointwiseConvolution`: bias, residual and activation applied to each output tile while it
/// is in registers, no separate pass) and the depthwise loops its AVX2 twin; the portable path
/// (OpenBLAS + ``applyChannelEpilogue(_:channelCount:scale:bias:activation:slopes:)``) is their
/// reference twin.
public struct Conv2d: Sendable {
    public let inputChannels: Int
    public let outputChannels: Int
    public let geometry: ConvolutionGeometry
    public let activation: Activation
    /// Kernel-specific layout (see the type's documentation).
    let packedWeights: AlignedFloats
    /// `[Cout]`, BatchNorm shift included.
    let bias: [Float]
    let slopes: [Float]
    /// The AVX2 GEMM's weights (empty for depthwise layers and on CPUs without AVX2): per group,
    /// `W_gᵀ` (`[k·k·Cin/G, Cout/G]`) in zero-padded column panels (``AVX2Kernels/panelWidths(outputChannels:)``),
    /// `panelFloatsPerGroup` floats a group.
    let panels: AlignedFloats
    let panelFloatsPerGroup: Int
    /// `bias` and `slopes` per group, zero-padded to the panels' width (`paddedOutputsPerGroup`).
    let paddedBias: AlignedFloats, paddedSlopes: AlignedFloats
    let paddedOutputsPerGroup: Int

    /// - Parameters:
    ///   - weight: `[Cout, Cin / groups, k, k]` (PyTorch `conv.weight`).
    ///   - bias: `[Cout]` or `nil`.
    ///   - batchNorm: the BatchNorm that follows the convolution, folded in.
    ///   - geometry: kernel size must match `weight`; `groups` must divide `Cin` and `Cout`.
    public init(weight: Tensor, bias: [Float]? = nil, batchNorm: BatchNormStatistics? = nil,
                geometry: ConvolutionGeometry, activation: Activation = .identity) {
        precondition(weight.rank == 4 && weight.shape[2] == geometry.kernelSize && weight.shape[3] == geometry.kernelSize,
                     "Conv2d: weight \(weight.shape) does not match kernel size \(geometry.kernelSize)")
        let outputChannels = weight.shape[0]
        let inputPerGroup = weight.shape[1]
        let groups = geometry.groups
        precondition(outputChannels % groups == 0, "Conv2d: \(outputChannels) outputs are not divisible into \(groups) groups")
        precondition(bias == nil || bias!.count == outputChannels, "Conv2d: bias has \(bias!.count) values for \(outputChannels) outputs")
        precondition(batchNorm == nil || batchNorm!.channels == outputChannels,
                     "Conv2d: BatchNorm has \(batchNorm!.channels) channels for \(outputChannels) outputs")
        activation.validate(channels: outputChannels, layer: "Conv2d")
        self.inputChannels = inputPerGroup * groups
        self.outputChannels = outputChannels
        self.geometry = geometry
        self.activation = activation
        self.slopes = activation.slopeValues

        // Fold the BatchNorm: every output channel's filter and bias are scaled, then shifted.
        let taps = geometry.kernelSize * geometry.kernelSize
        let filterSize = inputPerGroup * taps
        var folded = weight.scalars
        var foldedBias = bias ?? [Float](repeating: 0, count: outputChannels)
        if let batchNorm {
            let scale = batchNorm.scale
            for output in 0..<outputChannels {
                for index in 0..<filterSize { folded[output * filterSize + index] *= scale[output] }
                foldedBias[output] = (foldedBias[output] - batchNorm.runningMean[output]) * scale[output] + batchNorm.bias[output]
            }
        }
        self.bias = foldedBias

        var packed = [Float](repeating: 0, count: folded.count)
        if Conv2d.isDepthwise(inputChannels: inputPerGroup * groups, outputChannels: outputChannels, groups: groups) {
            // [C, 1, k, k] → [k, k, C]
            for channel in 0..<outputChannels {
                for tap in 0..<taps { packed[tap * outputChannels + channel] = folded[channel * taps + tap] }
            }
        } else {
            // [Cout, Ci, k, k] → [Cout, k, k, Ci]
            for output in 0..<outputChannels {
                for channel in 0..<inputPerGroup {
                    for tap in 0..<taps {
                        packed[output * filterSize + tap * inputPerGroup + channel] = folded[output * filterSize + channel * taps + tap]
                    }
                }
            }
        }
        self.packedWeights = AlignedFloats(packed)
        let outputPerGroup = outputChannels / groups
        let widths = AVX2Kernels.panelWidths(outputChannels: outputPerGroup)
        paddedOutputsPerGroup = widths.reduce(0, +)
        panelFloatsPerGroup = paddedOutputsPerGroup * filterSize
        if CPUFeatures.hasAVX2AndFMA && !Conv2d.isDepthwise(inputChannels: inputPerGroup * groups, outputChannels: outputChannels, groups: groups) {
            let (panels, paddedBias, paddedSlopes) = Conv2d.packPanels(
                packed, bias: foldedBias, slopes: activation.slopeValues, groups: groups, outputPerGroup: outputPerGroup,
                filterSize: filterSize, widths: widths)
            (self.panels, self.paddedBias, self.paddedSlopes) = (AlignedFloats(panels), AlignedFloats(paddedBias), AlignedFloats(paddedSlopes))
        } else {
            (panels, paddedBias, paddedSlopes) = ([], [], [])
        }
    }

    /// `[Cout, filterSize]` rows → per group, column panels `[filterSize, width]` of `W_gᵀ`, plus
    /// the bias and slopes padded per group (the layout of `PointwiseProblem`).
    static func packPanels(_ weights: [Float], bias: [Float], slopes: [Float], groups: Int, outputPerGroup: Int,
                           filterSize: Int, widths: [Int]) -> (panels: [Float], bias: [Float], slopes: [Float]) {
        let padded = widths.reduce(0, +)
        var panels = [Float](repeating: 0, count: groups * padded * filterSize)
        var paddedBias = [Float](repeating: 0, count: groups * padded)
        var paddedSlopes = [Float](repeating: 0, count: slopes.isEmpty ? 0 : groups * padded)
        for group in 0..<groups {
            var panelStart = group * padded * filterSize, column = 0
            for width in widths {
                for index in 0..<filterSize {
                    for lane in 0..<width where column + lane < outputPerGroup {
                        panels[panelStart + index * width + lane] = weights[(group * outputPerGroup + column + lane) * filterSize + index]
                    }
                }
                panelStart += width * filterSize
                column += width
            }
            for output in 0..<outputPerGroup {
                paddedBias[group * padded + output] = bias[group * outputPerGroup + output]
                if !slopes.isEmpty { paddedSlopes[group * padded + output] = slopes[group * outputPerGroup + output] }
            }
        }
        return (panels, paddedBias, paddedSlopes)
    }

    static func isDepthwise(inputChannels: Int, outputChannels: Int, groups: Int) -> Bool {
        groups > 1 && groups == inputChannels && groups == outputChannels
    }

    var isDepthwise: Bool {
        Conv2d.isDepthwise(inputChannels: inputChannels, outputChannels: outputChannels, groups: geometry.groups)
    }

    /// What happens to values already in the output slice.
    public enum OutputMode: Sendable {
        /// The slice is replaced by the result.
        case overwrite
        /// The slice's current values are added before the bias and activation (residual add).
        case accumulate
        /// The output map's channels `offset ..< offset + Cout` are added before the bias and
        /// activation (ESPNetv2's hierarchical feature fusion of neighbouring branches).
        case addChannels(offset: Int)
    }

    /// `x` is `[N, H, W, Cin]`; returns `[N, Ho, Wo, Cout]`.
    public func callAsFunction(_ input: FeatureMap) -> FeatureMap {
        var output = FeatureMap(uninitializedBatchSize: input.batchSize, height: geometry.outputHeight(inputHeight: input.height),
                                width: geometry.outputWidth(inputWidth: input.width), channels: outputChannels)
        apply(input, into: &output)
        return output
    }

    /// `activation(conv(x) + b + residual)`; `residual` is `[N, Ho, Wo, Cout]`.
    public func callAsFunction(_ input: FeatureMap, addingResidual residual: FeatureMap) -> FeatureMap {
        var output = residual
        apply(input, into: &output, mode: .accumulate)
        return output
    }

    /// Convolves channels `inputChannelOffset ..< + Cin` of `input` into channels
    /// `outputChannelOffset ..< + Cout` of `output` (a slice of a wider map, e.g. a concatenation).
    public func apply(_ input: FeatureMap, inputChannelOffset: Int = 0,
                      into output: inout FeatureMap, outputChannelOffset: Int = 0, mode: OutputMode = .overwrite) {
        apply(input, inputChannelOffset: inputChannelOffset, into: &output, outputChannelOffset: outputChannelOffset,
              mode: mode, path: .preferred)
    }

    /// ``apply(_:inputChannelOffset:into:outputChannelOffset:mode:)`` on the given kernel family
    /// (tests compare the two).
    func apply(_ input: FeatureMap, inputChannelOffset: Int = 0, into output: inout FeatureMap,
               outputChannelOffset: Int = 0, mode: OutputMode = .overwrite, path: KernelPath) {
        precondition(path == .portable || CPUFeatures.hasAVX2AndFMA, "Conv2d: the AVX2 kernels need a CPU with AVX2 and FMA")
        let outputHeight = geometry.outputHeight(inputHeight: input.height)
        let outputWidth = geometry.outputWidth(inputWidth: input.width)
        precondition(inputChannelOffset >= 0 && inputChannelOffset + inputChannels <= input.channels,
                     "Conv2d: input channels \(inputChannelOffset)..<\(inputChannelOffset + inputChannels) outside a map of \(input.channels)")
        precondition(outputChannelOffset >= 0 && outputChannelOffset + outputChannels <= output.channels,
                     "Conv2d: output channels \(outputChannelOffset)..<\(outputChannelOffset + outputChannels) outside a map of \(output.channels)")
        precondition(output.batchSize == input.batchSize && output.height == outputHeight && output.width == outputWidth,
                     "Conv2d: output map [\(output.batchSize), \(output.height), \(output.width)] should be [\(input.batchSize), \(outputHeight), \(outputWidth)]")
        if case .addChannels(let offset) = mode {
            precondition(offset >= 0 && offset + outputChannels <= output.channels && abs(offset - outputChannelOffset) >= outputChannels,
                         "Conv2d: added channels at \(offset) overlap the output slice at \(outputChannelOffset)")
        }
        input.values.withUnsafeBufferPointer { source in
            output.values.withUnsafeMutableBufferPointer { target in
                let inputRows = PixelRows(base: UnsafeMutablePointer(mutating: source.baseAddress!) + inputChannelOffset,
                                          pixelStride: input.channels)
                let outputRows = PixelRows(base: target.baseAddress! + outputChannelOffset, pixelStride: output.channels)
                let addend: PixelRows?
                switch mode {
                case .overwrite: addend = nil
                case .accumulate: addend = outputRows
                case .addChannels(let offset): addend = PixelRows(base: target.baseAddress! + offset, pixelStride: output.channels)
                }
                if isDepthwise {
                    runDepthwise(input: inputRows, inputMap: input, output: outputRows,
                                 outputHeight: outputHeight, outputWidth: outputWidth, addend: addend, path: path)
                } else if path == .avx2 {
                    runFusedGemm(input: inputRows, inputMap: input, output: outputRows,
                                 outputHeight: outputHeight, outputWidth: outputWidth, addend: addend)
                } else {
                    runGemm(input: inputRows, inputMap: input, output: outputRows,
                            outputHeight: outputHeight, outputWidth: outputWidth, addend: addend)
                }
            }
        }
    }

    private func runDepthwise(input: PixelRows, inputMap: FeatureMap, output: PixelRows,
                              outputHeight: Int, outputWidth: Int, addend: PixelRows?, path: KernelPath) {
        packedWeights.withUnsafeBufferPointer { weights in
            bias.withUnsafeBufferPointer { bias in
                slopes.withUnsafeBufferPointer { slopes in
                    let problem = DepthwiseKernel.Problem(
                        input: input, batchSize: inputMap.batchSize, inputHeight: inputMap.height, inputWidth: inputMap.width,
                        output: output, outputHeight: outputHeight, outputWidth: outputWidth, addend: addend,
                        channels: outputChannels, weights: weights.baseAddress!, bias: bias.baseAddress!,
                        slopes: slopes.baseAddress, activation: activation.kind, geometry: geometry)
                    let taps = geometry.kernelSize * geometry.kernelSize
                    ParallelLoop.forEachChunk(count: inputMap.batchSize * outputHeight, costPerItem: outputWidth * outputChannels * taps) { rows in
                        DepthwiseKernel.run(problem, rows: rows, path: path)
                    }
                }
            }
        }
    }

    /// The AVX2 path of ``runGemm(input:inputMap:output:outputHeight:outputWidth:addend:)``: the
    /// same products through `AVX2Kernels.pointwiseConvolution`, which adds the addend and bias and
    /// applies the activation to each tile before storing it (no copy of the addend, no second pass).
    private func runFusedGemm(input: PixelRows, inputMap: FeatureMap, output: PixelRows,
                              outputHeight: Int, outputWidth: Int, addend: PixelRows?) {
        let groups = geometry.groups
        let inputPerGroup = inputChannels / groups, outputPerGroup = outputChannels / groups
        let filterSize = geometry.kernelSize * geometry.kernelSize * inputPerGroup
        let imagePixels = outputHeight * outputWidth
        let kind = activation.kind
        precondition(panels.count == groups * panelFloatsPerGroup && paddedBias.count == groups * paddedOutputsPerGroup,
                     "Conv2d: AVX2 weight panels were not packed")
        let (panelFloats, paddedOutputs) = (panelFloatsPerGroup, paddedOutputsPerGroup)
        panels.withUnsafeBufferPointer { panels in
            paddedBias.withUnsafeBufferPointer { bias in
                paddedSlopes.withUnsafeBufferPointer { slopes in
                    // Group g of rows whose input starts at `rowsInput` (`inputStride` apart) into
                    // output rows starting at `rowsOutput` (plus the addend rows there).
                    func problem(group: Int, rowsInput: UnsafePointer<Float>, inputStride: Int, firstOutputPixel: Int) -> PointwiseProblem {
                        PointwiseProblem(
                            input: rowsInput, inputStride: inputStride, inputChannels: filterSize,
                            panels: panels.baseAddress! + group * panelFloats, bias: bias.baseAddress! + group * paddedOutputs,
                            slopes: slopes.isEmpty ? nil : slopes.baseAddress! + group * paddedOutputs,
                            output: output.base + firstOutputPixel * output.pixelStride + group * outputPerGroup,
                            outputStride: output.pixelStride, outputChannels: outputPerGroup,
                            addend: addend.map { UnsafePointer($0.base) + firstOutputPixel * $0.pixelStride + group * outputPerGroup },
                            addendStride: addend?.pixelStride ?? 0, activation: kind)
                    }
                    if geometry.isPointwise {
                        let pixels = inputMap.batchSize * imagePixels
                        for group in 0..<groups {
                            let whole = problem(group: group, rowsInput: UnsafePointer(input.base) + group * inputPerGroup,
                                                inputStride: input.pixelStride, firstOutputPixel: 0)
                            // costPerItem: floating-point work per row, scaled so the parallel threshold
                            // is the GEMM's (2²¹ multiply-adds).
                            ParallelLoop.forEachChunk(count: pixels, costPerItem: max(1, outputPerGroup * inputPerGroup / 16)) { rows in
                                VectorKernels.pointwiseConvolution(whole, rows: rows)
                            }
                        }
                        return
                    }
                    // The receptive fields go through im2col a band of output rows at a time (about
                    // 32 KB, so they are still in L1/L2 when the GEMM reads them) instead of the
                    // whole image at once (the stem's 128² × 27 floats are 1.8 MB). Same rows, same
                    // products: the result is that of one im2col of the whole image.
                    // On AVX-512 a stem reads them in place instead (`convolveWindowRows`), the same sums.
                    let bandRows = max(1, 8_192 / max(1, outputWidth * filterSize))
                    let inPlace = usesWindowRows(inputPerGroup: inputPerGroup, outputPerGroup: outputPerGroup)
                    for image in 0..<inputMap.batchSize {
                        let imageInput = input.base + image * inputMap.height * inputMap.width * input.pixelStride
                        for group in 0..<groups {
                            let rowCost = max(1, outputWidth * outputPerGroup * filterSize / 16)
                            ParallelLoop.forEachChunk(count: outputHeight, costPerItem: rowCost) { rows in
                                if inPlace {
                                    convolveWindowRows(rows, image: imageInput + group * inputPerGroup, pixelStride: input.pixelStride,
                                                       height: inputMap.height, width: inputMap.width, channels: inputPerGroup,
                                                       outputWidth: outputWidth) { row, window in
                                        let rowProblem = problem(group: group, rowsInput: window.rows[0], inputStride: filterSize,
                                                                 firstOutputPixel: image * imagePixels + row * outputWidth)
                                        AVX512Kernels.windowConvolution(rowProblem, window: window, pixels: outputWidth)
                                    }
                                    return
                                }
                                // im2col writes every entry (zeros for padding), so the buffer starts uninitialised.
                                var columns = [Float](unsafeUninitializedCapacity: min(bandRows, rows.count) * outputWidth * filterSize) { _, count in
                                    count = min(bandRows, rows.count) * outputWidth * filterSize
                                }
                                columns.withUnsafeMutableBufferPointer { columns in
                                    var bandStart = rows.lowerBound
                                    while bandStart < rows.upperBound {
                                        let bandEnd = min(rows.upperBound, bandStart + bandRows)
                                        GemmConvolutionKernels.im2col(
                                            image: imageInput + group * inputPerGroup, pixelStride: input.pixelStride,
                                            height: inputMap.height, width: inputMap.width, channels: inputPerGroup, geometry: geometry,
                                            outputHeight: outputHeight, outputWidth: outputWidth, outputRows: bandStart..<bandEnd,
                                            columns: columns.baseAddress!)
                                        let bandProblem = problem(group: group, rowsInput: columns.baseAddress!, inputStride: filterSize,
                                                                  firstOutputPixel: image * imagePixels + bandStart * outputWidth)
                                        VectorKernels.pointwiseConvolution(bandProblem, rows: 0..<((bandEnd - bandStart) * outputWidth))
                                        bandStart = bandEnd
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether the AVX path reads the receptive fields in place (``VectorKernelsAVX512/AVX512Kernels/windowConvolution(_:window:pixels:)``)
    /// instead of through im2col: on AVX-512 CPUs, for convolutions with few input channels (a stem's
    /// RGB: im2col then costs twice the GEMM) and whole 16-wide panels. Same bits either way.
    func usesWindowRows(inputPerGroup: Int, outputPerGroup: Int) -> Bool {
        CPUFeatures.hasAVX512F && Conv2d.windowRowsEnabled && !geometry.isPointwise && geometry.dilation == 1
            && inputPerGroup <= 4 && outputPerGroup % 16 == 0
    }

    /// False when `HATNET_IM2COL_STEMS` is set: stems then go through im2col (for comparing the two).
    static let windowRowsEnabled = ProcessInfo.processInfo.environment["HATNET_IM2COL_STEMS"] == nil

    /// Calls `body` for each output row in `rows` with the kernel rows of its receptive fields: the
    /// input rows it reads, copied with their padding as zeros (rows above or below the image are
    /// all zeros), so that output pixel `x`'s kernel row `ky` is `kernelSize · channels` floats at
    /// `rows[ky] + x · stride · channels` — im2col's row for that pixel, in place.
    func convolveWindowRows(_ rows: Range<Int>, image: UnsafePointer<Float>, pixelStride: Int, height: Int, width: Int,
                            channels: Int, outputWidth: Int, _ body: (_ row: Int, _ window: WindowRows) -> Void) {
        let kernel = geometry.kernelSize, stride = geometry.stride, padLeft = geometry.padding.left
        // The last output pixel reads up to padded column (outputWidth − 1) · stride + kernel − 1.
        let paddedWidth = max(padLeft + width, (outputWidth - 1) * stride + kernel)
        let rowFloats = paddedWidth * channels
        var buffers = [Float](repeating: 0, count: (kernel + 1) * rowFloats)
        buffers.withUnsafeMutableBufferPointer { buffers in
            let base = buffers.baseAddress!
            let zeros = UnsafePointer(base + kernel * rowFloats)
            var pointers = [UnsafePointer<Float>](repeating: zeros, count: kernel)
            pointers.withUnsafeMutableBufferPointer { pointers in
                for row in rows {
                    for kernelRow in 0..<kernel {
                        let inputRow = row * stride - geometry.padding.top + kernelRow
                        guard inputRow >= 0 && inputRow < height else {
                            pointers[kernelRow] = zeros
                            continue
                        }
                        // Columns outside [padLeft, padLeft + width) stay zero from the allocation.
                        let target = base + kernelRow * rowFloats + padLeft * channels
                        let source = image + inputRow * width * pixelStride
                        if pixelStride == channels {
                            target.update(from: source, count: width * channels)
                        } else {
                            for column in 0..<width {
                                (target + column * channels).update(from: source + column * pixelStride, count: channels)
                            }
                        }
                        pointers[kernelRow] = UnsafePointer(base + kernelRow * rowFloats)
                    }
                    body(row, WindowRows(rows: UnsafePointer(pointers.baseAddress!), kernelRows: kernel,
                                         runLength: kernel * channels, pixelStep: stride * channels))
                }
            }
        }
    }

    private func runGemm(input: PixelRows, inputMap: FeatureMap, output: PixelRows,
                         outputHeight: Int, outputWidth: Int, addend: PixelRows?) {
        let groups = geometry.groups
        let inputPerGroup = inputChannels / groups, outputPerGroup = outputChannels / groups
        let taps = geometry.kernelSize * geometry.kernelSize
        let filterSize = taps * inputPerGroup
        let outputPixels = inputMap.batchSize * outputHeight * outputWidth
        // A separate addend slice is copied into the output first, so the GEMM can accumulate (beta = 1).
        if let addend, addend.base != output.base {
            ParallelLoop.forEachChunk(count: outputPixels, costPerItem: outputChannels) { pixels in
                for pixel in pixels {
                    (output.base + pixel * output.pixelStride).update(from: addend.base + pixel * addend.pixelStride, count: outputChannels)
                }
            }
        }
        let beta: Float = addend == nil ? 0 : 1
        packedWeights.withUnsafeBufferPointer { weights in
            if geometry.isPointwise {
                for group in 0..<groups {
                    sgemm(
                        transposeA: false, transposeB: true, m: outputPixels, n: outputPerGroup, k: inputPerGroup,
                        a: input.base + group * inputPerGroup, lda: input.pixelStride,
                        b: weights.baseAddress! + group * outputPerGroup * filterSize, ldb: filterSize,
                        c: output.base + group * outputPerGroup, ldc: output.pixelStride, beta: beta)
                }
            } else {
                let imagePixels = outputHeight * outputWidth
                // im2col writes every entry (zeros for padding), so the buffer starts uninitialised.
                var columns = [Float](unsafeUninitializedCapacity: imagePixels * filterSize) { _, count in
                    count = imagePixels * filterSize
                }
                columns.withUnsafeMutableBufferPointer { columns in
                    for image in 0..<inputMap.batchSize {
                        let imageInput = input.base + image * inputMap.height * inputMap.width * input.pixelStride
                        let imageOutput = output.base + image * imagePixels * output.pixelStride
                        for group in 0..<groups {
                            GemmConvolutionKernels.im2col(
                                image: imageInput + group * inputPerGroup, pixelStride: input.pixelStride,
                                height: inputMap.height, width: inputMap.width, channels: inputPerGroup, geometry: geometry,
                                outputHeight: outputHeight, outputWidth: outputWidth, columns: columns.baseAddress!)
                            sgemm(
                                transposeA: false, transposeB: true, m: imagePixels, n: outputPerGroup, k: filterSize,
                                a: columns.baseAddress!, lda: filterSize,
                                b: weights.baseAddress! + group * outputPerGroup * filterSize, ldb: filterSize,
                                c: imageOutput + group * outputPerGroup, ldc: output.pixelStride, beta: beta)
                        }
                    }
                }
            }
        }
        bias.withUnsafeBufferPointer { bias in
            slopes.withUnsafeBufferPointer { slopes in
                let kind = activation.kind
                ParallelLoop.forEachChunk(count: outputPixels, costPerItem: outputChannels) { pixels in
                    for pixel in pixels {
                        applyChannelEpilogue(output.base + pixel * output.pixelStride, channelCount: outputChannels, scale: nil,
                                             bias: bias.baseAddress!, activation: kind, slopes: slopes.baseAddress)
                    }
                }
            }
        }
    }
}
