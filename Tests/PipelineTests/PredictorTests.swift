import Encoders
import Foundation
import HATNet
import Slides
import Testing
@testable import Pipeline
import Synthesis
import TensorKit

/// `hatnet predict`'s diagnosis: probabilities and the attended bags and words in slide pixels.
@Suite struct PredictorTests {
    @Test func diagnosisRanksBagsAndWordsByTheirEnergies() throws {
        let encoder = try EncoderArchitecture.mobilenetv2.makeEncoder(scale: 0.5, weights: .synthetic(seed: 1))
        let model = HATNetModel(configuration: HATNetConfiguration(cnnFeatures: encoder.featureCount, outFeatures: 32, numBagsWords: 3),
                                seed: 2)
        let scale = WordGridLayout(bagSize: 96, wordSize: 32)
        let predictor = try Predictor(model: model, classNames: SlideClasses.defaultNames,
                                      wordEncoder: WordFeatureEncoder(encoder: encoder), scale: scale)
        var generator = SeededGenerator(seed: 8)
        let features = WordFeatures(words: .normal([9, 9, encoder.featureCount], generator: &generator),
                                    wordRegions: SyntheticFeatureCohort.gridRegions(scale: scale), tissueFractions: nil,
                                    scale: scale, view: 0)
        let diagnosis = predictor.diagnose(features, slide: "s.tiff", topBags: 3, topWords: 2)
        #expect(Swift.abs(diagnosis.probabilities.values.reduce(0, +) - 1) < 1e-5)
        #expect(diagnosis.probabilities[diagnosis.predictedClass] == diagnosis.probabilities.values.max())
        #expect(diagnosis.topBags.count == 3 && diagnosis.topBags.allSatisfy { $0.topWords.count == 2 })
        #expect(diagnosis.topBags.map(\.score) == diagnosis.topBags.map(\.score).sorted(by: >))
        let (_, attention) = withoutGrad { model(features.words.unsqueezed(axis: 0), needAttention: true) }
        #expect(Double(attention!.bagScores.scalars.max()!) == diagnosis.topBags[0].score)
        // A bag's region is its 96-pixel square; its words lie inside it.
        for bag in diagnosis.topBags {
            #expect(bag.region.width == 96 && bag.region.height == 96)
            for word in bag.topWords {
                #expect(word.region.x >= bag.region.x && word.region.x + word.region.width <= bag.region.x + bag.region.width)
                #expect(word.region.y >= bag.region.y && word.region.y + word.region.height <= bag.region.y + bag.region.height)
            }
        }
        #expect(throws: TrainingError.self) {
            try Predictor(model: model, classNames: ["a", "b"], wordEncoder: WordFeatureEncoder(encoder: encoder), scale: scale)
        }
    }
}
