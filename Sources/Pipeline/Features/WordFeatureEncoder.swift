import Encoders
import Foundation
import Slides
import TensorKit

/// Turns a slide into ``WordFeatures`` at one scale and view: bags and words cut by
/// ``WordGridExtractor``, each word encoded by a frozen CNN (the reference's `features_from_cnn`,
/// train_and_eval/train_utils.py).
///
/// View 0 is the slide as the evaluator sees it, streamed bag by bag; views 1… apply the training
/// transform (``RandomTransform``: flips, rotation, crop-and-rescale) with a generator seeded from
/// `seed`, the image id, the scale and the view.
public struct WordFeatureEncoder {
    public let encoder: any Encoder
    public let gridOptions: WordGridOptions
    /// Seed of the augmented views.
    public let seed: UInt64
    /// Word images pushed through the encoder together.
    public let batchSize: Int
    /// The augmentation of views 1….
    public let transform: RandomTransform

    /// The augmentation seed used unless one is given (the reference's seed).
    public static let defaultSeed: UInt64 = 1882

    public init(encoder: any Encoder, gridOptions: WordGridOptions = .standard, seed: UInt64 = defaultSeed,
                batchSize: Int = 1, transform: RandomTransform = RandomTransform()) {
        self.encoder = encoder
        self.gridOptions = gridOptions
        self.seed = seed
        self.batchSize = batchSize
        self.transform = transform
    }

    /// The settings its output depends on besides the encoder, scale and view, as the feature
    /// cache records them.
    public var settings: FeatureExtractionSettings {
        FeatureExtractionSettings(grid: gridOptions, seed: seed, transform: transform)
    }

    /// One slide's features at one scale and view. `bagEncoded` is told each bag as it is done, with
    /// the seconds its words took in the encoder (the rest of the time is cutting and resampling).
    /// - Throws: ``Encoders/EncoderInputError`` when the encoder cannot take the scale's words
    ///   (checked before the slide is read), or the slide's errors.
    public func encode(_ source: any SlideSource, imageID: String, scale: WordGridLayout, view: Int,
                       bagEncoded: (_ bag: WordBag, _ encoderSeconds: Double) -> Void = { _, _ in }) throws -> WordFeatures {
        try encoder.checkInput(height: scale.wordSize, width: scale.wordSize)
        let extractor = WordGridExtractor(bagSize: scale.bagSize, wordSize: scale.wordSize, options: gridOptions)
        let positions = scale.bagsPerSide * scale.bagsPerSide
        var features: [Float] = [], regions: [SlideRectangle] = [], fractions: [Float] = []
        features.reserveCapacity(positions * positions * encoder.featureCount)
        func add(_ bag: WordBag) {
            // bag.words is [Nw, W, W, 3] → [Nw, F]
            let started = DispatchTime.now().uptimeNanoseconds
            features += encoder.features(channelsLast: bag.words, batchSize: batchSize).scalars
            bagEncoded(bag, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            regions += bag.wordRegions
            fractions += bag.tissueFractions ?? []
        }
        if view == 0 {
            try extractor.forEachBag(in: source, add)
        } else {
            var generator = SeededGenerator(seed: viewSeed(imageID: imageID, scale: scale, view: view))
            try extractor.forEachBag(in: source, transform: transform, generator: &generator, add)
        }
        return WordFeatures(words: Tensor(shape: [positions, positions, encoder.featureCount], scalars: features),
                            geometry: WordGeometry(bagCount: positions, wordsPerBag: positions, wordRegions: regions),
                            tissueFractions: fractions.isEmpty ? nil : Tensor(shape: [positions, positions], scalars: fractions),
                            scale: scale, view: view)
    }

    /// The augmentation seed of one file: `seed` mixed with an FNV-1a hash of the image id, the
    /// scale and the view (independent of the order in which files are computed).
    func viewSeed(imageID: String, scale: WordGridLayout, view: Int) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in "\(imageID)|\(scale)|\(view)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return seed ^ hash
    }
}
