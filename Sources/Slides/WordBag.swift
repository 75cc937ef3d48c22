import TensorKit

/// One bag of words, as ``WordGridExtractor/forEachBag(in:_:)`` delivers it.
public struct WordBag: Sendable {
    /// The bag's index in the reference order (bags numbered column by column).
    public let index: Int
    /// `[wordsPerBag, wordSize, wordSize, 3]`: normalised words in the reference order, channels-last
    /// as the encoders read them (``channelsFirstWords`` is the reference's layout).
    public let words: Tensor
    /// Each word's area in level-0 slide pixels (empty for words on padding), in word order.
    public let wordRegions: [SlideRectangle]
    /// Each word's tissue fraction in [0, 1] when tissue detection is on, in word order.
    public let tissueFractions: [Float]?
}
