import VectorKernelsAVX2

extension FeatureMap {
    /// In place: `x[…, c] = activation(scale[c]·x[…, c] + shift[c])` for channels
    /// `channelOffset ..< channelOffset + scale.count` — a BatchNorm that cannot be folded into a
    /// convolution (ESPNetv2 normalises the concatenation of its branches), usually with PReLU.
    public mutating func applyChannelAffine(scale: [Float], shift: [Float], activation: Activation, channelOffset: Int = 0) {
        applyChannelAffine(scale: scale, shift: shift, activation: activation, channelOffset: channelOffset, path: .preferred)
    }

    /// ``applyChannelAffine(scale:shift:activation:channelOffset:)`` with the kernel family `path`.
    mutating func applyChannelAffine(scale: [Float], shift: [Float], activation: Activation, channelOffset: Int, path: KernelPath) {
        precondition(path == .portable || CPUFeatures.hasAVX2AndFMA, "FeatureMap: the AVX2 kernels need a CPU with AVX2 and FMA")
        let count = scale.count
        precondition(shift.count == count && channelOffset >= 0 && channelOffset + count <= channels,
                     "FeatureMap.applyChannelAffine: \(scale.count) scales, \(shift.count) shifts at channel \(channelOffset) of \(channels)")
        activation.validate(channels: count, layer: "FeatureMap.applyChannelAffine")
        let slopes = activation.slopeValues, kind = activation.kind, stride = channels, pixelCount = self.pixelCount
        values.withUnsafeMutableBufferPointer { target in
            scale.withUnsafeBufferPointer { scale in
                shift.withUnsafeBufferPointer { shift in
                    slopes.withUnsafeBufferPointer { slopes in
                        let base = target.baseAddress! + channelOffset
                        ParallelLoop.forEachChunk(count: pixelCount, costPerItem: count) { pixels in
                            for pixel in pixels {
                                if path == .avx2 {
                                    AVX2Kernels.channelEpilogue(base + pixel * stride, channelCount: count, scale: scale.baseAddress,
                                                                bias: shift.baseAddress!, activation: kind, slopes: slopes.baseAddress)
                                } else {
                                    applyChannelEpilogue(base + pixel * stride, channelCount: count, scale: scale.baseAddress,
                                                         bias: shift.baseAddress!, activation: kind, slopes: slopes.baseAddress)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// In place: `x = activation(x)` on every channel (e.g. a PReLU after a residual sum).
    public mutating func applyActivation(_ activation: Activation) {
        let ones = [Float](repeating: 1, count: channels), zeros = [Float](repeating: 0, count: channels)
        applyChannelAffine(scale: ones, shift: zeros, activation: activation)
    }
}
