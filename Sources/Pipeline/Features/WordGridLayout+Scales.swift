import Slides

/// A (bag size, word size) pair is a scale of the pipeline: features are cached, trained on and
/// evaluated per scale.
extension WordGridLayout: CustomStringConvertible {
    /// `bag_<B>_word_<W>`, the reference evaluator's key for a scale (and our cache file prefix).
    public var description: String { "bag_\(bagSize)_word_\(wordSize)" }

    /// The scales of multi-scale training and evaluation around `self` (the reference's
    /// `get_bag_word_pairs`, ``BagWordPairs``): word sizes `word + factor · m` for each multiplier,
    /// same bags per side.
    public func multiScalePairs(scaleFactor: Int, multipliers: [Int]) -> [WordGridLayout] {
        BagWordPairs.make(bagSize: bagSize, wordSize: wordSize, scaleFactor: scaleFactor, multipliers: multipliers)
            .map { WordGridLayout(bagSize: $0.bagSize, wordSize: $0.wordSize) }
    }
}
