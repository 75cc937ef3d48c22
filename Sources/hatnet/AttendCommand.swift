import ArgumentParser
import Foundation
import Pipeline

/// `hatnet attend`: the HATNet attention network on precomputed word features.
struct AttendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attend",
        abstract: "Run the HATNet attention network on CNN word features and write logits and attention scores.",
        discussion: """
        FEATURES must hold a tensor 'words' of shape [B, Nb, Nw, F] (Nb = Nw = num_bags_words²), or \
        [Nb, Nw, F] for one slide — a file of the `hatnet features` cache \
        (<cache>/<image id>/bag_<B>_word_<W>_view_0.safetensors). OUTPUT receives 'logits', \
        'probabilities', 'w2w_self_attn', 'b2b_self_attn', 'word_scores' and 'bag_scores' (the reference's \
        names), and the features' 'word_regions' when present, which `hatnet visualize --scores` uses to \
        place the scores on the slide. CFG is our JSON (num_bags_words, cnn_feature_sz, …) or the \
        authors' model_zoo config (bag_size, word_size, base_extractor, s, …).
        """)

    @Option(name: .long, help: "Model configuration JSON.")
    var config: String

    @Option(help: "Model weights (.safetensors or PyTorch .pth).")
    var weights: String

    @Option(help: "Word features (.safetensors with tensor 'words').")
    var features: String

    @Option(help: "Where to write the results (.safetensors).")
    var output: String

    @Flag(help: "Replace the --output file if it exists.")
    var overwrite = false

    func validate() throws {
        try requireNewOutput(output, option: "--output", distinctFrom: [(config, "--config"), (weights, "--weights"), (features, "--features")],
                             overwrite: overwrite)
    }

    func run() throws {
        removeStaleTemporaryFiles(nextTo: output)
        let model = try AttentionRun.loadModel(configurationURL: URL(fileURLWithPath: config),
                                               weightsURL: URL(fileURLWithPath: weights))
        try AttentionRun.run(model: model, featuresURL: URL(fileURLWithPath: features), outputURL: URL(fileURLWithPath: output))
        print("wrote \(output)")
    }
}
