import Foundation
import HATNet
import Pipeline

/// The predictor and cache of `predict --features` and `visualize --features`: slides' words read
/// from a feature cache (e.g. one `hatnet import features` wrote) instead of encoded. The cache
/// must hold features of the encoder the run was trained on, when the run's training cache is at hand.
func cachedFeaturePredictor(_ path: String, trained: TrainedRun, network: HATNetModel) throws -> Predictor {
    let cache = try FeatureCache(directory: URL(fileURLWithPath: path, isDirectory: true))
    if let trainedCache = try? FeatureCache(directory: URL(fileURLWithPath: trained.options.featureDirectory, isDirectory: true)),
       trainedCache.key != cache.key {
        throw PipelineError.badInput(file: cache.directory.path, reason: "holds features of \(cache.key.encoderName) (\(cache.key.weightsSHA256)); "
                                     + "the run was trained on \(trainedCache.key.encoderName) (\(trainedCache.key.weightsSHA256))")
    }
    return try Predictor(model: network, classNames: trained.options.classNames, cachedFeatures: cache, scale: trained.options.baseScale)
}
