import Slides
import TensorKit

extension SlideAttention {
    /// Attention scores of a slide whose words were cut with `placement` (the same bag and word
    /// sizes, level and aspect handling as the features the model saw).
    public init(placement: GridPlacement, wordScores: Tensor, bagScores: Tensor) {
        self.init(slideWidth: placement.slideWidth, slideHeight: placement.slideHeight, geometry: placement.geometry,
                  wordScores: wordScores, bagScores: bagScores)
    }
}
