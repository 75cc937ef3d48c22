extension FeatureMap {
    /// PyTorch `nn.AvgPool2d(kernelSize, stride, padding)` with its default
    /// `count_include_pad=True`: each window's sum is divided by `kernelSize²` even where the window
    /// covers padding. Runs as a depthwise convolution with every weight `1 / kernelSize²`.
    ///
    /// `self` is `[N, H, W, C]`; the result is `[N, Ho, Wo, C]`.
    public func averagePooled(kernelSize: Int = 3, stride: Int = 2, padding: Int = 1) -> FeatureMap {
        let geometry = ConvolutionGeometry(kernelSize: kernelSize, stride: stride, padding: .symmetric(padding))
        let outputHeight = geometry.outputHeight(inputHeight: height), outputWidth = geometry.outputWidth(inputWidth: width)
        var output = FeatureMap(uninitializedBatchSize: batchSize, height: outputHeight, width: outputWidth, channels: channels)
        averagePool(geometry: geometry, into: &output, channelOffset: 0)
        return output
    }

    /// Average-pools into channels `channelOffset ..< channelOffset + C` of `output` (ESPNetv2's
    /// down-sampler concatenates the pooled input with the strided EESP branch).
    public func averagePool(kernelSize: Int = 3, stride: Int = 2, padding: Int = 1,
                            into output: inout FeatureMap, channelOffset: Int) {
        averagePool(geometry: ConvolutionGeometry(kernelSize: kernelSize, stride: stride, padding: .symmetric(padding)),
                    into: &output, channelOffset: channelOffset)
    }

    func averagePool(geometry: ConvolutionGeometry, into output: inout FeatureMap, channelOffset: Int,
                     path: KernelPath = .preferred) {
        let outputHeight = geometry.outputHeight(inputHeight: height), outputWidth = geometry.outputWidth(inputWidth: width)
        precondition(output.batchSize == batchSize && output.height == outputHeight && output.width == outputWidth
                     && channelOffset >= 0 && channelOffset + channels <= output.channels,
                     "FeatureMap.averagePool: output [\(output.batchSize), \(output.height), \(output.width), \(output.channels)] cannot hold [\(batchSize), \(outputHeight), \(outputWidth), \(channels)] at channel \(channelOffset)")
        let taps = geometry.kernelSize * geometry.kernelSize
        let weights = [Float](repeating: 1 / Float(taps), count: taps * channels)
        let zeros = [Float](repeating: 0, count: channels)
        let (batch, inputHeight, inputWidth, inputChannels) = (batchSize, height, width, channels)
        values.withUnsafeBufferPointer { source in
            output.values.withUnsafeMutableBufferPointer { target in
                weights.withUnsafeBufferPointer { weights in
                    zeros.withUnsafeBufferPointer { zeros in
                        let problem = DepthwiseKernel.Problem(
                            input: PixelRows(base: UnsafeMutablePointer(mutating: source.baseAddress!), pixelStride: inputChannels),
                            batchSize: batch, inputHeight: inputHeight, inputWidth: inputWidth,
                            output: PixelRows(base: target.baseAddress! + channelOffset, pixelStride: output.channels),
                            outputHeight: outputHeight, outputWidth: outputWidth, addend: nil, channels: inputChannels,
                            weights: weights.baseAddress!, bias: zeros.baseAddress!, slopes: nil, activation: .identity,
                            geometry: geometry)
                        ParallelLoop.forEachChunk(count: batch * outputHeight, costPerItem: outputWidth * inputChannels * taps) { rows in
                            DepthwiseKernel.run(problem, rows: rows, path: path)
                        }
                    }
                }
            }
        }
    }

    /// Global average pooling (`F.adaptive_avg_pool2d(x, 1).flatten(1)`): the mean of every
    /// channel over all pixels of each image. `self` is `[N, H, W, C]`; the result is `[N, C]`.
    public func globalAveragePooled() -> Tensor {
        let imagePixels = height * width
        var sums = [Float](repeating: 0, count: batchSize * channels)
        let channels = self.channels
        values.withUnsafeBufferPointer { source in
            sums.withUnsafeMutableBufferPointer { sums in
                for image in 0..<batchSize {
                    let total = sums.baseAddress! + image * channels
                    for pixel in 0..<imagePixels {
                        let values = source.baseAddress! + (image * imagePixels + pixel) * channels
                        for channel in 0..<channels { total[channel] += values[channel] }
                    }
                    let scale = 1 / Float(imagePixels)
                    for channel in 0..<channels { total[channel] *= scale }
                }
            }
        }
        return Tensor(shape: [batchSize, channels], scalars: sums)
    }
}

extension FeatureMap {
    /// PyTorch `nn.MaxPool2d(kernelSize, stride, padding)` (ResNet's stem pool): the largest value
    /// of each window, padding counting as −∞ so it never wins. `self` is `[N, H, W, C]`; the
    /// result is `[N, Ho, Wo, C]` with PyTorch's floor output size. `padding` must be at most half
    /// the kernel (PyTorch's rule), so every window holds at least one pixel.
    public func maxPooled(kernelSize: Int = 3, stride: Int = 2, padding: Int = 1) -> FeatureMap {
        precondition(padding >= 0 && 2 * padding <= kernelSize, "FeatureMap.maxPooled: padding \(padding) exceeds half the kernel \(kernelSize)")
        let geometry = ConvolutionGeometry(kernelSize: kernelSize, stride: stride, padding: .symmetric(padding))
        let outputHeight = geometry.outputHeight(inputHeight: height), outputWidth = geometry.outputWidth(inputWidth: width)
        precondition(outputHeight > 0 && outputWidth > 0, "FeatureMap.maxPooled: a \(height)×\(width) map is smaller than the \(kernelSize)×\(kernelSize) window")
        var output = FeatureMap(uninitializedBatchSize: batchSize, height: outputHeight, width: outputWidth, channels: channels)
        let (inputHeight, inputWidth, channels) = (height, width, channels)
        values.withUnsafeBufferPointer { source in
            output.values.withUnsafeMutableBufferPointer { target in
                let (source, target) = (source.baseAddress!, target.baseAddress!)
                ParallelLoop.forEachChunk(count: batchSize * outputHeight, costPerItem: outputWidth * channels * kernelSize * kernelSize) { rows in
                    for row in rows {
                        let (image, outputRow) = row.quotientAndRemainder(dividingBy: outputHeight)
                        let firstRow = outputRow * stride - padding
                        for column in 0..<outputWidth {
                            let pixel = target + ((image * outputHeight + outputRow) * outputWidth + column) * channels
                            pixel.update(repeating: -.infinity, count: channels)
                            let firstColumn = column * stride - padding
                            for inputRow in max(firstRow, 0)..<min(firstRow + kernelSize, inputHeight) {
                                for inputColumn in max(firstColumn, 0)..<min(firstColumn + kernelSize, inputWidth) {
                                    let window = source + ((image * inputHeight + inputRow) * inputWidth + inputColumn) * channels
                                    for channel in 0..<channels where window[channel] > pixel[channel] || window[channel].isNaN {
                                        pixel[channel] = window[channel]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
