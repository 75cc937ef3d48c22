/// A batch of images or activation maps stored channels-last (`[N, H, W, C]`, "NHWC"), the layout
/// the inference convolution kit computes in.
///
/// Channels-last makes every pixel a contiguous run of `channels` floats, so that
/// - a 1×1 convolution of the whole batch is one GEMM `[N·H·W, Cin] · [Cin, Cout]`,
/// - a depthwise convolution vectorises over channels for any stride and dilation,
/// - a channel slice (e.g. one branch of a concatenation) is a strided matrix view that GEMM and
///   the depthwise kernel can read and write without copying.
///
/// Public tensors stay `NCHW` (PyTorch's layout); convert at the boundary with
/// ``init(nchw:)`` and ``nchwTensor()``.
public struct FeatureMap: Sendable {
    /// Number of images `N`.
    public let batchSize: Int
    /// Rows per image `H`.
    public let height: Int
    /// Columns per image `W`.
    public let width: Int
    /// Channels per pixel `C` (also the distance between consecutive pixels in ``values``).
    public let channels: Int
    /// `N·H·W·C` values, channels fastest, from a 64-byte boundary (``AlignedFloats``).
    public var values: AlignedFloats

    /// A zero-filled map of the given extents.
    public init(batchSize: Int, height: Int, width: Int, channels: Int) {
        self.init(batchSize: batchSize, height: height, width: width, channels: channels,
                  values: AlignedFloats(repeating: 0, count: max(0, batchSize * height * width * channels)))
    }

    /// A map whose values are left uninitialised, for kernel outputs that write every value
    /// before anything reads it (saves the zero-fill pass over large activations).
    public init(uninitializedBatchSize batchSize: Int, height: Int, width: Int, channels: Int) {
        let count = max(0, batchSize * height * width * channels)
        self.init(batchSize: batchSize, height: height, width: width, channels: channels,
                  values: AlignedFloats(uninitializedCount: count))
    }

    /// Wraps existing channels-last values (copied into aligned storage).
    public init(batchSize: Int, height: Int, width: Int, channels: Int, values: [Float]) {
        self.init(batchSize: batchSize, height: height, width: width, channels: channels, values: AlignedFloats(values))
    }

    /// Wraps existing channels-last values.
    public init(batchSize: Int, height: Int, width: Int, channels: Int, values: AlignedFloats) {
        precondition(batchSize >= 0 && height >= 0 && width >= 0 && channels >= 0,
                     "FeatureMap: negative extent [\(batchSize), \(height), \(width), \(channels)]")
        precondition(values.count == batchSize * height * width * channels,
                     "FeatureMap: [\(batchSize), \(height), \(width), \(channels)] needs \(batchSize * height * width * channels) values, got \(values.count)")
        self.batchSize = batchSize
        self.height = height
        self.width = width
        self.channels = channels
        self.values = values
    }

    /// Pixels in the whole batch, `N·H·W` (the row count of the map seen as a matrix).
    public var pixelCount: Int { batchSize * height * width }

    /// Converts an `NCHW` tensor (`[N, C, H, W]`) to channels-last.
    public init(nchw tensor: Tensor) {
        precondition(tensor.rank == 4, "FeatureMap(nchw:): expected [N, C, H, W], got \(tensor.shape)")
        let (batch, channels, height, width) = (tensor.shape[0], tensor.shape[1], tensor.shape[2], tensor.shape[3])
        self.init(batchSize: batch, height: height, width: width, channels: channels)
        let planeSize = height * width
        tensor.scalars.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                for image in 0..<batch {
                    let imageOffset = image * channels * planeSize
                    for channel in 0..<channels {
                        let plane = imageOffset + channel * planeSize
                        for pixel in 0..<planeSize {
                            target[imageOffset + pixel * channels + channel] = source[plane + pixel]
                        }
                    }
                }
            }
        }
    }

    /// The same values as an `NCHW` tensor `[N, C, H, W]`.
    public func nchwTensor() -> Tensor {
        let planeSize = height * width
        var scalars = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            scalars.withUnsafeMutableBufferPointer { target in
                for image in 0..<batchSize {
                    let imageOffset = image * channels * planeSize
                    for pixel in 0..<planeSize {
                        for channel in 0..<channels {
                            target[imageOffset + channel * planeSize + pixel] = source[imageOffset + pixel * channels + channel]
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batchSize, channels, height, width], scalars: scalars)
    }
}
