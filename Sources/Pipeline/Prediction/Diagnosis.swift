import Foundation
import HATNet
import Slides
import TensorKit

/// A slide's diagnosis: the class probabilities and where the network looked, with the word
/// features (and their geometry on the slide) it was computed from — the boundary type between
/// the pipeline and the reports (``DiagnosisReport`` for `hatnet predict`, the attention figures).
public struct Diagnosis {
    /// The slide's word features, with each word's and bag's rectangle in level-0 pixels.
    public let features: WordFeatures
    /// Softmax of the logits, one per class (the predictor's class order).
    public let probabilities: [Double]
    /// The most probable class's index.
    public let predictedLabel: Int
    /// The model's attention for this slide (batch of one).
    public let attention: AttentionScores
}

extension Predictor {
    /// Encodes (or, for a predictor of cached features, reads) and diagnoses one slide.
    public func diagnose(slide source: any SlideSource, imageID: String) throws -> Diagnosis {
        if let cachedFeatures { return try diagnose(try cachedFeatures.untransformedFeatures(forSlide: source, scale: scale)) }
        guard let wordEncoder else { throw TrainingError.invalidOption("this predictor has neither a word encoder nor cached features") }
        return try diagnose(try wordEncoder.encode(source, imageID: imageID, scale: scale, view: 0))
    }

    /// Diagnoses a slide from its word features (``HATNetModel/infer(_:attention:)``).
    /// - Throws: ``NonFiniteValueError`` when the logits are not finite (the weights were checked on
    ///   loading, so this means features far outside what the model was trained on).
    public func diagnose(_ features: WordFeatures) throws -> Diagnosis {
        guard features.featureCount == model.configuration.cnnFeatures, features.bagCount == scale.bagCount,
              features.wordsPerBag == scale.wordsPerBag else {
            throw TrainingError.incompatibleFeatures(path: "\(features.scale)", reason: "words \(features.words.shape) do not fit the model "
                                                     + "(\(scale.bagCount) bags of \(scale.wordsPerBag) words, \(model.configuration.cnnFeatures) features)")
        }
        let inference = model.infer(features.words.unsqueezed(axis: 0), attention: true)
        try inference.logits.requireFinite("the logits the model computed for these words")
        return Diagnosis(features: features, probabilities: inference.probabilities(of: 0),
                         predictedLabel: inference.predictedLabels[0], attention: inference.attention!)
    }
}
