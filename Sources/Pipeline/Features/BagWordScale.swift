import Slides

/// A bag size and word size in pixels of the resized slide (the reference's `(bag_size, word_size)`
/// pair); a slide is cut into `(bag/word)²` bags of `(bag/word)²` words.
public struct BagWordScale: Hashable, Codable, Sendable, CustomStringConvertible {
    public let bagSize: Int
    public let wordSize: Int

    public init(bagSize: Int, wordSize: Int) {
        precondition(wordSize > 0 && bagSize > 0 && bagSize % wordSize == 0,
                     "BagWordScale: bag size \(bagSize) must be a positive multiple of word size \(wordSize)")
        self.bagSize = bagSize
        self.wordSize = wordSize
    }

    /// n = bag / word: bags per side of the grid and words per side of a bag.
    public var bagsPerSide: Int { bagSize / wordSize }

    /// `bag_<B>_word_<W>`, the reference evaluator's key for a scale.
    public var description: String { "bag_\(bagSize)_word_\(wordSize)" }

    /// The scales of multi-scale training and evaluation around `self` (`get_bag_word_pairs`):
    /// word sizes `word + factor · m` for each multiplier, same bags per side.
    public func multiScalePairs(scaleFactor: Int, multipliers: [Int]) -> [BagWordScale] {
        BagWordPairs.make(bagSize: bagSize, wordSize: wordSize, scaleFactor: scaleFactor, multipliers: multipliers)
            .map { BagWordScale(bagSize: $0.bagSize, wordSize: $0.wordSize) }
    }
}
