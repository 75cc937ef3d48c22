import FileOutput
import Foundation
import HATNet
import NN
import Slides

/// Every option of a training run, with the reference's names (`config/opts.py` and the option
/// groups it collects) and defaults, so the saved config reads like the authors' argument dump.
///
/// The reference defaults are those of opts.py; the released models used the overrides of
/// training_script.sh: `bag_size` 1792, `optim` adam, `lr` 1e-4, `scheduler` multistep,
/// `step_size` [51], `accum_count` 8, `warm_up` with 600 iterations, `attn_heads` 4,
/// `out_features` 256, `class_weights`.
///
/// Options that exist only here (not in the reference) are marked as such.
public struct TrainingOptions: Codable, Equatable, Sendable {
    // MARK: Data
    /// `--train-file`, `--val-file`, `--test-file`: split files (`image_id,label` lines).
    public var trainFile: String = "train.txt"
    public var valFile: String = "val.txt"
    public var testFile: String = "test.txt"
    /// Ours: the feature cache key directory that `hatnet features` printed.
    public var featureDirectory: String = ""
    /// Ours: augmented views per slide in the cache (view 0 is the untransformed slide).
    public var views: Int = 1
    /// Ours: the diagnostic classes, one per label index.
    public var classNames: [String] = SlideClasses.defaultNames
    /// `--bag-size`, `--word-size`: the base scale (``WordGridLayout/standard``, opts.py's 1024 and 256).
    public var bagSize: Int = WordGridLayout.standard.bagSize
    public var wordSize: Int = WordGridLayout.standard.wordSize
    /// `--scale-factor`, `--scale-multipliers`: multi-scale training picks one of
    /// `word + factor · m` per batch (``WordGridLayout/multiScalePairs(scaleFactor:multipliers:)``).
    public var scaleFactor: Int = 32
    public var scaleMultipliers: [Int] = [-2, -1, 0, 1, 2]
    /// `--batch-size`: slides per batch.
    public var batchSize: Int = 1

    // MARK: Optimizer
    public enum OptimizerKind: String, Codable, CaseIterable, Sendable { case sgd, adam }
    /// `--optim`.
    public var optim: OptimizerKind = .sgd
    public var adamBeta1: Double = 0.9
    public var adamBeta2: Double = 0.999
    /// `--lr`.
    public var lr: Double = 0.0005
    public var weightDecay: Double = 4e-6
    /// `--accum-count`: batches whose gradients are summed before one optimizer step.
    public var accumCount: Int = 1

    // MARK: Loss
    /// `--loss-fn`: only `ce` (the reference's `bce` needs one-hot targets and is not used by it).
    public var lossFn: String = "ce"
    public var labelSmoothing: Bool = false
    public var labelSmoothingEps: Double = 0.1
    /// `--class-weights`: weight classes by log(1 / frequency in the training split).
    public var classWeights: Bool = false

    // MARK: Model
    public var outFeatures: Int = 128
    public var attnHeads: Int = 2
    public var dropout: Double = 0.4
    /// `--attn-p`: dropout on the word and bag attention weights.
    public var attnP: Double = 0.2
    public var attnType: HATNetConfiguration.EnergyReduction = .l2
    public var attnFn: HATNetConfiguration.AttentionFunction = .softmax
    /// `--keep-best-k-models`: also keep `model_best_<epoch>_<acc>` for the k best epochs (−1: off).
    public var keepBestKModels: Int = -1

    // MARK: Schedule
    public var scheduler: LearningRateScheduleKind = .hybrid
    public var stepSize: [Int] = [51]
    public var lrDecay: Double = 0.5
    public var cycleLen: Int = 5
    public var clrMax: Int = 61
    public var power: Double = 0.9
    public var warmUp: Bool = false
    /// `--warm-up-min-lr`: printed by the reference but not used (its ramp starts at 1e-7).
    public var warmUpMinLr: Double = 1e-7
    public var warmUpIterations: Int = 2000

    // MARK: General
    public var epochs: Int = 100
    public var seed: UInt64 = 1882
    /// `--log-interval`: batches between progress reports.
    public var logInterval: Int = 5
    /// `--savedir`: the run directory.
    public var savedir: String = ""

    public init() {}

