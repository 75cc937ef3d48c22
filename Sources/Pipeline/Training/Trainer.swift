import Foundation
import HATNet
import NN
import TensorKit
import Slides
import FileOutput

/// Trains the attention network on cached word features, epoch by epoch, as the reference's
/// `Trainer` (train_and_eval/trainer.py) does on images:
///
/// 1. optional linear warm-up over `warm_up_iterations` (rounded up to whole epochs, ``LinearWarmUp``);
/// 2. each epoch: the scheduler's learning rate; shuffled batches, one random scale per batch
///    (multi-scale training) and one random cached view per slide; loss (cross-entropy with
///    optional class weights, or label smoothing) summed over `accum_count` batches per optimizer
///    step; then validation at the base scale on the untransformed view;
/// 3. after each epoch: `model_<epoch>`, `model_best` (when the accuracy ≥ the best so far),
///    the best k, the log and validation statistics, and last `checkpoint_last`.
///
/// A run stopped at any point continues with ``resume(directory:)`` from its last finished epoch
/// and ends with the same weights as an uninterrupted run: the checkpoint holds the optimizer
/// state and both random generators (data order and dropout).
///
/// Deliberate differences from the reference: a resumed run starts after the checkpoint's epoch
/// (the reference repeats it) and skips the warm-up (the reference repeats it); mean accuracy and
/// loss divide by the number of batches (the reference's `Statistics` counts one extra).
public final class Trainer {
    public let options: TrainingOptions
    public let run: RunDirectory
    public let model: HATNetModel
    public let optimizer: any Optimizer
    public let training: CachedFeatureDataset
    public let validation: CachedFeatureDataset
    /// Per-class loss weights (log inverse frequency), `nil` when every class weighs 1.
    public let classWeights: [Float]?
    /// The next epoch to train (0-based).
    public private(set) var nextEpoch: Int
    public private(set) var bestAccuracy: Double
    public private(set) var log: TrainingLog
    private var dataGenerator: SeededGenerator
    /// The run directory's lock: held from ``start(options:overwrite:)`` or ``resume(directory:)``
    /// until ``train(stopAfterEpoch:progress:)`` returns (a later `train` takes it again).
    private var lock: DirectoryLock?

    private init(options: TrainingOptions, run: RunDirectory, lock: DirectoryLock, model: HATNetModel, training: CachedFeatureDataset,
                 validation: CachedFeatureDataset, checkpoint: TrainingCheckpoint?) throws {
        self.options = options
        self.run = run
        self.lock = lock
        self.model = model
        self.training = training
        self.validation = validation
        switch options.optim {
        case .adam:
            optimizer = Adam(parameters: model.parameters, learningRate: Float(options.lr), beta1: Float(options.adamBeta1),
                             beta2: Float(options.adamBeta2), eps: 1e-9, weightDecay: Float(options.weightDecay))
        case .sgd:
            optimizer = SGD(parameters: model.parameters, learningRate: Float(options.lr), weightDecay: Float(options.weightDecay))
        }
        if options.classWeights && !options.labelSmoothing {
            guard let weights = ClassWeights.logInverseFrequency(labels: training.split.labels, classCount: options.classNames.count) else {
                let counts = Set(training.split.labels)
                let absent = options.classNames.indices.first { !counts.contains($0) } ?? 0
                throw DatasetError.classWithoutSlides(path: training.split.url.path, className: options.classNames[absent])
            }
            classWeights = weights
        } else {
            classWeights = nil
        }
        dataGenerator = SeededGenerator(seed: options.seed &+ 2)
        nextEpoch = 0
        bestAccuracy = 0
        if let checkpoint {
            try model.loadStateDict(Dictionary(uniqueKeysWithValues: checkpoint.modelState.map { ($0.key, $0.tensor) }))
            guard checkpoint.epoch < options.epochs else {
                throw TrainingError.badRunDirectory(path: run.checkpointLast.path, reason: "records epoch \(checkpoint.epoch), "
                                                    + "but the run has only --epochs \(options.epochs) (0…\(options.epochs - 1))")
            }
            if let adam = optimizer as? Adam {
                guard let state = checkpoint.adamState else {
                    throw TrainingError.badRunDirectory(path: run.checkpointLast.path, reason: "has no Adam state, but the run uses --optim adam")
                }
                adam.restore(stepCount: state.stepCount, firstMoments: state.firstMoments, secondMoments: state.secondMoments)
            }
            dataGenerator = SeededGenerator(stateWords: checkpoint.dataGeneratorState)
            model.randomSource.generator = SeededGenerator(stateWords: checkpoint.dropoutGeneratorState)
            nextEpoch = checkpoint.epoch + 1
            bestAccuracy = checkpoint.bestAccuracy
        }
        log = try TrainingLog(run: run, validationStatsFileName: options.validationStatsFileName,
                              keepingRecordsThrough: nextEpoch - 1)
    }

