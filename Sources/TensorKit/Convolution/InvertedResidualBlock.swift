import Foundation
import VectorKernelsAVX2

/// The mobile inverted bottleneck (MBConv) of MobileNetV2 (Sandler et al., CVPR 2018), reused by
/// MnasNet (Tan et al., CVPR 2019) and EfficientNet-Lite (Tan & Le, ICML 2019):
///
///     x ─► 1×1 expand + BN + act ─► k×k depthwise (stride s) + BN + act ─► 1×1 project + BN ─► (+ x)
///
/// The expansion is absent when the expansion ratio is 1; the residual is added when the block
/// keeps the shape (stride 1, same channel count). Every BatchNorm is folded into its convolution.
///
/// On the AVX2 kernels the block runs **fused, band by band** (``fused(_:bandRows:)``; see
/// ``fusionPays(height:width:)`` for when): for a band
/// of output rows it expands only the input rows the band's depthwise taps read, filters them and
/// projects the band, so the expanded activation (6× the block's input, e.g. 128 × 128 × 96
/// floats = 6 MB a word) lives in a scratch band sized to half the L2 cache
/// (``CPUFeatures/level2CacheBytes``) instead of going to L3/DRAM and back twice. Rows shared by
/// neighbouring bands (the taps' overlap) are moved, not recomputed. Every value is computed by
/// the same kernels in the same order as layer by layer, so the result is identical to
/// ``unfused(_:path:)``, the reference twin (also the portable path).
/// `HATNET_UNFUSED_BLOCKS=1` forces the layer-by-layer path (to measure the fusion).
public struct InvertedResidualBlock: Sendable {
    /// `nil` for expansion ratio 1.
    public let expand: Conv2d?
    public let depthwise: Conv2d
    public let project: Conv2d
    public let addsResidual: Bool

    /// Checks that the layers chain: `expand` (if any) and `project` are 1×1 stride-1 convolutions
    /// without groups or padding, `depthwise` is depthwise, channel counts match, and a residual
    /// block keeps its channel count at stride 1.
    public init(expand: Conv2d?, depthwise: Conv2d, project: Conv2d, addsResidual: Bool) {
        precondition(depthwise.isDepthwise, "InvertedResidualBlock: the middle layer must be a depthwise convolution")
        if let expand {
            precondition(expand.geometry.isPointwise && expand.geometry.groups == 1 && expand.outputChannels == depthwise.inputChannels,
                         "InvertedResidualBlock: the expansion must be a 1×1 convolution to \(depthwise.inputChannels) channels")
        }
        precondition(project.geometry.isPointwise && project.geometry.groups == 1 && project.inputChannels == depthwise.outputChannels,
                     "InvertedResidualBlock: the projection must be a 1×1 convolution from \(depthwise.outputChannels) channels")
        let inputChannels = expand?.inputChannels ?? depthwise.inputChannels
        precondition(!addsResidual || (depthwise.geometry.stride == 1 && project.outputChannels == inputChannels),
                     "InvertedResidualBlock: a residual block must keep its \(inputChannels) channels at stride 1")
        self.expand = expand
        self.depthwise = depthwise
        self.project = project
        self.addsResidual = addsResidual
    }

    /// Channels of the block's input.
    public var inputChannels: Int { expand?.inputChannels ?? depthwise.inputChannels }

    /// Bytes of scratch a band may use (expanded + filtered rows): half the L2, or
    /// `HATNET_FUSION_BAND_KB` kilobytes when set (to tune the band height without rebuilding).
    static let bandBytes: Int = ProcessInfo.processInfo.environment["HATNET_FUSION_BAND_KB"].flatMap { Int($0) }.map { $0 << 10 }
        ?? CPUFeatures.level2CacheBytes / 2

