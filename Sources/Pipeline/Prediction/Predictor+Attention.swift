import Foundation
import HATNet
import Slides
import TensorKit

/// One slide run through the whole model with every attention score kept: what `hatnet visualize`
/// draws (``Predictor/predict(slide:topBags:topWords:)`` keeps only the top bags and words).
public struct AttendedSlide {
    /// The slide's word features, with each word's rectangle in level-0 pixels.
    public let features: WordFeatures
    /// Softmax of the logits, one per class (the predictor's class order).
    public let probabilities: [Double]
    /// The most probable class's index.
    public let predictedLabel: Int
    /// The model's attention for this slide (batch of one).
    public let attention: AttentionScores
}

extension Predictor {
    /// Encodes `source` at the predictor's scale and runs the model with attention.
    public func attend(_ source: any SlideSource, imageID: String) throws -> AttendedSlide {
        attend(try wordEncoder.encode(source, imageID: imageID, scale: scale, view: 0))
    }

    /// Runs the model with attention on a slide's word features (dropout off).
    public func attend(_ features: WordFeatures) -> AttendedSlide {
        model.eval()
        let (logits, attention) = withoutGrad { model(features.words.unsqueezed(axis: 0), needAttention: true) }
        let probabilities = withoutGrad { logits.softmax(axis: -1) }.scalars.map { Double($0) }
        let label = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
        return AttendedSlide(features: features, probabilities: probabilities, predictedLabel: label, attention: attention!)
    }
}