    /// Prepares a new run in `options.savedir`: validates the options and data (before anything is
    /// written), locks the directory, and writes the config and the model configuration.
    ///
    /// The directory is locked for the trainer's lifetime (a second writer is refused, naming the
    /// holder), temporary files of killed processes in it are removed, and a directory that holds
    /// files of another run (``RunDirectory/runFiles()``) is refused unless `overwrite`, which
    /// deletes them first.
    /// - Throws: ``TrainingError``, ``DatasetError`` or ``PipelineError`` naming the option or file.
    public static func start(options: TrainingOptions, overwrite: Bool = false) throws -> Trainer {
        try options.validate()
        let run = RunDirectory(url: URL(fileURLWithPath: options.savedir, isDirectory: true))
        let (training, validation) = try datasets(options: options)
        let configuration = options.modelConfiguration(cnnFeatures: training.featureCount)
        do { try configuration.validate() } catch {
            throw TrainingError.incompatibleFeatures(path: options.featureDirectory, reason: "\(error)")
        }
        try requireInputsOutsideRunFiles(options: options, run: run)
        let lock = try run.lock(purpose: "hatnet train")
        try run.prepareForNewRun(overwrite: overwrite)
        let trainer = try Trainer(options: options, run: run, lock: lock,
                                  model: HATNetModel(configuration: configuration, seed: options.seed),
                                  training: training, validation: validation, checkpoint: nil)
        try trainer.writeConfiguration()
        return trainer
    }

    /// Refuses split files that are run files of `run` (they would be overwritten or deleted).
    private static func requireInputsOutsideRunFiles(options: TrainingOptions, run: RunDirectory) throws {
        for (path, option) in [(options.trainFile, "--train-file"), (options.valFile, "--val-file"), (options.testFile, "--test-file")] {
            let input = URL(fileURLWithPath: path)
            guard RunDirectory.isRunFileName(input.lastPathComponent),
                  OutputGuard.sameFile(input.deletingLastPathComponent(), run.url) else { continue }
            throw TrainingError.invalidOption("\(option) \(path) is a file name the run writes in --savedir \(run.url.path); "
                                              + "move the split file or choose another --savedir")
        }
    }

    /// Reopens the run in `directory` from its config and `checkpoint_last`, to continue after the
    /// last finished epoch.
    /// - Throws: ``TrainingError`` naming the file or option; also when another process holds
    ///   the directory's lock.
    public static func resume(directory: URL) throws -> Trainer {
        let run = RunDirectory(url: directory)
        let (options, _) = try run.savedOptions()
        guard FileManager.default.fileExists(atPath: run.checkpointLast.path) else {
            throw TrainingError.badRunDirectory(path: run.checkpointLast.path,
                                                reason: "does not exist: the run has not finished an epoch yet; "
                                                + "start it again with --overwrite")
        }
        let (training, validation) = try datasets(options: options)
        let configuration = options.modelConfiguration(cnnFeatures: training.featureCount)
        do { try configuration.validate() } catch {
            throw TrainingError.incompatibleFeatures(path: options.featureDirectory, reason: "\(error)")
        }
        let lock = try run.lock(purpose: "hatnet train --resume")
        let model = HATNetModel(configuration: configuration, seed: options.seed)
        let checkpoint = try TrainingCheckpoint(contentsOf: run.checkpointLast, model: model)
        return try Trainer(options: options, run: run, lock: lock, model: model, training: training, validation: validation,
                           checkpoint: checkpoint)
    }

