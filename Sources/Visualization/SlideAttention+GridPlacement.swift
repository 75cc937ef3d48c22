import Slides
import TensorKit

extension SlideAttention {
    /// Attention scores of a slide whose words were cut with `placement` (the same bag and word
    /// sizes, level and aspect handling as the features the model saw).
    public init(placement: GridPlacement, wordScores: Tensor, bagScores: Tensor) {
        let layout = placement.layout
        let regions = (0..<layout.bagCount).flatMap { bag in
            (0..<layout.wordsPerBag).map { word in placement.slideRectangle(ofGrid: layout.wordRectangle(bag: bag, word: word)) }
        }
        self.init(slideWidth: placement.slideWidth, slideHeight: placement.slideHeight, wordRegions: regions,
                  wordScores: wordScores, bagScores: bagScores)
    }
}