    /// Output pixels a band has at least, whatever the L2 budget: a band's GEMMs stream the
    /// whole weight panels (up to 1152 × 192 floats, 0.9 MB) for its pixels, so one-row bands of
    /// an 8- or 16-pixel-wide map re-read them from L3 8 to 16 times per block and leave most of
    /// the last 6-row tile empty (`hatnet bench encoders --layer-profile`, "block fused ms").
    /// `HATNET_FUSION_MIN_BAND_PIXELS` overrides it (for tuning), clamped to 1 … 2²⁴ so that
    /// ``bandRows(width:outputWidth:outputHeight:)``'s arithmetic cannot overflow.
    static let minimumBandPixels: Int = ProcessInfo.processInfo.environment["HATNET_FUSION_MIN_BAND_PIXELS"].flatMap { Int($0) }
        .map { min(max(1, $0), 1 << 24) } ?? 64

    /// False when `HATNET_UNFUSED_BLOCKS` is set: blocks then run layer by layer.
    static let fusionEnabled = ProcessInfo.processInfo.environment["HATNET_UNFUSED_BLOCKS"] == nil

    /// `x` is `[N, H, W, Cin]`; returns `[N, H/s, W/s, Cout]`.
    public func callAsFunction(_ input: FeatureMap) -> FeatureMap {
        KernelPath.preferred == .avx2 && InvertedResidualBlock.fusionEnabled && fusionPays(height: input.height, width: input.width)
            ? fused(input) : unfused(input, path: .preferred)
    }

    /// Whether band-by-band fusion pays on a `height × width` input: when one image's hidden map
    /// (the depthwise layer's input, `H·W·hidden` floats) is larger than ``fusionMinimumHiddenBytes``
    /// — by default always. Timed block by block with warm caches (`hatnet bench encoders
    /// --layer-profile`, BENCHMARKS.md sessions 6 and 12) the fused blocks are 3–14 % faster on
    /// 128² maps, up to 8 % slower on some 64² ones and within ± 6 % on smaller ones;
    /// in whole bags, where each block finds the weights and the previous block's output wherever
    /// the rest of the word left them, fusing every block made MobileNetV2 8 % and MnasNet 5 %
    /// faster than fusing only hidden maps above 4 × L2 (medians of six alternations on Zen 4,
    /// session 12), and their times varied less. Both schedules give the same bits, so the choice
    /// is only about speed.
    func fusionPays(height: Int, width: Int) -> Bool {
        let (pixels, overflow) = height.multipliedReportingOverflow(by: width)
        let (floats, overflowAgain) = pixels.multipliedReportingOverflow(by: depthwise.inputChannels)
        return overflow || overflowAgain || floats > InvertedResidualBlock.fusionMinimumHiddenBytes / MemoryLayout<Float>.size
    }

    /// The hidden-map size above which a block runs fused: 0 (every block), or
    /// `HATNET_FUSION_MIN_HIDDEN_KB` kilobytes when set (for tuning), clamped to 0 … 2³⁰ KB.
    static let fusionMinimumHiddenBytes: Int = ProcessInfo.processInfo.environment["HATNET_FUSION_MIN_HIDDEN_KB"]
        .flatMap { Int($0) }.map { min(max(0, $0), 1 << 30) << 10 } ?? 0

    /// Layer by layer on the kernel family `path`: each layer's whole output map is written before
    /// the next layer reads it. The reference twin of ``fused(_:bandRows:)``.
    func unfused(_ input: FeatureMap, path: KernelPath) -> FeatureMap {
        func run(_ layer: Conv2d, _ x: FeatureMap, residual: FeatureMap? = nil) -> FeatureMap {
            if let residual {
                var output = residual
                layer.apply(x, into: &output, mode: .accumulate, path: path)
                return output
            }
            var output = FeatureMap(uninitializedBatchSize: x.batchSize, height: layer.geometry.outputHeight(inputHeight: x.height),
                                    width: layer.geometry.outputWidth(inputWidth: x.width), channels: layer.outputChannels)
            layer.apply(x, into: &output, path: path)
            return output
        }
        let expanded = expand.map { run($0, input) } ?? input
        let filtered = run(depthwise, expanded)
        return run(project, filtered, residual: addsResidual ? input : nil)
    }