    private static func datasets(options: TrainingOptions) throws -> (CachedFeatureDataset, CachedFeatureDataset) {
        guard !options.featureDirectory.isEmpty else {
            throw TrainingError.invalidOption("--features is required: the feature cache directory `hatnet features` printed")
        }
        let cache = try FeatureCache(directory: URL(fileURLWithPath: options.featureDirectory, isDirectory: true))
        let trainSplit = try SplitFile(contentsOf: URL(fileURLWithPath: options.trainFile), classNames: options.classNames)
        let valSplit = try SplitFile(contentsOf: URL(fileURLWithPath: options.valFile), classNames: options.classNames)
        let training = try CachedFeatureDataset(split: trainSplit, cache: cache, scales: options.trainingScales, views: options.views)
        let validation = try CachedFeatureDataset(split: valSplit, cache: cache, scales: [options.baseScale], views: 1)
        guard validation.featureCount == training.featureCount else {
            throw TrainingError.incompatibleFeatures(path: valSplit.url.path, reason: "slides have \(validation.featureCount) "
                                                     + "features per word, the training slides \(training.featureCount)")
        }
        if let disagreement = FeatureExtractionSettings.disagreements(
            validation.referenceMetadata, view: 0, firstName: validation.referenceFile.path,
            training.referenceMetadata, view: 0, secondName: training.referenceFile.path).first {
            throw TrainingError.incompatibleFeatures(path: validation.referenceFile.path, reason: "the validation slides were computed "
                                                     + "with other settings than the training slides: \(disagreement)")
        }
        return (training, validation)
    }

    private func writeConfiguration() throws {
        try AtomicFile.write(try options.jsonText(), to: run.url.appendingPathComponent(options.configFileName))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(String(decoding: try encoder.encode(model.configuration), as: UTF8.self) + "\n",
                                 to: run.modelConfiguration)
    }

    /// Number of batches per epoch (`len(train_loader)`).
    public var batchesPerEpoch: Int { (training.count + options.batchSize - 1) / options.batchSize }

    /// The loss of the reference's `build_criteria`: label-smoothed cross-entropy, or cross-entropy
    /// weighted by ``classWeights``.
    func loss(logits: Tensor, labels: [Int]) -> Tensor {
        if options.labelSmoothing {
            return CrossEntropy.labelSmoothedLoss(logits: logits, targets: labels, epsilon: Float(options.labelSmoothingEps))
        }
        return CrossEntropy.loss(logits: logits, targets: labels, classWeights: classWeights)
    }

    /// Top-1 accuracy of a batch in percent (`metrics.metric_utils.accuracy`).
    static func accuracy(logits: Tensor, labels: [Int]) -> Double {
        let predicted = logits.argmax(axis: -1)
        let correct = zip(predicted, labels).filter { $0 == $1 }.count
        return 100 * Double(correct) / Double(labels.count)
    }

    /// Trains until `options.epochs` (or until epoch `stopAfterEpoch`, inclusive, to split a run).
    /// - Parameter progress: receives ``TrainingEvent``s as they happen.
    /// - Returns: the records of the epochs this call trained.
    @discardableResult
    public func train(stopAfterEpoch: Int? = nil, progress: (TrainingEvent) -> Void = { _ in }) throws -> [EpochRecord] {
        if lock == nil { lock = try run.lock(purpose: "hatnet train") }
        defer {
            lock?.release()
            lock = nil
        }
        // Every step allocates attention tensors of tens of MB; recycling them avoids page faults.
        MemoryTuning.retainFreedBuffers()
        if nextEpoch > 0 {
            progress(.resumed(afterEpoch: nextEpoch - 1, bestAccuracy: bestAccuracy))
        } else if options.warmUp {
            try warmUp(progress: progress)
        }
        let schedule = options.scheduleOptions.makeSchedule()
        let lastEpoch = min(options.epochs - 1, stopAfterEpoch ?? Int.max)
        var records: [EpochRecord] = []
        while nextEpoch <= lastEpoch {
            let epoch = nextEpoch
            let start = Date()
            let learningRate = schedule.learningRate(epoch: epoch)
            guard learningRate.isFinite, Float(learningRate).isFinite, learningRate >= 0 else {
                throw TrainingError.invalidOption("--scheduler \(options.scheduler.rawValue) gives the learning rate \(learningRate) "
                                                  + "at epoch \(epoch); choose a smaller --lr or --lr-decay")
            }
            optimizer.learningRate = Float(learningRate)
            let (trainingLoss, trainingAccuracy) = try trainEpoch(epoch: epoch, learningRate: learningRate, progress: progress)
            let trainingSeconds = Date().timeIntervalSince(start)
            let (validationLoss, validationAccuracy) = try validate(stage: "validation after epoch \(epoch)")
            let isBest = validationAccuracy >= bestAccuracy
            bestAccuracy = max(bestAccuracy, validationAccuracy)
            let record = EpochRecord(epoch: epoch, learningRate: learningRate, trainingLoss: trainingLoss,
                                     trainingAccuracy: trainingAccuracy, validationLoss: validationLoss,
                                     validationAccuracy: validationAccuracy, bestValidationAccuracy: bestAccuracy,
                                     trainingSeconds: trainingSeconds, seconds: 0)
            try saveEpoch(record, isBest: isBest, start: start)
            records.append(log.records.last ?? record)
            nextEpoch = epoch + 1
            progress(.epochFinished(log.records.last ?? record, isBest: isBest))
        }
        return records
    }

