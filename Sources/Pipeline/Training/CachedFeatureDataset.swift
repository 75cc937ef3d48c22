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
    /// The first slide's untransformed file at the first scale, whose recorded settings every
    /// other file must share.
    public let referenceFile: URL
    /// That file's metadata (its ``FeatureExtractionSettings`` entries among them).
    public let referenceMetadata: [String: String]

    /// Checks that every slide of `split` has all `scales` and `views` in `cache`, that every one
    /// of these files belongs there (header, format, encoder, weights, image, scale, view, shapes;
    /// ``FeatureCache/verifiedHeader(imageID:scale:view:)``) and that all were made with the same
    /// settings and feature width.
    /// - Throws: ``DatasetError/missingFeatures(path:cache:imageIDs:)`` listing the slides without
    ///   features; ``PipelineError`` naming a damaged file; ``TrainingError/incompatibleFeatures(path:reason:)``
    ///   naming two files and the setting on which they differ.
    public init(split: SplitFile, cache: FeatureCache, scales: [WordGridLayout], views: Int) throws {
        guard !scales.isEmpty, views >= 1 else {
            throw TrainingError.invalidOption("a cached data set needs at least one scale and one view, got \(scales.count) and \(views)")
        }
        for entry in split.entries {
            if let problem = ImageIdentifier.problem(with: entry.imageID) {
                throw DatasetError.malformedSplitFile(path: split.url.path, problems: ["line \(entry.lineNumber): \(problem)"])
            }
        }
        let missing = cache.imagesMissingFeatures(split.entries.map(\.imageID), scales: scales, views: views)
        guard missing.isEmpty else {
            throw DatasetError.missingFeatures(path: split.url.path, cache: cache.directory.path, imageIDs: missing)
        }
        let first = split.entries[0].imageID
        let (reference, width) = try cache.verifiedHeader(imageID: first, scale: scales[0], view: 0)
        let referenceURL = cache.url(imageID: first, scale: scales[0], view: 0)
        var augmentedReference: (metadata: [String: String], url: URL, view: Int)?
        for entry in split.entries {
            for scale in scales {
                for view in 0..<views {
                    let url = cache.url(imageID: entry.imageID, scale: scale, view: view)
                    let (metadata, count) = try cache.verifiedHeader(imageID: entry.imageID, scale: scale, view: view)
                    guard count == width else {
                        throw TrainingError.incompatibleFeatures(path: url.path, reason: "has \(count) features per word, "
                                                                 + "\(referenceURL.path) has \(width)")
                    }
                    var disagreements = FeatureExtractionSettings.disagreements(
                        metadata, view: view, firstName: url.path, reference, view: 0, secondName: referenceURL.path)
                    if view > 0 {
                        if let augmentedReference {
                            disagreements += FeatureExtractionSettings.disagreements(
                                metadata, view: view, firstName: url.path, augmentedReference.metadata, view: augmentedReference.view,
                                secondName: augmentedReference.url.path)
                        } else {
                            augmentedReference = (metadata, url, view)
                        }
                    }
                    if let disagreement = disagreements.first {
                        throw TrainingError.incompatibleFeatures(path: url.path, reason: "was computed with other settings than the "
                                                                 + "rest of the split: \(disagreement); run `hatnet features` again "
                                                                 + "with one set of options")
                    }
                }
            }
        }
        self.split = split
        self.cache = cache
        self.scales = scales
        self.views = views
        referenceFile = referenceURL
        referenceMetadata = reference
        featureCount = width
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
        precondition(indices.count == views.count && !indices.isEmpty, "one view per slide, at least one slide")
        let slides = try zip(indices, views).map { try words(at: $0, scale: scale, view: $1) }
        let shape = [slides.count] + slides[0].shape
        var scalars: [Float] = []
        scalars.reserveCapacity(shape.reduce(1, *))
        for slide in slides { scalars += slide.scalars }
        return (Tensor(shape: shape, scalars: scalars), indices.map { split.entries[$0].label })
    }
}