    /// The block band by band on the AVX2 kernels (see the type's documentation). `bandRows`
    /// (output rows per band) defaults to the most whose expanded and filtered rows fit in half
    /// the L2 cache (``bandRows(width:outputWidth:outputHeight:)``); tests pass small values to
    /// exercise the bands' overlap. Images go one after another; the rows of one image are split
    /// over the cores when the block runs outside a data-parallel worker.
    func fused(_ input: FeatureMap, bandRows requestedBandRows: Int? = nil) -> FeatureMap {
        precondition(CPUFeatures.hasAVX2AndFMA, "InvertedResidualBlock: the fused path needs a CPU with AVX2 and FMA")
        precondition(input.channels == inputChannels, "InvertedResidualBlock: input has \(input.channels) channels, expected \(inputChannels)")
        precondition(requestedBandRows.map { $0 > 0 } ?? true, "InvertedResidualBlock: band rows must be positive")
        let geometry = depthwise.geometry
        let (height, width) = (input.height, input.width)
        let outputHeight = geometry.outputHeight(inputHeight: height), outputWidth = geometry.outputWidth(inputWidth: width)
        guard input.batchSize > 0, height > 0, width > 0, outputWidth > 0 else { return unfused(input, path: .avx2) }
        precondition(!addsResidual || (outputHeight == height && outputWidth == width),
                     "InvertedResidualBlock: a residual block must keep the \(height)×\(width) map, got \(outputHeight)×\(outputWidth)")
        let bandRows = min(outputHeight, requestedBandRows ?? self.bandRows(width: width, outputWidth: outputWidth, outputHeight: outputHeight))
        var output = FeatureMap(uninitializedBatchSize: input.batchSize, height: outputHeight, width: outputWidth,
                                channels: project.outputChannels)
        let hidden = depthwise.outputChannels
        let taps = geometry.kernelSize * geometry.kernelSize
        // Multiply-adds per output row, in the GEMM's units (see Conv2d's costPerItem).
        let rowCost = max(1, outputWidth * hidden * ((expand == nil ? 0 : inputChannels) + taps + project.outputChannels) / 16)
        input.values.withUnsafeBufferPointer { source in
            output.values.withUnsafeMutableBufferPointer { target in
                let source = source.baseAddress!, target = target.baseAddress!
                withLayerKernels { kernels in
                    for image in 0..<input.batchSize {
                        let band = BandGeometry(
                            input: source + image * height * width * inputChannels, height: height, width: width,
                            output: target + image * outputHeight * outputWidth * project.outputChannels,
                            outputHeight: outputHeight, outputWidth: outputWidth, bandRows: bandRows)
                        ParallelLoop.forEachChunk(count: outputHeight, costPerItem: rowCost) { rows in
                            runBands(rows, of: band, kernels: kernels)
                        }
                    }
                }
            }
        }
        return output
    }

    /// One image of the fused block: where its input and output are and how it is cut.
    private struct BandGeometry {
        var input: UnsafePointer<Float>
        var height: Int, width: Int
        var output: UnsafeMutablePointer<Float>
        var outputHeight: Int, outputWidth: Int
        var bandRows: Int
    }

    /// The three layers' weights as the AVX2 kernels take them (valid inside ``withLayerKernels(_:)``).
    private struct LayerKernels {
        var expand: PointwiseWeights?
        var depthwiseWeights: UnsafePointer<Float>, depthwiseBias: UnsafePointer<Float>, depthwiseSlopes: UnsafePointer<Float>?
        var project: PointwiseWeights
    }

