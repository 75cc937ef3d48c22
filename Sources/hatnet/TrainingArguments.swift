import ArgumentParser
import Foundation
import HATNet
import NN
import Pipeline
import Slides

// Options that mirror ``TrainingOptions``: each default is the library's (`TrainingOptions.defaults`)
// and each rule is ``TrainingOptions/validate()``'s; these types only parse.

private let defaults = TrainingOptions.defaults

extension LearningRateScheduleKind: ExpressibleByArgument {}
extension TrainingOptions.OptimizerKind: ExpressibleByArgument {}
extension HATNetConfiguration.EnergyReduction: ExpressibleByArgument {}
extension HATNetConfiguration.AttentionFunction: ExpressibleByArgument {}

/// The settings `hatnet features` caches and `hatnet train` reads back, so the two commands
/// declare them once: the base grid, the multi-scale word sizes, the views and the class names.
/// Checked by ``TrainingOptions/validateFeatureSettings()``.
struct FeatureSetOptions: ParsableArguments {
    @OptionGroup var grid: GridSizeOptions

    @Option(help: "Word-size step of multi-scale training.")
    var scaleFactor = defaults.scaleFactor

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Comma-separated multipliers m: the scales have words of word-size + scale-factor·m "
                               + "(0 alone: the base scale only).", valueName: "m,m,…"))
    var scaleMultipliers = ScaleMultipliers(defaults.scaleMultipliers)

    @Option(help: "Views per slide and scale in the cache (view 0 untransformed, the others augmented); training draws one per slide.")
    var views = defaults.views

    @Option(help: ArgumentHelp("Comma-separated class names, one per label index.", valueName: "a,b,…"))
    var classNames = ClassNames(defaults.classNames)

    /// Sets these settings in `options`.
    func apply(to options: inout TrainingOptions) {
        (options.bagSize, options.wordSize) = grid.sizes
        options.scaleFactor = scaleFactor
        options.scaleMultipliers = scaleMultipliers.values
        options.views = views
        options.classNames = classNames.names
    }

    /// The default training options with these settings.
    var trainingOptions: TrainingOptions {
        var options = defaults
        apply(to: &options)
        return options
    }

    func validate() throws {
        try libraryRule { try trainingOptions.validateFeatureSettings() }
    }
}

/// The remaining settings of a training run (``TrainingOptions``), in the reference's groups.
struct TrainingArguments: ParsableArguments {
    // MARK: Data
    @Option(help: "Training split file (image_id,label lines).") var trainFile = defaults.trainFile
    @Option(help: "Validation split file.") var valFile = defaults.valFile
    @Option(help: "Test split file (recorded in the config for `hatnet eval`).") var testFile = defaults.testFile
    @Option(help: "Slides per batch.") var batchSize = defaults.batchSize

    // MARK: Optimizer and loss
    @Option(help: "Optimizer: sgd | adam.") var optim = defaults.optim
    @Option(help: "Adam β₁.") var adamBeta1 = defaults.adamBeta1
    @Option(help: "Adam β₂.") var adamBeta2 = defaults.adamBeta2
    @Option(help: "Initial learning rate.") var lr = defaults.lr
    @Option(help: "Weight decay (L2, added to the gradient).") var weightDecay = defaults.weightDecay
    @Option(help: "Batches whose gradients are summed before each optimizer step.") var accumCount = defaults.accumCount
    @Option(help: "Loss function (ce: cross-entropy).") var lossFn = defaults.lossFn
    @Flag(help: "Label-smoothed cross-entropy (class weights are then not used, as in the reference).")
    var labelSmoothing = defaults.labelSmoothing
    @Option(help: "Label smoothing ε.") var labelSmoothingEps = defaults.labelSmoothingEps
    @Flag(help: "Weight classes by log(1 / frequency) in the training split.") var classWeights = defaults.classWeights

    // MARK: Model
    @Option(help: "Width d of the attention network.") var outFeatures = defaults.outFeatures
    @Option(help: "Attention heads (must divide --out-features).") var attnHeads = defaults.attnHeads
    @Option(help: "Dropout.") var dropout = defaults.dropout
    @Option(help: "Dropout on the word and bag attention weights.") var attnP = defaults.attnP
    @Option(help: "Energy reduction: l1 | l2 | avg.") var attnType = defaults.attnType
    @Option(help: "Attention function: softmax | sigmoid | tanh.") var attnFn = defaults.attnFn
    @Option(help: "Also keep model_best_<epoch>_<acc> for the k best epochs (-1: off).") var keepBestKModels = defaults.keepBestKModels

    // MARK: Schedule
    @Option(help: "LR scheduler: multistep | fixed | clr | hybrid | cosine | poly | linear.") var scheduler = defaults.scheduler
    @Option(parsing: .upToNextOption, help: "Step size (one value: every n epochs) or milestones (several values).")
    var stepSize = defaults.stepSize
    @Option(help: "Factor the LR is multiplied by at each step.") var lrDecay = defaults.lrDecay
    @Option(help: "Cycle length of clr and hybrid.") var cycleLen = defaults.cycleLen
    @Option(help: "Epochs of cyclic LR in hybrid.") var clrMax = defaults.clrMax
    @Option(help: "Power of the poly schedule.") var power = defaults.power
    @Flag(help: "Linear LR warm-up from 1e-7 before the first epoch.") var warmUp = defaults.warmUp
    @Option(help: "Warm-up iterations (rounded up to whole epochs).") var warmUpIterations = defaults.warmUpIterations

    // MARK: General
    @Option(help: "Training epochs.") var epochs = defaults.epochs
    @Option(help: "Random seed (initialisation, data order, scales, views, dropout).") var seed = defaults.seed
    @Option(help: "Batches between progress lines.") var logInterval = defaults.logInterval

    /// Sets these settings in `options`: the one place the parsed values reach ``TrainingOptions``.
    func apply(to options: inout TrainingOptions) {
        options.trainFile = trainFile
        options.valFile = valFile
        options.testFile = testFile
        options.batchSize = batchSize
        options.optim = optim
        options.adamBeta1 = adamBeta1
        options.adamBeta2 = adamBeta2
        options.lr = lr
        options.weightDecay = weightDecay
        options.accumCount = accumCount
        options.lossFn = lossFn
        options.labelSmoothing = labelSmoothing
        options.labelSmoothingEps = labelSmoothingEps
        options.classWeights = classWeights
        options.outFeatures = outFeatures
        options.attnHeads = attnHeads
        options.dropout = dropout
        options.attnP = attnP
        options.attnType = attnType
        options.attnFn = attnFn
        options.keepBestKModels = keepBestKModels
        options.scheduler = scheduler
        options.stepSize = stepSize
        options.lrDecay = lrDecay
        options.cycleLen = cycleLen
        options.clrMax = clrMax
        options.power = power
        options.warmUp = warmUp
        options.warmUpIterations = warmUpIterations
        options.epochs = epochs
        options.seed = seed
        options.logInterval = logInterval
    }
}