    /// Every option at its default: the one place the defaults of `hatnet train` come from.
    public static let defaults = TrainingOptions()

    enum CodingKeys: String, CodingKey {
        case trainFile = "train_file", valFile = "val_file", testFile = "test_file"
        case featureDirectory = "feature_dir", views, classNames = "class_names"
        case bagSize = "bag_size", wordSize = "word_size", scaleFactor = "scale_factor"
        case scaleMultipliers = "scale_multipliers", batchSize = "batch_size"
        case optim, adamBeta1 = "adam_beta1", adamBeta2 = "adam_beta2", lr, weightDecay = "weight_decay"
        case accumCount = "accum_count", lossFn = "loss_fn", labelSmoothing = "label_smoothing"
        case labelSmoothingEps = "label_smoothing_eps", classWeights = "class_weights"
        case outFeatures = "out_features", attnHeads = "attn_heads", dropout, attnP = "attn_p"
        case attnType = "attn_type", attnFn = "attn_fn", keepBestKModels = "keep_best_k_models"
        case scheduler, stepSize = "step_size", lrDecay = "lr_decay", cycleLen = "cycle_len", clrMax = "clr_max"
        case power, warmUp = "warm_up", warmUpMinLr = "warm_up_min_lr", warmUpIterations = "warm_up_iterations"
        case epochs, seed, logInterval = "log_interval", savedir
    }

    /// The base scale (`bag_size`, `word_size`).
    public var baseScale: WordGridLayout { WordGridLayout(bagSize: bagSize, wordSize: wordSize) }

    /// The scales multi-scale training draws from.
    public var trainingScales: [WordGridLayout] {
        baseScale.multiScalePairs(scaleFactor: scaleFactor, multipliers: scaleMultipliers)
    }

    /// The learning-rate schedule of `get_lr_scheduler(opts)`.
    public var scheduleOptions: LearningRateScheduleOptions {
        var options = LearningRateScheduleOptions(kind: scheduler, baseLearningRate: lr, epochs: epochs)
        options.stepSizes = stepSize
        options.decayFactor = lrDecay
        options.cycleLength = cycleLen
        options.cyclicEpochs = clrMax
        options.power = power
        return options
    }

    /// The attention network these options build for CNN features of width `cnnFeatures`.
    public func modelConfiguration(cnnFeatures: Int) -> HATNetConfiguration {
        HATNetConfiguration(numClasses: classNames.count, cnnFeatures: cnnFeatures, outFeatures: outFeatures,
                            numBagsWords: baseScale.bagsPerSide, numHeads: attnHeads, dropout: Float(dropout),
                            attentionDropout: Float(attnP), energyReduction: attnType, attentionFunction: attnFn)
    }

    /// The largest number of epochs, step size, cycle length or `--clr-max` accepted: far beyond
    /// any real run, and small enough that no epoch arithmetic can overflow.
    public static let maximumEpochs = 1_000_000
    /// The largest bag, word or scale-factor size in pixels accepted.
    public static let maximumGridSize = 1 << 20

    /// The settings `hatnet features` shares with training, which decide what the feature cache
    /// holds: the base grid (also checked by ``WordGridLayout/init(validatingBagSize:wordSize:)``),
    /// the multi-scale word sizes, the views and the class names. Part of ``validate()``.
    /// - Throws: ``TrainingError/invalidOption(_:)``.
    public func validateFeatureSettings() throws {
        // Data and grid.
        try requireCount(wordSize, "--word-size", in: 1...Self.maximumGridSize)
        try requireCount(bagSize, "--bag-size", in: 1...Self.maximumGridSize)
        guard bagSize % wordSize == 0 else {
            throw fail("--bag-size \(bagSize) must be a positive multiple of --word-size \(wordSize)")
        }
        do { _ = try WordGridLayout(validatingBagSize: bagSize, wordSize: wordSize) } catch {
            throw fail("--bag-size \(bagSize) and --word-size \(wordSize): \(error)")
        }
        try requireCount(scaleFactor, "--scale-factor", in: 1...Self.maximumGridSize)
        guard !scaleMultipliers.isEmpty else { throw fail("--scale-multipliers needs at least one value") }
        for multiplier in scaleMultipliers { try requireCount(multiplier, "--scale-multipliers values", in: -1024...1024) }
        guard !trainingScales.isEmpty else {
            throw fail("--scale-multipliers \(scaleMultipliers.map(String.init).joined(separator: ",")) with --word-size \(wordSize) "
                       + "and --scale-factor \(scaleFactor) give no positive word size; include 0 for the base scale")
        }
        try requireCount(views, "--views", in: 1...10_000)
        try SlideClasses.validate(classNames)
    }