    private func withLayerKernels<R>(_ body: (LayerKernels) -> R) -> R {
        project.withPointwiseWeights { project in
            depthwise.packedWeights.withUnsafeBufferPointer { weights in
                depthwise.bias.withUnsafeBufferPointer { bias in
                    depthwise.slopes.withUnsafeBufferPointer { slopes in
                        func run(_ expand: PointwiseWeights?) -> R {
                            body(LayerKernels(expand: expand, depthwiseWeights: weights.baseAddress!, depthwiseBias: bias.baseAddress!,
                                              depthwiseSlopes: slopes.baseAddress, project: project))
                        }
                        guard let expand else { return run(nil) }
                        return expand.withPointwiseWeights { run($0) }
                    }
                }
            }
        }
    }

    /// Output rows `rows` of one image, band by band, with scratch of its own (so chunks of rows can
    /// run on different cores). The expanded rows a band needs, `[low, high)` of the input image,
    /// are held in `expanded` from its start; rows the previous band already expanded are moved to
    /// the front rather than recomputed.
    private func runBands(_ rows: Range<Int>, of band: BandGeometry, kernels: LayerKernels) {
        let geometry = depthwise.geometry
        let stride = geometry.stride, reach = (geometry.kernelSize - 1) * geometry.dilation
        let hidden = depthwise.outputChannels, inputChannels = self.inputChannels, outputChannels = project.outputChannels
        let storedRows = min(band.height, (band.bandRows - 1) * stride + reach + 1)
        let rowFloats = band.width * hidden
        var expanded = AlignedFloats(uninitializedCount: expand == nil ? 0 : storedRows * rowFloats)
        var filtered = AlignedFloats(uninitializedCount: band.bandRows * band.outputWidth * hidden)
        expanded.withUnsafeMutableBufferPointer { expandedBuffer in
            filtered.withUnsafeMutableBufferPointer { filteredBuffer in
                let filteredRows = filteredBuffer.baseAddress!
                var storedLow = 0, storedHigh = 0
                var bandStart = rows.lowerBound
                while bandStart < rows.upperBound {
                    let bandEnd = min(rows.upperBound, bandStart + band.bandRows)
                    // Input rows the band's taps read (rows in the padding are not stored).
                    let low = min(band.height, max(0, bandStart * stride - geometry.padding.top))
                    let high = max(low, min(band.height, (bandEnd - 1) * stride - geometry.padding.top + reach + 1))
                    let depthwiseInput: UnsafePointer<Float>
                    let origin: Int
                    if let expandKernel = kernels.expand {
                        let stored = expandedBuffer.baseAddress!
                        // The previous band left rows [storedLow, storedHigh) at the start; rows
                        // [low, storedHigh) of them are this band's first (bands only move down).
                        let kept = max(0, storedHigh - low)
                        if kept > 0 && low > storedLow {
                            _ = memmove(stored, stored + (low - storedLow) * rowFloats, kept * rowFloats * MemoryLayout<Float>.size)
                        }
                        let first = low + kept
                        if first < high {
                            let problem = expandKernel.problem(
                                input: band.input + first * band.width * inputChannels, inputStride: inputChannels,
                                output: stored + kept * rowFloats, outputStride: hidden, addend: nil, addendStride: 0)
                            VectorKernels.pointwiseConvolution(problem, rows: 0..<((high - first) * band.width))
                        }
                        (storedLow, storedHigh) = (low, high)
                        depthwiseInput = UnsafePointer(stored)
                        origin = low
                    } else {
                        depthwiseInput = band.input
                        origin = 0
                    }
                    let filter = DepthwiseProblem(
                        input: depthwiseInput, inputStride: hidden, inputHeight: band.height, inputWidth: band.width,
                        output: filteredRows, outputStride: hidden, outputHeight: band.outputHeight, outputWidth: band.outputWidth,
                        addend: nil, addendStride: 0, channels: hidden, weights: kernels.depthwiseWeights,
                        bias: kernels.depthwiseBias, slopes: kernels.depthwiseSlopes, activation: depthwise.activation.kind,
                        kernelSize: geometry.kernelSize, stride: stride, dilation: geometry.dilation,
                        padTop: geometry.padding.top, padLeft: geometry.padding.left,
                        inputRowOrigin: origin, outputRowOrigin: bandStart)
                    VectorKernels.depthwiseConvolution(filter, rows: bandStart..<bandEnd)
                    let firstPixel = bandStart * band.outputWidth
                    let projection = kernels.project.problem(
                        input: UnsafePointer(filteredRows), inputStride: hidden,
                        output: band.output + firstPixel * outputChannels, outputStride: outputChannels,
                        addend: addsResidual ? band.input + firstPixel * inputChannels : nil, addendStride: inputChannels)
                    VectorKernels.pointwiseConvolution(projection, rows: 0..<((bandEnd - bandStart) * band.outputWidth))
                    bandStart = bandEnd
                }
            }
        }
    }

