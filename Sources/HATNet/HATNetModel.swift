import NN
import TensorKit

/// The holistic attention network (`MIModel` of the reference's model/mi_model_e2e.py; Mehta et
/// al., arXiv:2007.13007, Fig. 3).
///
/// From CNN word features `[B, Nb, Nw, F]` (Nb = Nw = n²) to diagnostic logits `[B, C]`:
/// 1. project words to d features;
/// 2. word-to-word self-attention over all words of the slide, then an energy over each word
///    turns each bag's words into one bag vector (word→bag), through an FFN;
/// 3. the same word→bag pooling directly on the projected CNN words, through a second FFN;
/// 4. contextual bag-to-bag attention between the two bag sets, an energy over bags pools them
///    into one slide vector (bag→image), through an FFN;
/// 5. a linear classifier.
///
/// State-dict keys are the reference's: `project_cnn_words`, `attn_ovr_words`, `attn_ovr_bags`,
/// `ffn_w2b_sa`, `ffn_w2b_cnn`, `ffn_b2s`, `bag_word_wt`, `classifier`.
public final class HATNetModel: Module {
    public let configuration: HATNetConfiguration
    public let wordProjection: Linear
    public let wordAttention: SelfAttention
    public let bagAttention: ContextualAttention
    public let energyDropout: Dropout
    public let selfAttendedWordsToBag: FeedForward
    public let cnnWordsToBag: FeedForward
    public let bagsToSlide: FeedForward
    /// Mixes energies across the n² positions of a bag (or of the slide's bags); no bias.
    public let positionMixing: Linear
    public let classifier: Linear
    /// Shared by every dropout layer; reseed it for reproducible training.
    public let randomSource: RandomSource

    /// Builds the model with the reference's initialisation (`reset_params`): Xavier-uniform
    /// linear weights, zero biases, unit layer-norm weights.
    public init(configuration: HATNetConfiguration, seed: UInt64 = 0) {
        self.configuration = configuration
        var generator = SeededGenerator(seed: seed)
        randomSource = RandomSource(seed: seed &+ 1)
        let d = configuration.outFeatures
        wordProjection = Linear(inputFeatures: configuration.cnnFeatures, outputFeatures: d, generator: &generator)
        wordAttention = SelfAttention(features: d, numHeads: configuration.numHeads, dropout: configuration.dropout,
                                      generator: &generator, randomSource: randomSource)
        bagAttention = ContextualAttention(features: d, numHeads: configuration.numHeads, dropout: configuration.dropout,
                                           generator: &generator, randomSource: randomSource)
        energyDropout = Dropout(probability: configuration.attentionDropout, randomSource: randomSource)
        selfAttendedWordsToBag = FeedForward(inputFeatures: d, scale: 2, dropout: configuration.dropout,
                                             generator: &generator, randomSource: randomSource)
        cnnWordsToBag = FeedForward(inputFeatures: d, scale: 2, dropout: configuration.dropout,
                                    generator: &generator, randomSource: randomSource)
        bagsToSlide = FeedForward(inputFeatures: d, scale: 2, dropout: configuration.dropout,
                                  generator: &generator, randomSource: randomSource)
        let positions = configuration.positionsPerGrid
        positionMixing = Linear(inputFeatures: positions, outputFeatures: positions, bias: false, generator: &generator)
        classifier = Linear(inputFeatures: d, outputFeatures: configuration.numClasses, generator: &generator)
        super.init()
        resetParameters(generator: &generator)
    }

    public override var children: [(name: String, module: Module)] {
        [("project_cnn_words", wordProjection), ("attn_ovr_words", wordAttention), ("attn_ovr_bags", bagAttention),
         ("attn_dropout", energyDropout), ("ffn_w2b_sa", selfAttendedWordsToBag), ("ffn_w2b_cnn", cnnWordsToBag),
         ("ffn_b2s", bagsToSlide), ("bag_word_wt", positionMixing), ("classifier", classifier)]
    }

