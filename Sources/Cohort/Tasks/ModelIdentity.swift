import Encoders
import Foundation

/// The settings `predict` and `visualize` outputs depend on besides their own options: which trained
/// run and weights made them and which encoder weights cut the words. A slide done with another
/// model is done again.
public enum ModelIdentity {
    /// `model` (the run directory, absolute), `model_weights_sha256` (of `modelWeights`, default
    /// `<run>/model_best.safetensors`) and `encoder_weights_sha256` (the feature cache key's hash).
    public static func settings(run: URL, modelWeights: URL?, encoderWeightsSHA256: String) -> [String: String] {
        let weights = modelWeights ?? run.appendingPathComponent("model_best.safetensors")
        return ["model": run.standardizedFileURL.path,
                "model_weights_sha256": (try? WeightCache.sha256(ofFile: weights)) ?? weights.standardizedFileURL.path,
                "encoder_weights_sha256": encoderWeightsSHA256]
    }
}
