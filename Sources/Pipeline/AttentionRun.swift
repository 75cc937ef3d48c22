import Checkpoints
import Foundation
import HATNet
import NN
import TensorKit

/// `hatnet attend`: runs a HATNet model in evaluation mode on precomputed CNN word features and
/// writes its logits, probabilities and attention scores.
public enum AttentionRun {
    /// Builds the model described by `configuration` and loads `weightsURL` (safetensors or
    /// PyTorch `.pth`), checking every tensor's shape against the configuration.
    public static func loadModel(configurationURL: URL, weightsURL: URL) throws -> HATNetModel {
        let configuration = try HATNetConfiguration.load(from: configurationURL)
        let model = HATNetModel(configuration: configuration)
        let weights = try loadStateDict(from: weightsURL)
        do { try model.loadStateDict(weights) } catch {
            throw PipelineError.badInput(file: weightsURL.path,
                                         reason: "does not fit the configuration in \(configurationURL.lastPathComponent): \(error)")
        }
        model.eval()
        return model
    }

    /// Reads `words` `[B, Nb, Nw, F]` — or `[Nb, Nw, F]`, one slide as the feature cache of
    /// `hatnet features` stores it — from `featuresURL`, runs the model and writes `logits` `[B, C]`,
    /// `probabilities` `[B, C]`, `w2w_self_attn`, `b2b_self_attn`, `word_scores`, `bag_scores` to
    /// `outputURL` (atomically). A `word_regions` tensor in the features file (the cache's word
    /// rectangles in slide pixels) is copied to the output, so `hatnet visualize --scores` can
    /// place the scores on the slide without being told the grid; so are the features' `image_id`,
    /// `bag_size` and `word_size` metadata, by which `hatnet serve` matches the scores to their slide.
    public static func run(model: HATNetModel, featuresURL: URL, outputURL: URL) throws {
        let file = try SafeTensorsFile(url: featuresURL)
        guard file.contains("words") else {
            throw PipelineError.badInput(file: featuresURL.path, reason: "has no tensor named 'words' (found: \(file.names.joined(separator: ", ")))")
        }
        let configuration = model.configuration
        let positions = configuration.positionsPerGrid
        let info = try file.info("words")
        try MemoryBudget.require(shape: info.shape, for: "\(featuresURL.path): tensor 'words'")
        guard info.shape.count == 3 || info.shape.count == 4, Array(info.shape.suffix(3)) == [positions, positions, configuration.cnnFeatures] else {
            throw PipelineError.badInput(file: featuresURL.path,
                                         reason: "tensor 'words' has shape \(info.shape), but the model expects [B, \(positions), \(positions), \(configuration.cnnFeatures)] "
                                         + "or [\(positions), \(positions), \(configuration.cnnFeatures)]")
        }
        var words = try file.tensor(named: "words")
        try words.requireFinite("\(featuresURL.path): tensor 'words'")
        if words.rank == 3 { words = words.unsqueezed(axis: 0) }
        let expected = [words.shape.first ?? 1, positions, positions, configuration.cnnFeatures]
        guard words.rank == 4, Array(words.shape.dropFirst()) == Array(expected.dropFirst()), words.shape[0] > 0 else {
            throw PipelineError.badInput(file: featuresURL.path,
                                         reason: "tensor 'words' has shape \(words.shape), but the model expects [B, \(positions), \(positions), \(configuration.cnnFeatures)] "
                                         + "or [\(positions), \(positions), \(configuration.cnnFeatures)]")
        }
        let inference = model.infer(words, attention: true)
        let logits = inference.logits
        // The slide and grid the features were cut for, so the scores can be matched to their slide (`hatnet serve`).
        var metadata = ["producer": "hatnet attend"]
        for key in ["image_id", "bag_size", "word_size"] { metadata[key] = file.metadata[key] }
        var writer = SafeTensorsWriter(metadata: metadata)
        writer.add(logits, named: "logits")
        writer.add(inference.probabilities, named: "probabilities")
        for (name, tensor) in inference.attention?.named ?? [] { writer.add(tensor, named: name) }
        try logits.requireFinite("the logits computed from \(featuresURL.path)")
        if file.contains("word_regions") {
            let regions = try file.tensor(named: "word_regions")
            try regions.requireFinite("\(featuresURL.path): tensor 'word_regions'")
            writer.add(regions, named: "word_regions")
        }
        try writer.write(to: outputURL)
    }

    /// Loads a state dict from a safetensors file or a PyTorch `.pth` checkpoint (chosen by content).
    /// - Throws: ``NonFiniteValueError`` naming the file and tensor when a weight is NaN or infinite.
    public static func loadStateDict(from url: URL) throws -> [String: Tensor] {
        let stateDict = try Checkpoints.loadStateDict(from: url)
        let tensors = Dictionary(uniqueKeysWithValues: stateDict.keys.compactMap { key in stateDict[key].map { (key, $0) } })
        for key in tensors.keys.sorted() { try tensors[key]!.requireFinite("\(url.path): tensor '\(key)'") }
        return tensors
    }
}
