import TensorKit

// Words stay channels-last (`[…, wordSize, wordSize, 3]`) from the resampler to the encoder; the
// reference's channel-first layout is made only where a file in its format is written (`hatnet words`).

extension WordBag {
    /// `[wordsPerBag, 3, wordSize, wordSize]`: the words in the reference's channel-first layout.
    public var channelsFirstWords: Tensor { channelsFirst(words) }
}

extension WordGrid {
    /// `[bags, wordsPerBag, 3, wordSize, wordSize]`: the words in the reference's channel-first layout.
    public var channelsFirstWords: Tensor { channelsFirst(words) }
}

/// `[…, H, W, C]` → `[…, C, H, W]` (the leading axes are kept).
private func channelsFirst(_ images: Tensor) -> Tensor {
    precondition(images.rank >= 3, "channelsFirst: expected [..., H, W, C], got \(images.shape)")
    let leading = Array(images.shape.dropLast(3))
    let (height, width, channels) = (images.shape[images.rank - 3], images.shape[images.rank - 2], images.shape[images.rank - 1])
    let map = FeatureMap(batchSize: leading.reduce(1, *), height: height, width: width, channels: channels, values: images.scalars)
    return Tensor(shape: leading + [channels, height, width], scalars: map.nchwTensor().scalars)
}
