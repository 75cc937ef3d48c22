import TensorKit

/// A frozen ImageNet CNN that turns word images into feature vectors: the globally average-pooled
/// last feature map, which is what HATNet's attention network consumes.
///
/// Implementations compute on channels-last ``FeatureMap``s (see ``featureMap(_:)``); the
/// extension converts from and to the `NCHW` tensors of the public API and splits large batches.
public protocol Encoder: Sendable {
    /// A short name such as `mobilenetv2 (width 1.0)`.
    var name: String { get }
    /// `F`, the length of one word's feature vector.
    var featureCount: Int { get }
    /// The ImageNet classifier, when the weight file has one (used only for `--logits`).
    var classifier: LinearClassifier? { get }
    /// The last feature map before pooling. `images` is `[N, H, W, 3]`; returns `[N, H', W', F]`.
    func featureMap(_ images: FeatureMap) -> FeatureMap
}

extension Encoder {
    /// Pooled features of `images`.
    ///
    /// - Parameters:
    ///   - images: `[N, 3, H, W]`, already normalised (ImageNet mean/std).
    ///   - batchSize: images pushed through the network together; smaller batches need less memory.
    /// - Returns: `[N, F]`.
    public func features(_ images: Tensor, batchSize: Int = 16) -> Tensor {
        precondition(images.rank == 4 && images.shape[1] == 3, "\(name): expected images [N, 3, H, W], got \(images.shape)")
        precondition(batchSize > 0, "\(name): batch size must be positive")
        let count = images.shape[0], imageSize = images.shape[1...].reduce(1, *)
        var features = [Float]()
        features.reserveCapacity(count * featureCount)
        for start in stride(from: 0, to: count, by: batchSize) {
            let end = min(count, start + batchSize)
            // images[start..<end] is [B, 3, H, W]
            let batch = Tensor(shape: [end - start] + images.shape[1...],
                               scalars: Array(images.scalars[start * imageSize ..< end * imageSize]))
            features += featureMap(FeatureMap(nchw: batch)).globalAveragePooled().scalars
        }
        return Tensor(shape: [count, featureCount], scalars: features)
    }

    /// ImageNet logits `[N, classes]` for pooled `features` `[N, F]`, or `nil` without a classifier.
    public func logits(fromFeatures features: Tensor) -> Tensor? {
        classifier?.logits(features)
    }
}
