import TensorKit

/// A slide cut into bags and words: the input of the word encoder.
public struct WordGrid: Sendable {
    public let layout: WordGridLayout
    /// The pyramid level the words were resampled from.
    public let level: Int
    /// `[bags, wordsPerBag, wordSize, wordSize, 3]`: normalised words, bags and words in the
    /// reference's column-major order, channels-last (``channelsFirstWords`` is the reference's layout).
    public var words: Tensor
    /// Where each word and bag lies on the slide (before any training transform).
    public let geometry: WordGeometry
    /// Each word's tissue fraction, indexed like `geometry.wordRegions`, when tissue detection was on.
    public let tissueFractions: [Float]?
    /// The threshold that turns a fraction into a tissue flag.
    public let minimumTissueFraction: Float

    public init(layout: WordGridLayout, level: Int, words: Tensor, wordRegions: [SlideRectangle],
                tissueFractions: [Float]?, minimumTissueFraction: Float) {
        let expected = [layout.bagCount, layout.wordsPerBag, layout.wordSize, layout.wordSize, 3]
        precondition(words.shape == expected, "WordGrid: words have shape \(words.shape), layout needs \(expected)")
        self.layout = layout
        self.level = level
        self.words = words
        self.geometry = WordGeometry(bagCount: layout.bagCount, wordsPerBag: layout.wordsPerBag, wordRegions: wordRegions)
        self.tissueFractions = tissueFractions
        self.minimumTissueFraction = minimumTissueFraction
    }

    /// Whether each word shows tissue (`nil` without tissue detection), indexed like the word regions.
    public var isTissue: [Bool]? { tissueFractions?.map { $0 >= minimumTissueFraction } }
}

extension WordGrid {
    /// `[bags, wordsPerBag]` tissue fractions, when tissue detection was on.
    public var tissueFractionTensor: Tensor? {
        tissueFractions.map { Tensor(shape: [layout.bagCount, layout.wordsPerBag], scalars: $0) }
    }
}