    /// Output rows per band: the most whose input rows (expanded, `hidden` channels) and
    /// filtered rows together fit in half the L2 cache, but at least ``minimumBandPixels``
    /// output pixels (and one row).
    func bandRows(width: Int, outputWidth: Int, outputHeight: Int) -> Int {
        let geometry = depthwise.geometry
        let reach = (geometry.kernelSize - 1) * geometry.dilation
        let budget = InvertedResidualBlock.bandBytes / MemoryLayout<Float>.size
        let hidden = depthwise.outputChannels
        let minimumPixels = InvertedResidualBlock.minimumBandPixels
        var rows = max(1, min(outputHeight, (minimumPixels + max(outputWidth, 1) - 1) / max(outputWidth, 1)))
        while rows < outputHeight {
            let next = rows + 1
            let inputRows = expand == nil ? 0 : (next - 1) * geometry.stride + reach + 1
            if (inputRows * width + next * outputWidth) * hidden > budget { break }
            rows = next
        }
        return rows
    }
}

/// A 1×1 convolution's AVX2 GEMM weights (``Conv2d``'s panels, padded bias and slopes), valid
/// inside ``Conv2d/withPointwiseWeights(_:)``.
struct PointwiseWeights {
    var panels: UnsafePointer<Float>, bias: UnsafePointer<Float>, slopes: UnsafePointer<Float>?
    var inputChannels: Int, outputChannels: Int
    var activation: ActivationKind

    /// The GEMM from `input` rows (pixels `inputStride` apart) to `output` rows, `addend` added.
    func problem(input: UnsafePointer<Float>, inputStride: Int, output: UnsafeMutablePointer<Float>, outputStride: Int,
                 addend: UnsafePointer<Float>?, addendStride: Int) -> PointwiseProblem {
        PointwiseProblem(input: input, inputStride: inputStride, inputChannels: inputChannels, panels: panels, bias: bias,
                         slopes: slopes, output: output, outputStride: outputStride, outputChannels: outputChannels,
                         addend: addend, addendStride: addendStride, activation: activation)
    }
}

extension Conv2d {
    /// Calls `body` with this 1×1, ungrouped convolution's AVX2 weights.
    func withPointwiseWeights<R>(_ body: (PointwiseWeights) -> R) -> R {
        precondition(geometry.isPointwise && geometry.groups == 1 && panels.count == panelFloatsPerGroup,
                     "Conv2d: AVX2 weight panels of a 1×1 ungrouped convolution were not packed")
        return panels.withUnsafeBufferPointer { panels in
            paddedBias.withUnsafeBufferPointer { bias in
                paddedSlopes.withUnsafeBufferPointer { slopes in
                    body(PointwiseWeights(panels: panels.baseAddress!, bias: bias.baseAddress!,
                                          slopes: slopes.isEmpty ? nil : slopes.baseAddress!,
                                          inputChannels: inputChannels, outputChannels: outputChannels, activation: activation.kind))
                }
            }
        }
    }
}
