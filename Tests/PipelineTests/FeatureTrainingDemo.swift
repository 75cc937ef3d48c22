import Foundation
import HATNet
import NN
import Synthesis
import TensorKit

/// A small end-to-end training run on ``SyntheticFeatureCohort`` data (the helper of
/// `TrainingOptimisationTests`): a HATNet model learns to tell four classes apart from generated
/// word features. Reports the mean training loss of every epoch and the held-out accuracy, so one
/// can watch the loss fall.
struct FeatureTrainingDemo {
    struct EpochReport: Sendable {
        let epoch: Int
        let meanLoss: Float
        let heldOutAccuracy: Float
    }

    var epochs = 12
    var trainingSlides = 48
    var heldOutSlides = 24
    var seed: UInt64 = 1882

    init() {}

    /// Trains and evaluates; `progress` receives each epoch's report as soon as it is done.
    @discardableResult
    func run(progress: (EpochReport) -> Void = { _ in }) -> [EpochReport] {
        let configuration = HATNetConfiguration(numClasses: 4, cnnFeatures: 16, outFeatures: 32, numBagsWords: 3,
                                                numHeads: 4, dropout: 0.1, attentionDropout: 0.1)
        let training = SyntheticFeatureCohort(slides: trainingSlides, numClasses: 4, numBagsWords: 3, features: 16, seed: seed)
        let heldOut = SyntheticFeatureCohort(slides: heldOutSlides, numClasses: 4, numBagsWords: 3, features: 16, seed: seed + 1)
        let model = HATNetModel(configuration: configuration, seed: seed)
        let optimizer = Adam(parameters: model.parameters, learningRate: 2e-3, eps: 1e-9, weightDecay: 4e-6)
        var generator = SeededGenerator(seed: seed + 2)
        var reports: [EpochReport] = []
        for epoch in 1...epochs {
            model.train()
            var order = Array(training.words.indices)
            order.shuffle(using: &generator)
            var totalLoss: Float = 0
            for index in order {
                optimizer.zeroGrad()
                let (logits, _) = model(training.words[index].unsqueezed(axis: 0))
                let loss = CrossEntropy.loss(logits: logits, targets: [training.labels[index]])
                loss.backward()
                optimizer.step()
                totalLoss += loss.item
            }
            model.eval()
            let correct = withoutGrad {
                zip(heldOut.words, heldOut.labels).filter { words, label in
                    model(words.unsqueezed(axis: 0)).logits.argmax(axis: -1)[0] == label
                }.count
            }
            let report = EpochReport(epoch: epoch, meanLoss: totalLoss / Float(order.count),
                                     heldOutAccuracy: Float(correct) / Float(heldOut.words.count))
            reports.append(report)
            progress(report)
        }
        return reports
    }
}
