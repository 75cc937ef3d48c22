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
    /// `--bag-size`, `--word-size`: the base scale.
    public var bagSize: Int = 1024
    public var wordSize: Int = 256
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

    /// Rejects values the trainer cannot run with, naming the option.
    public func validate() throws {
        func fail(_ message: String) -> TrainingError { .invalidOption(message) }
        guard wordSize > 0, bagSize > 0, bagSize % wordSize == 0 else {
            throw fail("--bag-size \(bagSize) must be a positive multiple of --word-size \(wordSize)")
        }
        guard scaleFactor > 0 else { throw fail("--scale-factor must be positive, got \(scaleFactor)") }
        guard !scaleMultipliers.isEmpty else { throw fail("--scale-multipliers needs at least one value") }
        guard views >= 1 else { throw fail("--views must be at least 1, got \(views)") }
        guard classNames.count >= 2 else { throw fail("at least two class names are needed, got \(classNames)") }
        guard batchSize >= 1 else { throw fail("--batch-size must be at least 1, got \(batchSize)") }
        guard accumCount >= 1 else { throw fail("--accum-count must be at least 1, got \(accumCount)") }
        guard lr > 0 else { throw fail("--lr must be positive, got \(lr)") }
        guard weightDecay >= 0 else { throw fail("--weight-decay must not be negative, got \(weightDecay)") }
        guard (0..<1).contains(adamBeta1), (0..<1).contains(adamBeta2) else {
            throw fail("--adam-beta1 and --adam-beta2 must be in [0, 1), got \(adamBeta1), \(adamBeta2)")
        }
        guard lossFn == "ce" else { throw fail("--loss-fn \(lossFn) is not supported (only ce)") }
        guard (0..<1).contains(labelSmoothingEps) else { throw fail("--label-smoothing-eps must be in [0, 1), got \(labelSmoothingEps)") }
        guard outFeatures > 0, attnHeads > 0, outFeatures % attnHeads == 0 else {
            throw fail("--out-features \(outFeatures) must be a positive multiple of --attn-heads \(attnHeads)")
        }
        guard (0..<1).contains(dropout), (0..<1).contains(attnP) else {
            throw fail("--dropout and --attn-p must be in [0, 1), got \(dropout), \(attnP)")
        }
        guard epochs >= 1 else { throw fail("--epochs must be at least 1, got \(epochs)") }
        guard stepSize.allSatisfy({ $0 > 0 }) else { throw fail("--step-size values must be positive, got \(stepSize)") }
        if scheduler == .multistep || scheduler == .clr, scheduleOptions.milestones.isEmpty {
            throw fail("--scheduler \(scheduler.rawValue) needs a milestone: --step-size \(stepSize[0]) with --epochs \(epochs) "
                       + "gives none (the reference asserts the same); use a step size below --epochs or list milestones")
        }
        guard warmUpIterations >= 0 else { throw fail("--warm-up-iterations must not be negative") }
        guard logInterval >= 1 else { throw fail("--log-interval must be at least 1") }
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
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingError.badRunDirectory(path: url.path, reason: "cannot read the training config (\(error.localizedDescription))")
        }
        do { return try JSONDecoder().decode(TrainingOptions.self, from: data) } catch {
            throw TrainingError.badRunDirectory(path: url.path, reason: "is not a hatnet training config (\(error))")
        }
    }
}

/// The reference's diagnostic classes (`BBWSIDataset.class_names`).
public enum SlideClasses {
    public static let defaultNames = ["Benign", "Atypia", "DCIS", "Invasive"]
}

extension LearningRateScheduleKind: Codable {}