    /// Rejects every value the trainer cannot run with, naming the option: non-finite or
    /// out-of-range numbers, and the combinations the schedules and the trainer require (each
    /// precondition of ``LearningRateScheduleOptions/makeSchedule()``, ``LinearWarmUp``,
    /// ``CachedFeatureDataset`` and ``HATNetConfiguration/validate()`` is checked here first, so
    /// none of them can stop the process).
    /// - Throws: ``TrainingError/invalidOption(_:)``.
    public func validate() throws {
        try validateFeatureSettings()
        try requireCount(batchSize, "--batch-size", in: 1...1_000_000)
        guard !savedir.isEmpty else { throw fail("--savedir must name the run directory") }

        // Optimizer and loss.
        try requireFinite(lr, "--lr")
        guard lr > 0, Float(lr) > 0 else { throw fail("--lr must be positive, got \(lr)") }
        try requireFinite(weightDecay, "--weight-decay")
        guard weightDecay >= 0 else { throw fail("--weight-decay must not be negative, got \(weightDecay)") }
        try requireFraction(adamBeta1, "--adam-beta1")
        try requireFraction(adamBeta2, "--adam-beta2")
        try requireCount(accumCount, "--accum-count", in: 1...1_000_000)
        guard lossFn == "ce" else { throw fail("--loss-fn \(lossFn) is not supported (only ce)") }
        try requireFraction(labelSmoothingEps, "--label-smoothing-eps")

        // Model.
        try requireCount(outFeatures, "--out-features", in: 2...65_536)
        try requireCount(attnHeads, "--attn-heads", in: 1...outFeatures)
        guard outFeatures % attnHeads == 0 else {
            throw fail("--out-features \(outFeatures) must be a positive multiple of --attn-heads \(attnHeads)")
        }
        guard outFeatures % 2 == 0 else { throw fail("--out-features must be even (the feed-forward layers halve it), got \(outFeatures)") }
        try requireFraction(dropout, "--dropout")
        try requireFraction(attnP, "--attn-p")
        try requireCount(keepBestKModels, "--keep-best-k-models", in: -1...1_000_000)

        // Schedule: every value is checked, used by the chosen scheduler or not, since all of
        // them are saved in the run's config.
        try requireCount(epochs, "--epochs", in: 1...Self.maximumEpochs)
        guard !stepSize.isEmpty else { throw fail("--step-size needs at least one value") }
        for step in stepSize { try requireCount(step, "--step-size values", in: 1...Self.maximumEpochs) }
        if stepSize.count > 1, zip(stepSize, stepSize.dropFirst()).contains(where: { $0 >= $1 }) {
            throw fail("--step-size milestones must increase, got \(stepSize.map(String.init).joined(separator: " "))")
        }
        try requireFinite(lrDecay, "--lr-decay")
        guard lrDecay > 0 else { throw fail("--lr-decay must be positive, got \(lrDecay)") }
        try requireCount(cycleLen, "--cycle-len", in: 1...Self.maximumEpochs)
        try requireCount(clrMax, "--clr-max", in: 0...Self.maximumEpochs)
        try requireFinite(power, "--power")
        try requireFinite(warmUpMinLr, "--warm-up-min-lr")
        try requireCount(warmUpIterations, "--warm-up-iterations", in: 0...10_000_000)
        switch scheduler {
        case .multistep, .clr:
            if scheduleOptions.milestones.isEmpty {
                throw fail("--scheduler \(scheduler.rawValue) needs a milestone: --step-size \(stepSize[0]) with --epochs \(epochs) "
                           + "gives none (the reference asserts the same); use a step size below --epochs or list milestones")
            }
            if scheduler == .clr, lrDecay > 1 {
                throw fail("--lr-decay must be in (0, 1] with --scheduler clr (the reference asserts the same), got \(lrDecay)")
            }
            if scheduler == .multistep, lrDecay > 1,
               !Float(lr * Foundation.pow(lrDecay, Double(scheduleOptions.milestones.count))).isFinite {
                throw fail("--lr \(lr) times --lr-decay \(lrDecay) at each of \(scheduleOptions.milestones.count) milestones "
                           + "exceeds the largest representable learning rate")
            }
            if scheduler == .clr, !Float(lr * Double(cycleLen)).isFinite {
                throw fail("--lr \(lr) times --cycle-len \(cycleLen) (the cycle's largest rate) is not a finite learning rate")
            }
        case .hybrid:
            if !Float(lr * Double(cycleLen)).isFinite {
                throw fail("--lr \(lr) times --cycle-len \(cycleLen) (the cycle's largest rate) is not a finite learning rate")
            }
        case .poly:
            guard power > 0, power < 1 else {
                throw fail("--power must be in (0, 1) with --scheduler poly (the reference asserts the same), got \(power)")
            }
        case .fixed, .cosine, .linear:
            break
        }
        guard logInterval >= 1 else { throw fail("--log-interval must be at least 1, got \(logInterval)") }
    }

