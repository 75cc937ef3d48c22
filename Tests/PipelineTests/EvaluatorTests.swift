import Foundation
import HATNet
import TestSupport
import Testing
@testable import Pipeline
import Reports
import TensorKit
import Slides
import Synthesis

/// The evaluator's files, single- and multi-scale, against the logits they come from.
@Suite struct EvaluatorTests {
    @Test func multiScaleEvaluationWritesEveryScaleMaxAndAverage() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let base = WordGridLayout(bagSize: 96, wordSize: 32)
        let scales = base.multiScalePairs(scaleFactor: 32, multipliers: [0, 1])
        let splits = try SyntheticFeatureCohort.writeCachedSplits(root: directory.url, splitSizes: [("test", 8)], scales: scales,
                                                                  features: 16, seed: 3)
        let model = HATNetModel(configuration: HATNetConfiguration(cnnFeatures: 16, outFeatures: 32, numBagsWords: 3), seed: 9)
        let test = try SplitFile(contentsOf: splits.splitFiles["test"]!, classNames: SlideClasses.defaultNames)
        let evaluator = try Evaluator(model: model, classNames: SlideClasses.defaultNames, test: test, cache: splits.cache,
                                      baseScale: base, multiScale: (32, [0, 1]))
        let output = directory.file("out")
        let results = try evaluator.run(outputDirectory: output)
        #expect(results.map(\.postfix) == ["bag_96_word_32", "bag_192_word_64", "bag_96_word_32_max", "bag_96_word_32_avg"])
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: output.path))
        for postfix in results.map(\.postfix) {
            for name in ["mimodel_results_softmax_l2_test_\(postfix).json", "mimodel_results_softmax_l2_test_\(postfix).csv",
                         "mimodel_cmat_softmax_l2_test_\(postfix).pdf", "mimodel_cmat_softmax_l2_test_\(postfix).png",
                         "mimodel_roc_softmax_l2_test_\(postfix).pdf", "mimodel_roc_softmax_l2_test_\(postfix).png",
                         "mimodel_predictions_softmax_l2_test_\(postfix).json"] {
                #expect(names.contains(name), "\(name) missing")
            }
        }
        // The average result is the softmax of the mean logits over scales.
        let logits = try scales.map { try evaluator.logits(at: $0) }
        let mean = (logits[0] + logits[1]) / 2
        let expected = try PredictionSet(trueLabels: test.labels, probabilities: mean.softmax(axis: -1))
        let average = results[3].report.predictions
        #expect(average.predictedLabels == expected.predictedLabels)
        expectClose(Array(average.probabilities.joined()), Array(expected.probabilities.joined()), tolerance: 1e-6,
                    "average over scales")
        // The results JSON carries the reference's field names and the true labels.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent(
            "mimodel_results_softmax_l2_test_bag_96_word_32_avg.json"))) as! [String: Any]
        #expect(json["y_true"] as? [Int] == test.labels)
        #expect((json["overall_accuracy"] as? Double) == results[3].report.metrics.overallAccuracy)
        for key in ["f1_macro", "sensitivity_class", "confusion_matrix", "roc_auc"] { #expect(json[key] != nil, "\(key) missing") }
        // The predictions file is a valid `hatnet metrics` input.
        let reread = try PredictionSet(contentsOf: output.appendingPathComponent("mimodel_predictions_softmax_l2_test_bag_96_word_32_avg.json"))
        #expect(reread.trueLabels == test.labels)
    }

    @Test func rejectsMissingFeaturesAndMismatchedClasses() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let base = WordGridLayout(bagSize: 96, wordSize: 32)
        let splits = try SyntheticFeatureCohort.writeCachedSplits(root: directory.url, splitSizes: [("test", 4)], scales: [base],
                                                                  features: 16, seed: 3)
        let model = HATNetModel(configuration: HATNetConfiguration(cnnFeatures: 16, outFeatures: 32, numBagsWords: 3))
        let test = try SplitFile(contentsOf: splits.splitFiles["test"]!, classNames: SlideClasses.defaultNames)
        #expect(throws: DatasetError.self) {
            try Evaluator(model: model, classNames: SlideClasses.defaultNames, test: test, cache: splits.cache, baseScale: base,
                          multiScale: (32, [0, 1]))
        }
        #expect(throws: TrainingError.self) {
            try Evaluator(model: model, classNames: ["a", "b"], test: test, cache: splits.cache, baseScale: base, multiScale: nil)
        }
    }
}
