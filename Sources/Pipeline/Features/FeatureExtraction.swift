import Foundation
import Slides
import TensorKit

/// What `hatnet features` does: encodes every slide once per (bag, word) scale and per augmented
/// view into a ``FeatureCache``, replacing the reference's per-epoch `features_from_cnn`
/// (train_and_eval/train_utils.py) by a single pass.
///
/// Each file is computed by ``WordFeatureEncoder/encode(_:imageID:scale:view:)``, whose output
/// depends only on the slide, scale, view and seed, not on the order of the work. Files already in
/// the cache are skipped, which makes an interrupted run resumable.
public struct FeatureExtraction {
    public let wordEncoder: WordFeatureEncoder
    public let cache: FeatureCache
    public let scales: [WordGridLayout]
    public let views: Int

    public init(wordEncoder: WordFeatureEncoder, cache: FeatureCache, scales: [WordGridLayout], views: Int) {
        precondition(!scales.isEmpty && views >= 1, "FeatureExtraction needs at least one scale and one view")
        self.wordEncoder = wordEncoder
        self.cache = cache
        self.scales = scales
        self.views = views
    }

    /// Where a run stands, for a progress line.
    public struct Progress: Sendable {
        /// Files done (computed or already cached) of `total`.
        public let done: Int
        public let total: Int
        /// Files found in the cache and skipped so far.
        public let skipped: Int
        /// What was just finished, e.g. `slide_003 bag_1024_word_256 view 0`.
        public let item: String
        public let elapsedSeconds: Double
        /// Estimated seconds left, from the mean time of the files computed so far.
        public let remainingSeconds: Double?
    }

    /// Encodes the slides `(imageID, file)` into the cache.
    /// - Returns: the number of files computed and skipped.
    @discardableResult
    public func run(slides: [(imageID: String, file: URL)], progress: (Progress) -> Void = { _ in }) throws -> (computed: Int, skipped: Int) {
        let total = slides.count * scales.count * views
        let start = Date()
        var computed = 0, skipped = 0
        for slide in slides {
            var source: (any SlideSource)?
            for scale in scales {
                for view in 0..<views {
                    let item = "\(slide.imageID) \(scale) view \(view)"
                    if cache.contains(imageID: slide.imageID, scale: scale, view: view) {
                        skipped += 1
                    } else {
                        if source == nil { source = try openSlide(slide.file) }
                        let features = try wordEncoder.encode(source!, imageID: slide.imageID, scale: scale, view: view)
                        try cache.write(features, imageID: slide.imageID)
                        computed += 1
                    }
                    let elapsed = Date().timeIntervalSince(start)
                    let remaining = computed > 0 ? elapsed / Double(computed) * Double(total - computed - skipped) : nil
                    progress(Progress(done: computed + skipped, total: total, skipped: skipped, item: item,
                                      elapsedSeconds: elapsed, remainingSeconds: remaining))
                }
            }
        }
        return (computed, skipped)
    }
}