    /// The batches of one pass over the training split: shuffled slides, one scale per batch and
    /// one view per slide, all drawn from the data generator.
    private func shuffledBatches() -> [(indices: [Int], scale: WordGridLayout, views: [Int])] {
        var order = Array(0..<training.count)
        order.shuffle(using: &dataGenerator)
        return stride(from: 0, to: order.count, by: options.batchSize).map { start in
            let indices = Array(order[start..<min(order.count, start + options.batchSize)])
            let scale = training.scales[Int.random(in: 0..<training.scales.count, using: &dataGenerator)]
            let views = indices.map { _ in training.views > 1 ? Int.random(in: 0..<training.views, using: &dataGenerator) : 0 }
            return (indices, scale, views)
        }
    }

    /// Forward and backward on one batch, returning its loss and accuracy.
    /// - Parameter stage: where training is, for the error when the loss is not finite.
    /// - Throws: ``TrainingError/nonFiniteLoss(stage:imageIDs:value:)`` before any gradient is kept.
    private func trainingStep(_ batch: (indices: [Int], scale: WordGridLayout, views: [Int]),
                              stage: @autoclosure () -> String) throws -> (loss: Double, accuracy: Double) {
        let (words, labels) = try training.batch(batch.indices, scale: batch.scale, views: batch.views)
        let (logits, _) = model(words)
        let loss = self.loss(logits: logits, labels: labels)
        let value = Double(loss.item)
        guard value.isFinite else {
            throw TrainingError.nonFiniteLoss(stage: "\(stage()) (\(batch.scale))", imageIDs: batch.indices.map { training.split.entries[$0].imageID },
                                              value: value)
        }
        loss.backward()
        return (value, Self.accuracy(logits: logits, labels: labels))
    }

    private func trainEpoch(epoch: Int, learningRate: Double, progress: (TrainingEvent) -> Void) throws -> (loss: Double, accuracy: Double) {
        model.train()
        optimizer.zeroGrad()
        let batches = shuffledBatches()
        let start = Date()
        var totalLoss = 0.0, totalAccuracy = 0.0
        for (index, batch) in batches.enumerated() {
            let (loss, accuracy) = try trainingStep(batch, stage: "epoch \(epoch), batch \(index + 1) of \(batches.count)")
            if (index + 1) % options.accumCount == 0 || index + 1 == batches.count {
                optimizer.step()
                optimizer.zeroGrad()
            }
            totalLoss += loss
            totalAccuracy += accuracy
            if (index + 1) % options.logInterval == 0 || index + 1 == batches.count {
                progress(.batch(epoch: epoch, batch: index + 1, batches: batches.count, meanLoss: totalLoss / Double(index + 1),
                                meanAccuracy: totalAccuracy / Double(index + 1), learningRate: learningRate,
                                elapsedSeconds: Date().timeIntervalSince(start)))
            }
        }
        return (totalLoss / Double(batches.count), totalAccuracy / Double(batches.count))
    }

