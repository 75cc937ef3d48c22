import Foundation
import Pipeline
import Slides
import TensorKit
import FileOutput

extension SyntheticFeatureCohort {
    /// The split files and cache of ``writeCachedSplits(root:splitSizes:scales:views:features:seed:)``.
    public struct CachedSplits {
        public let cache: FeatureCache
        /// Split file per split name (`train.txt`, …, `image_id,label` lines).
        public let splitFiles: [String: URL]
    }

    /// Writes a synthetic cohort in the form `hatnet features` produces, for training without
    /// slides (tests and `hatnet bench train`): for each split of `splitSizes` (e.g. `["train": 32,
    /// "val": 16]`) a split file `<root>/<name>.txt` with ids `<name>_<index>` and labels
    /// `index % 4`, and for every slide, scale and view a cache file of ``SyntheticFeatureCohort``
    /// words (all splits and views share the class directions; each draw has its own noise and
    /// lesion positions). Word regions tile a square slide of `bag · n` pixels in the reference order.
    public static func writeCachedSplits(root: URL, splitSizes: [(name: String, slides: Int)], scales: [WordGridLayout],
                                         views: Int = 1, features: Int, classCount: Int = 4, seed: UInt64) throws -> CachedSplits {
        let cache = try FeatureCache(root: root.appendingPathComponent("features"),
                                     key: FeatureCacheKey(encoderName: "synthetic-\(features)", weightsSHA256: String(format: "%016llx", seed)))
        // Synthetic words are not cut from a slide; the grid defaults stand for "no grid options".
        let syntheticSettings = FeatureExtractionSettings(grid: WordGridOptions(), seed: seed)
        var splitFiles: [String: URL] = [:]
        for (splitNumber, split) in splitSizes.enumerated() {
            let lines = (0..<split.slides).map { "\(split.name)_\($0),\($0 % classCount)\n" }.joined()
            let url = root.appendingPathComponent("\(split.name).txt")
            try AtomicFile.write(lines, to: url)
            splitFiles[split.name] = url
            for (scaleNumber, scale) in scales.enumerated() {
                for view in 0..<views {
                    let drawSeed = seed &+ UInt64(splitNumber * 1_000_003 + scaleNumber * 1_009 + view * 17 + 1)
                    let cohort = SyntheticFeatureCohort(slides: split.slides, numClasses: classCount, numBagsWords: scale.bagsPerSide,
                                                        features: features, seed: drawSeed)
                    let regions = gridGeometry(scale: scale)
                    for (index, words) in cohort.words.enumerated() {
                        try cache.write(WordFeatures(words: words, geometry: regions, tissueFractions: nil, scale: scale, view: view),
                                        imageID: "\(split.name)_\(index)", settings: syntheticSettings)
                    }
                }
            }
        }
        return CachedSplits(cache: cache, splitFiles: splitFiles)
    }

    /// The word rectangles of a square slide of `bag · n` pixels, bags and words in the
    /// reference's column-major order (``WordGridLayout``).
    public static func gridGeometry(scale: WordGridLayout) -> WordGeometry {
        let regions = (0..<scale.bagCount).flatMap { bag in
            (0..<scale.wordsPerBag).map { word in
                let square = scale.wordRectangle(bag: bag, word: word)
                return SlideRectangle(x: Double(square.x), y: Double(square.y), width: Double(square.width), height: Double(square.height))
            }
        }
        return WordGeometry(bagCount: scale.bagCount, wordsPerBag: scale.wordsPerBag, wordRegions: regions)
    }
}