    private func fail(_ message: String) -> TrainingError { .invalidOption(message) }

    private func requireCount(_ value: Int, _ option: String, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw fail("\(option) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
    }

    private func requireFinite(_ value: Double, _ option: String) throws {
        guard value.isFinite, Float(value).isFinite else { throw fail("\(option) must be a finite number, got \(value)") }
    }

    private func requireFraction(_ value: Double, _ option: String) throws {
        guard (0..<1).contains(value) else { throw fail("\(option) must be in [0, 1), got \(value)") }
    }

    /// The file name the reference gives the argument dump:
    /// `mimodel_config_bag_<B>_word_<W>_<attn_fn>_<attn_type>.json`.
    public var configFileName: String {
        "mimodel_config_bag_\(bagSize)_word_\(wordSize)_\(attnFn.rawValue)_\(attnType.rawValue).json"
    }

    /// The reference's name of the validation-accuracy file:
    /// `val_stats_bag_<B>_word_<W>_<attn_fn>_<attn_type>.json`.
    public var validationStatsFileName: String {
        "val_stats_bag_\(bagSize)_word_\(wordSize)_\(attnFn.rawValue)_\(attnType.rawValue).json"
    }

    /// The options as pretty, key-sorted JSON (the run's config file).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads a config file written by ``jsonText()``.
    public static func load(from url: URL) throws -> TrainingOptions {
        let data: Data
        do { data = try FileContents.read(url, maximumBytes: 1 << 24, kind: "training config") } catch let error as FileError {
            throw TrainingError.badRunDirectory(path: url.path, reason: "cannot read the training config: \(error.problem)")
        }
        do { return try JSONDecoder().decode(TrainingOptions.self, from: data) } catch {
            throw TrainingError.badRunDirectory(path: url.path, reason: "is not a hatnet training config (\(error))")
        }
    }
}

/// The reference's diagnostic classes (`BBWSIDataset.class_names`).
public enum SlideClasses {
    public static let defaultNames = ["Benign", "Atypia", "DCIS", "Invasive"]

    /// Rejects a list of class names (`--class-names`) that cannot label slides: fewer than two or
    /// more than 1000, an empty name or one holding a comma or control character, or a name given
    /// twice (labels in split files match names case-insensitively).
    /// - Throws: ``TrainingError/invalidOption(_:)``.
    public static func validate(_ classNames: [String]) throws {
        let count = classNames.count
        guard (2...1000).contains(count) else {
            throw TrainingError.invalidOption("the number of class names (--class-names) must be between 2 and 1000, got \(count)")
        }
        for name in classNames {
            guard !name.isEmpty, !name.contains(where: { $0 == "," || $0.isNewline }),
                  !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw TrainingError.invalidOption("--class-names: \"\(name)\" is not a class name (empty, or holds a comma or a control character)")
            }
        }
        let lowercased = classNames.map { $0.lowercased() }
        if let duplicate = lowercased.indices.first(where: { lowercased[..<$0].contains(lowercased[$0]) }) {
            throw TrainingError.invalidOption("--class-names lists \(classNames[duplicate]) twice (labels match names case-insensitively)")
        }
    }
}

extension LearningRateScheduleKind: Codable {}