    /// The reference's `warm_up`: iterations 0…W over repeated passes of the training set, the
    /// learning rate rising linearly from 1e-7 to `lr`; leftover accumulated gradients are dropped.
    private func warmUp(progress: (TrainingEvent) -> Void) throws {
        model.train()
        let warmUp = LinearWarmUp(targetLearningRate: options.lr, requestedIterations: options.warmUpIterations,
                                  samplesPerEpoch: batchesPerEpoch)
        var iteration = 0, totalLoss = 0.0
        while iteration < warmUp.iterationCount {
            let batches = shuffledBatches()
            for (index, batch) in batches.enumerated() where iteration < warmUp.iterationCount {
                let learningRate = warmUp.learningRate(iteration: iteration)
                optimizer.learningRate = Float(learningRate)
                totalLoss += try trainingStep(batch, stage: "warm-up iteration \(iteration + 1) of \(warmUp.iterationCount)").loss
                if (index + 1) % options.accumCount == 0 || index + 1 == batches.count {
                    optimizer.step()
                    optimizer.zeroGrad()
                }
                iteration += 1
                if iteration % options.logInterval == 0 || iteration == warmUp.iterationCount {
                    progress(.warmUp(iteration: iteration, iterations: warmUp.iterationCount, learningRate: learningRate,
                                     meanLoss: totalLoss / Double(iteration)))
                }
            }
        }
        optimizer.zeroGrad()
    }

    /// Mean loss and accuracy on the validation split (base scale, view 0, dropout off).
    /// - Throws: ``TrainingError/nonFiniteLoss(stage:imageIDs:value:)`` naming `stage` and the slides.
    public func validate(stage: String = "validation") throws -> (loss: Double, accuracy: Double) {
        var totalLoss = 0.0, totalAccuracy = 0.0, batches = 0
        for start in stride(from: 0, to: validation.count, by: options.batchSize) {
            let indices = Array(start..<min(validation.count, start + options.batchSize))
            let (words, labels) = try validation.batch(indices, scale: options.baseScale, views: indices.map { _ in 0 })
            let logits = model.infer(words).logits
            let value = Double(withoutGrad { loss(logits: logits, labels: labels) }.item)
            guard value.isFinite else {
                throw TrainingError.nonFiniteLoss(stage: stage, imageIDs: indices.map { validation.split.entries[$0].imageID }, value: value)
            }
            totalLoss += value
            totalAccuracy += Self.accuracy(logits: logits, labels: labels)
            batches += 1
        }
        return (totalLoss / Double(batches), totalAccuracy / Double(batches))
    }

    /// Writes the epoch's files; `checkpoint_last` goes last, so a run stopped in between redoes
    /// the epoch and overwrites what it had written.
    /// Every parameter is checked to be finite before the first file is written.
    private func saveEpoch(_ record: EpochRecord, isBest: Bool, start: Date) throws {
        let state = model.stateDict()
        try RunDirectory.requireFinite(state, writing: run.model(epoch: record.epoch))
        try RunDirectory.writeStateDict(state, to: run.model(epoch: record.epoch), metadata: ["epoch": "\(record.epoch)"])
        if isBest {
            try RunDirectory.writeStateDict(state, to: run.modelBest, metadata: ["epoch": "\(record.epoch)"])
        }
        if options.keepBestKModels > 0 { try keepBestModels(state: state, epoch: record.epoch, accuracy: record.validationAccuracy) }
        var finished = record
        finished.seconds = Date().timeIntervalSince(start)
        try log.append(finished)
        let adamState = (optimizer as? Adam).map { ($0.stepCount, $0.firstMoments, $0.secondMoments) }
        try TrainingCheckpoint(epoch: record.epoch, modelState: state, adamState: adamState, bestAccuracy: bestAccuracy,
                               dataGeneratorState: dataGenerator.stateWords,
                               dropoutGeneratorState: model.randomSource.generator.stateWords).write(to: run.checkpointLast)
    }

    /// Keeps `model_best_<epoch>_<acc>` for the k epochs with the highest validation accuracy
    /// (ties: the later epoch), deleting the files that drop out.
    private func keepBestModels(state: [(key: String, tensor: Tensor)], epoch: Int, accuracy: Double) throws {
        let existing = run.bestOfKModels().filter { $0.epoch != epoch }
        var candidates: [(epoch: Int, accuracy: Double)] = existing.map { ($0.epoch, $0.accuracy) } + [(epoch, accuracy)]
        candidates.sort { ($0.accuracy, $0.epoch) > ($1.accuracy, $1.epoch) }
        let kept = Set(candidates.prefix(options.keepBestKModels).map(\.epoch))
        if kept.contains(epoch) {
            try RunDirectory.writeStateDict(state, to: run.bestOfK(epoch: epoch, accuracy: accuracy), metadata: ["epoch": "\(epoch)"])
        }
        for file in existing where !kept.contains(file.epoch) { try? FileManager.default.removeItem(at: file.url) }
    }
}
