import Foundation
import Slides

extension FeatureCache {
    /// The untransformed (view 0) features of the slide `source` at `scale`, for `predict` and
    /// `visualize` on features that were not computed from the slide's pixels here (imported from
    /// TRIDENT or CLAM). The entry is the slide's image id: its file name without the extension
    /// (or, failing that, without everything after the first dot, for names like `a.ome.tiff`).
    /// - Throws: ``PipelineError`` naming the cache when it has no entry for the slide, and the
    ///   entry when its words do not cover the slide's level-0 size (features of another slide).
    public func untransformedFeatures(forSlide source: any SlideSource, scale: WordGridLayout) throws -> WordFeatures {
        let name = source.url.lastPathComponent
        let candidates = [source.url.deletingPathExtension().lastPathComponent, String(name.prefix { $0 != "." })]
        guard let imageID = candidates.first(where: { contains(imageID: $0, scale: scale, view: 0) }) else {
            throw PipelineError.badInput(file: directory.path, reason: "has no features of \(name) at \(scale), view 0 "
                                         + "(looked for image id \(Set(candidates).sorted().joined(separator: " or ")))")
        }
        let features = try read(imageID: imageID, scale: scale, view: 0)
        let extent = SlideRectangle.boundingBox(of: features.geometry.wordRegions.filter { !$0.isEmpty })
        let (width, height) = source.dimensions
        guard Swift.abs(extent.x) <= 1, Swift.abs(extent.y) <= 1, Swift.abs(extent.x + extent.width - Double(width)) <= 1,
              Swift.abs(extent.y + extent.height - Double(height)) <= 1 else {
            throw PipelineError.badInput(file: url(imageID: imageID, scale: scale, view: 0).path,
                                         reason: "its words cover \(Int(extent.width.rounded()))×\(Int(extent.height.rounded())) level-0 pixels, "
                                         + "but \(source.url.path) is \(width)×\(height); these are the features of another slide")
        }
        return features
    }
}
