import TensorKit
import Slides

/// One slide's CNN word features at one (bag, word) scale and one augmented view, with the grid
/// geometry: what the feature cache stores and what the attention network reads.
public struct WordFeatures: Sendable {
    /// `[Nb, Nw, F]`: pooled CNN features of every word, bags and words in the reference order
    /// (column by column, see ``WordGrid``).
    public var words: Tensor
    /// Where each word and bag lies on the slide, in level-0 pixels.
    public var geometry: WordGeometry
    /// `[Nb, Nw]`: the tissue fraction of each word, when tissue detection was on.
    public var tissueFractions: Tensor?
    /// The scale the words were cut at.
    public var scale: WordGridLayout
    /// 0 for the untransformed slide, 1… for seeded augmentations.
    public var view: Int

    public init(words: Tensor, geometry: WordGeometry, tissueFractions: Tensor?, scale: WordGridLayout, view: Int) {
        precondition(words.rank == 3, "WordFeatures: words must be [Nb, Nw, F], got \(words.shape)")
        precondition(geometry.bagCount == words.shape[0] && geometry.wordsPerBag == words.shape[1],
                     "WordFeatures: a geometry of \(geometry.bagCount) × \(geometry.wordsPerBag) words for words \(words.shape)")
        if let tissueFractions {
            precondition(tissueFractions.shape == [words.shape[0], words.shape[1]],
                         "WordFeatures: tissue fractions must be [\(words.shape[0]), \(words.shape[1])], got \(tissueFractions.shape)")
        }
        self.words = words
        self.geometry = geometry
        self.tissueFractions = tissueFractions
        self.scale = scale
        self.view = view
    }

    /// Bags per slide (Nb).
    public var bagCount: Int { words.shape[0] }
    /// Words per bag (Nw).
    public var wordsPerBag: Int { words.shape[1] }
    /// Features per word (F).
    public var featureCount: Int { words.shape[2] }
}
