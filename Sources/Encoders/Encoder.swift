import TensorKit

/// A frozen ImageNet CNN that turns word images into feature vectors: the globally average-pooled
/// last feature map, which is what HATNet's attention network consumes.
///
/// Implementations compute on channels-last ``FeatureMap``s (see ``featureMap(_:)``); the
/// extension takes channels-last words (``features(channelsLast:batchSize:)``) or `NCHW` tensors
/// (``features(_:batchSize:)``) and splits large batches.
public protocol Encoder: Sendable {
    /// A short name such as `mobilenetv2 (width 1.0)`.
    var name: String { get }
    /// `F`, the length of one word's feature vector.
    var featureCount: Int { get }
    /// The ImageNet classifier, when the weight file has one (used only for `--logits`).
    var classifier: LinearClassifier? { get }
    /// The last feature map before pooling. `images` is `[N, H, W, 3]`; returns `[N, H', W', F]`.
    func featureMap(_ images: FeatureMap) -> FeatureMap
    /// One batch's features `[N, F]` for `images` `[N, H, W, 3]`; by default the global average of
    /// ``featureMap(_:)`` (CNNs). A ViT returns its class token or pooled tokens instead.
    func pooledFeatures(_ images: FeatureMap) -> Tensor
    /// Throws ``EncoderInputError`` when `height`×`width` words cannot be encoded (call it before
    /// encoding input-controlled sizes). CNNs take any size.
    func checkInput(height: Int, width: Int) throws
}

extension Encoder {
    public func pooledFeatures(_ images: FeatureMap) -> Tensor { featureMap(images).globalAveragePooled() }
    public func checkInput(height: Int, width: Int) throws {}
}

extension Encoder {
    /// Pooled features of `images` in PyTorch's layout (what `hatnet encode` reads); they are made
    /// channels-last once, then encoded as ``features(channelsLast:batchSize:)`` does.
    ///
    /// - Parameters:
    ///   - images: `[N, 3, H, W]`, already normalised (ImageNet mean/std).
    ///   - batchSize: images a core pushes through the network together.
    /// - Returns: `[N, F]`.
    public func features(_ images: Tensor, batchSize: Int = 1) -> Tensor {
        precondition(images.rank == 4 && images.shape[1] == 3, "\(name): expected images [N, 3, H, W], got \(images.shape)")
        let map = FeatureMap(nchw: images)
        return map.values.withUnsafeBufferPointer { values in
            batchedFeatures(count: map.batchSize, batchSize: batchSize) { range in
                // The converted map is already aligned: a batch of all the images is the map itself.
                range.count == map.batchSize ? map : imageBatch(range, of: values, height: map.height, width: map.width)
            }
        }
    }

    /// Pooled features of channels-last `images`, the layout words have from the resampler on
    /// (`WordBag.words` in Slides), so no pixel is rearranged on the way into the network.
    ///
    /// Every core runs the whole network (``ParallelLoop/runDataParallel(workerCount:_:)``) on
    /// batches of `batchSize` images that it takes from a shared queue until none are left.
    ///
    /// - Parameters:
    ///   - images: `[N, H, W, 3]`, already normalised (ImageNet mean/std).
    ///   - batchSize: images a core pushes through the network together; 1 is fastest on CPUs
    ///     (activations stay in cache), larger batches only cost memory.
    /// - Returns: `[N, F]`.
    public func features(channelsLast images: Tensor, batchSize: Int = 1) -> Tensor {
        precondition(images.rank == 4 && images.shape[3] == 3, "\(name): expected images [N, H, W, 3], got \(images.shape)")
        let (count, height, width) = (images.shape[0], images.shape[1], images.shape[2])
        return images.scalars.withUnsafeBufferPointer { values in
            // Each batch is copied once into its own aligned map (the tensor's array is not aligned).
            batchedFeatures(count: count, batchSize: batchSize) { imageBatch($0, of: values, height: height, width: width) }
        }
    }

    /// Images `range` of the channels-last RGB images `values` (`height × width` each, one after
    /// another), copied into a map of their own.
    private func imageBatch(_ range: Range<Int>, of values: UnsafeBufferPointer<Float>, height: Int, width: Int) -> FeatureMap {
        let imageSize = height * width * 3
        return FeatureMap(batchSize: range.count, height: height, width: width, channels: 3,
                          values: AlignedFloats(copying: UnsafeBufferPointer(
                            rebasing: values[range.lowerBound * imageSize ..< range.upperBound * imageSize])))
    }

    /// Encodes `count` images in batches of `batchSize`; `batch` gives images `range` as one
    /// ``FeatureMap`` `[B, H, W, 3]` (called from the worker threads).
    private func batchedFeatures(count: Int, batchSize: Int, batch: (Range<Int>) -> FeatureMap) -> Tensor {
        precondition(batchSize > 0, "\(name): batch size must be positive")
        let featureCount = self.featureCount
        let workers = min(ParallelLoop.workerCount, (count + batchSize - 1) / batchSize)
        // One image at a time, the images left once every core has had as many as the others are
        // encoded last with all cores on each (its layers split their rows), instead of by one
        // core while the rest wait: 49 words on 2 cores take 24 word-times and then one word at
        // ≈ 1.4× speed, not 25 word-times.
        let tail = batchSize == 1 && workers > 1 ? count % workers : 0
        var features = [Float](repeating: 0, count: count * featureCount)
        let queue = ImageBatchQueue(count: count - tail, batchSize: batchSize)
        features.withUnsafeMutableBufferPointer { output in
            let output = output
            func encode(_ range: Range<Int>) {
                let pooled = pooledFeatures(batch(range))
                for (offset, value) in pooled.scalars.enumerated() { output[range.lowerBound * featureCount + offset] = value }
            }
            ParallelLoop.runDataParallel(workerCount: workers) { _ in
                while let range = queue.next() { encode(range) }
            }
            for index in (count - tail)..<count { encode(index..<(index + 1)) }
        }
        return Tensor(shape: [count, featureCount], scalars: features)
    }

    /// ImageNet logits `[N, classes]` for pooled `features` `[N, F]`, or `nil` without a classifier.
    public func logits(fromFeatures features: Tensor) -> Tensor? {
        classifier?.logits(features)
    }
}