    private func resetParameters(generator: inout SeededGenerator) {
        for (name, parameter) in namedParameters() {
            if name.hasSuffix(".bias") {
                parameter.assign(.zeros(parameter.shape))
            } else if parameter.shape.count == 1 {
                parameter.assign(.ones(parameter.shape))          // layer-norm weights
            } else {
                parameter.assign(.xavierUniform(parameter.shape, generator: &generator))
            }
        }
    }

    /// The energy function: reduce features (l1 / l2 norm or sum) divided by the feature count,
    /// mix positions with `bag_word_wt`, apply `attn_fn`, then attention dropout.
    ///
    /// Shapes: `[..., P, d]` → weights `[..., 1, P]` and the raw energy `[..., P]` (before mixing),
    /// where P = n² positions.
    func energy(_ x: Tensor) -> (weights: Tensor, rawEnergy: Tensor) {
        let features = Float(x.shape[x.rank - 1])
        let reduced: Tensor
        switch configuration.energyReduction {
        case .l1: reduced = x.norm(p: 1, axis: -1)
        case .l2: reduced = x.norm(p: 2, axis: -1)
        case .avg: reduced = x.sum(axis: -1)
        }
        let rawEnergy = reduced / features
        let mixed = positionMixing(rawEnergy)
        let weights: Tensor
        switch configuration.attentionFunction {
        case .softmax: weights = mixed.softmax(axis: -1)
        case .sigmoid: weights = mixed.sigmoid()
        case .tanh: weights = mixed.tanh()
        }
        return (energyDropout(weights.unsqueezed(axis: -2)), rawEnergy)
    }

    /// Classifies a batch of slides.
    ///
    /// - Parameter words: CNN word features `[B, Nb, Nw, F]` with Nb = Nw = n².
    /// - Returns: logits `[B, C]`, and the ``AttentionScores`` when `needAttention`.
    public func callAsFunction(_ words: Tensor, needAttention: Bool = false) -> (logits: Tensor, attention: AttentionScores?) {
        let positions = configuration.positionsPerGrid
        precondition(words.rank == 4 && words.shape[1] == positions && words.shape[2] == positions
                     && words.shape[3] == configuration.cnnFeatures,
                     "HATNet: words must be [B, \(positions), \(positions), \(configuration.cnnFeatures)], got \(words.shape)")
        // Step 1: [B, Nb, Nw, F] → [B, Nb, Nw, d]
        let cnnWords = wordProjection(words)

        // Step 2: words attend to all words; their energies pool each bag. [B, Nb, 1, Nw]·[B, Nb, Nw, d] → [B, Nb, d]
        let (attendedWords, wordToWord) = wordAttention(cnnWords, needScores: needAttention)
        let (attendedWordWeights, attendedWordEnergy) = energy(attendedWords)
        let bagsFromAttendedWords = selfAttendedWordsToBag(attendedWordWeights.matmul(attendedWords).squeezed(axis: -2))

        // Step 3: the same pooling directly on the CNN words.
        let (cnnWordWeights, cnnWordEnergy) = energy(cnnWords)
        let bagsFromCNNWords = cnnWordsToBag(cnnWordWeights.matmul(cnnWords).squeezed(axis: -2))

        // Step 4: contextual bag attention, then bag energies pool the slide. [B, 1, Nb]·[B, Nb, d] → [B, d]
        let (attendedBags, bagToBag) = bagAttention(input: bagsFromCNNWords, context: bagsFromAttendedWords,
                                                    needScores: needAttention)
        let (bagWeights, bagEnergy) = energy(attendedBags)
        let slide = bagsToSlide(bagWeights.matmul(attendedBags).squeezed(axis: -2))

        // Step 5: [B, d] → [B, C]
        let logits = classifier(slide)
        guard needAttention, let wordToWord, let bagToBag else { return (logits, nil) }
        return (logits, AttentionScores(wordToWord: wordToWord, bagToBag: bagToBag,
                                        wordScores: attendedWordEnergy + cnnWordEnergy, bagScores: bagEnergy))
    }
}
