import Pipeline
import Slides

/// The sizes and training settings of one `hatnet demo` run: how many synthetic slides of which
/// size, the grid they are cut into, and how the attention network is trained.
///
/// Two presets exist: ``standard(seed:)`` (the README's `make demo`, sized to finish within ten
/// minutes in a release build on two cores) and ``small(seed:)`` (`--small`: every stage on a
/// much smaller cohort, for CI's debug build). Everything is derived from `seed`, so a run is
/// reproducible.
public struct DemoConfiguration: Codable, Equatable, Sendable {
    /// Synthetic slides generated per diagnostic class (split about 70/15/15 into train/val/test).
    public var slidesPerClass: Int
    /// Level-0 size of every synthetic slide, in pixels.
    public var slideWidth: Int
    public var slideHeight: Int
    /// The single (bag, word) scale the slides are cut at (no multi-scale training: every extra
    /// scale would cost another full feature extraction).
    public var bagSize: Int
    public var wordSize: Int
    /// Training epochs and Adam's learning rate.
    public var epochs: Int
    public var learningRate: Double
    /// Width d and heads of the attention network.
    public var outFeatures: Int
    public var attentionHeads: Int
    /// Dropout and attention dropout.
    public var dropout: Double
    public var attentionDropout: Double
    /// Longer side of the attention figures, in pixels.
    public var figureSize: Int
    /// Share of bags and words called "top" in the attention figures and coverage figures.
    public var topFraction: Double
    /// Seed of the cohort, augmentations, initialisation and data order.
    public var seed: UInt64

    public init(slidesPerClass: Int, slideWidth: Int, slideHeight: Int, bagSize: Int, wordSize: Int, epochs: Int,
                learningRate: Double, outFeatures: Int, attentionHeads: Int, dropout: Double, attentionDropout: Double,
                figureSize: Int, topFraction: Double, seed: UInt64) {
        self.slidesPerClass = slidesPerClass
        self.slideWidth = slideWidth
        self.slideHeight = slideHeight
        self.bagSize = bagSize
        self.wordSize = wordSize
        self.epochs = epochs
        self.learningRate = learningRate
        self.outFeatures = outFeatures
        self.attentionHeads = attentionHeads
        self.dropout = dropout
        self.attentionDropout = attentionDropout
        self.figureSize = figureSize
        self.topFraction = topFraction
        self.seed = seed
    }

    /// The default seed of `hatnet demo`.
    public static let defaultSeed: UInt64 = 1882

    /// `make demo`: 80 slides of 3072×2304 cut into 4×4 bags of 4×4 words of 192 px.
    public static func standard(seed: UInt64 = defaultSeed) -> DemoConfiguration {
        DemoConfiguration(slidesPerClass: 20, slideWidth: 3072, slideHeight: 2304, bagSize: 768, wordSize: 192, epochs: 30,
                          learningRate: 5e-4, outFeatures: 128, attentionHeads: 4, dropout: 0.2, attentionDropout: 0.1,
                          figureSize: 512, topFraction: 0.5, seed: seed)
    }

    /// `--small`: 24 slides of 1024×768 cut into 4×4 bags of 4×4 words of 64 px — every stage, in
    /// about a minute of a debug build.
    public static func small(seed: UInt64 = defaultSeed) -> DemoConfiguration {
        DemoConfiguration(slidesPerClass: 6, slideWidth: 1024, slideHeight: 768, bagSize: 256, wordSize: 64, epochs: 20,
                          learningRate: 1e-3, outFeatures: 64, attentionHeads: 4, dropout: 0.2, attentionDropout: 0.1,
                          figureSize: 384, topFraction: 0.5, seed: seed)
    }

    /// The scale the slides are cut at.
    public var scale: WordGridLayout { WordGridLayout(bagSize: bagSize, wordSize: wordSize) }

    /// Rejects sizes the pipeline cannot run with, naming the field.
    public func validate() throws {
        func fail(_ message: String) -> DemoError { .invalidConfiguration(message) }
        guard slidesPerClass >= 3 else { throw fail("slidesPerClass must be at least 3 (one each for train, val and test), got \(slidesPerClass)") }
        guard slideWidth >= 256, slideHeight >= 256 else { throw fail("slides must be at least 256×256, got \(slideWidth)×\(slideHeight)") }
        guard wordSize > 0, bagSize > 0, bagSize % wordSize == 0 else {
            throw fail("bagSize \(bagSize) must be a positive multiple of wordSize \(wordSize)")
        }
        guard epochs >= 1 else { throw fail("epochs must be at least 1, got \(epochs)") }
        guard topFraction > 0, topFraction <= 1 else { throw fail("topFraction must be in (0, 1], got \(topFraction)") }
        guard figureSize >= 16 else { throw fail("figureSize must be at least 16 pixels, got \(figureSize)") }
    }

    /// The training options of `hatnet train` this configuration stands for: Adam at a fixed rate,
    /// one scale, one view, no warm-up, balanced classes (so no class weights).
    func trainingOptions(featureDirectory: String, trainFile: String, valFile: String, testFile: String,
                         savedir: String) -> TrainingOptions {
        var options = TrainingOptions()
        options.featureDirectory = featureDirectory
        options.trainFile = trainFile
        options.valFile = valFile
        options.testFile = testFile
        options.bagSize = bagSize
        options.wordSize = wordSize
        options.scaleMultipliers = [0]
        options.optim = .adam
        options.lr = learningRate
        options.scheduler = .fixed
        options.outFeatures = outFeatures
        options.attnHeads = attentionHeads
        options.dropout = dropout
        options.attnP = attentionDropout
        options.epochs = epochs
        options.seed = seed
        options.logInterval = 1
        options.savedir = savedir
        return options
    }
}
