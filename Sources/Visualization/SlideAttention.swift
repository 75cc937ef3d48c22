import HATNet
import Slides
import TensorKit

/// HATNet's attention on one slide, placed on the slide: each bag's and word's rectangle in level-0
/// slide pixels (the grid's ``Slides/WordGeometry``) with its score.
///
/// Bags and words keep the model's order — the reference's column-major grid order (bag =
/// column · rows + row, and likewise for words inside a bag); word `w` of bag `b` is item
/// `b · wordsPerBag + w` of the flat word arrays.
public struct SlideAttention: Sendable {
    /// Level-0 size of the slide.
    public let slideWidth: Int
    public let slideHeight: Int
    /// Where the words and bags lie (bag rectangles exclude padding words, as in `hatnet predict`).
    public let geometry: WordGeometry
    /// HATNet's unnormalised word energies (`AttentionScores.wordScores`), indexed like the word regions.
    public let wordScores: [Float]
    /// HATNet's unnormalised bag energies (`AttentionScores.bagScores`), one per bag.
    public let bagScores: [Float]

    /// Attention from score tensors of one slide: `wordScores` `[Nb, Nw]` or `[1, Nb, Nw]`,
    /// `bagScores` `[Nb]` or `[1, Nb]`, matching `geometry`.
    public init(slideWidth: Int, slideHeight: Int, geometry: WordGeometry, wordScores: Tensor, bagScores: Tensor) {
        precondition(wordScores.count == geometry.wordRegions.count && bagScores.count == geometry.bagCount,
                     "SlideAttention: word scores \(wordScores.shape) and bag scores \(bagScores.shape) do not fit "
                     + "\(geometry.bagCount) bags of \(geometry.wordsPerBag) words")
        self.slideWidth = slideWidth
        self.slideHeight = slideHeight
        self.geometry = geometry
        self.wordScores = wordScores.scalars
        self.bagScores = bagScores.scalars
    }

    /// The attention the model computed for a slide (a batch of one) whose words lie at `geometry`.
    public init(slideWidth: Int, slideHeight: Int, geometry: WordGeometry, attention: AttentionScores) {
        self.init(slideWidth: slideWidth, slideHeight: slideHeight, geometry: geometry,
                  wordScores: attention.wordScores, bagScores: attention.bagScores)
    }

    /// Words per bag (`Nw`).
    public var wordsPerBag: Int { geometry.wordsPerBag }
    /// Each word's area in level-0 pixels (empty for words on grid padding), `Nb · Nw` of them.
    public var wordRegions: [SlideRectangle] { geometry.wordRegions }
    /// Each bag's area: the bounding box of its non-empty words (empty when all are padding).
    public var bagRegions: [SlideRectangle] { geometry.bagRegions }
    /// Number of bags (`Nb`).
    public var bagCount: Int { geometry.bagCount }
}
