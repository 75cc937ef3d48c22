import Foundation
import TensorKit
import Slides

/// A split whose slides are read from the feature cache instead of being re-encoded every epoch
/// (the reference's `BBWSIDataset` + `gen_collate_fn` + `features_from_cnn`, with the CNN run
/// once by `hatnet features`).
public struct CachedFeatureDataset: Sendable {
    public let split: SplitFile
    public let cache: FeatureCache
    /// Scales every slide has in the cache.
    public let scales: [WordGridLayout]
    /// Views `0..<views` every slide has at every scale.
    public let views: Int
    /// Feature width F of the cached words.
    public let featureCount: Int

    /// Checks that every slide of `split` has all `scales` and `views` in `cache`, and reads one
    /// file to learn F.
    /// - Throws: ``DatasetError/missingFeatures(path:cache:imageIDs:)`` listing the slides without features.
    public init(split: SplitFile, cache: FeatureCache, scales: [WordGridLayout], views: Int) throws {
        precondition(!scales.isEmpty && views >= 1, "CachedFeatureDataset needs at least one scale and one view")
        let missing = cache.imagesMissingFeatures(split.entries.map(\.imageID), scales: scales, views: views)
        guard missing.isEmpty else {
            throw DatasetError.missingFeatures(path: split.url.path, cache: cache.directory.path, imageIDs: missing)
        }
        self.split = split
        self.cache = cache
        self.scales = scales
        self.views = views
        featureCount = try cache.read(imageID: split.entries[0].imageID, scale: scales[0], view: 0).featureCount
    }

    public var count: Int { split.entries.count }

    /// One slide's features `[Nb, Nw, F]`.
    public func words(at index: Int, scale: WordGridLayout, view: Int) throws -> Tensor {
        let features = try cache.read(imageID: split.entries[index].imageID, scale: scale, view: view)
        guard features.featureCount == featureCount else {
            throw TrainingError.incompatibleFeatures(path: cache.url(imageID: split.entries[index].imageID, scale: scale, view: view).path,
                                                     reason: "has \(features.featureCount) features per word, other slides have \(featureCount)")
        }
        return features.words
    }

    /// A batch `[B, Nb, Nw, F]` of slides at one scale, each with its own view.
    public func batch(_ indices: [Int], scale: WordGridLayout, views: [Int]) throws -> (words: Tensor, labels: [Int]) {
        precondition(indices.count == views.count, "one view per slide")
        let slides = try zip(indices, views).map { try words(at: $0, scale: scale, view: $1) }
        let shape = [slides.count] + slides[0].shape
        var scalars: [Float] = []
        scalars.reserveCapacity(shape.reduce(1, *))
        for slide in slides { scalars += slide.scalars }
        return (Tensor(shape: shape, scalars: scalars), indices.map { split.entries[$0].label })
    }
}
