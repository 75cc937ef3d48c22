import Foundation
import HATNet

/// A finished (or running) training run opened for evaluation or prediction: its options, the
/// attention network's configuration, and a way to load any of its weight files.
public struct TrainedRun {
    public let directory: RunDirectory
    public let options: TrainingOptions
    public let configuration: HATNetConfiguration

    /// Opens `directory`, reading `mimodel_config_*.json` (checked as ``TrainingOptions/validate()``
    /// checks a new run's options) and `model_configuration.json`.
    public init(directory url: URL) throws {
        directory = RunDirectory(url: url)
        options = try directory.savedOptions().options
        configuration = try HATNetConfiguration.load(from: directory.modelConfiguration)
    }

    /// The header of the first training slide's base-scale file in the run's feature cache, whose
    /// settings evaluation features should share; `nil` when the cache or split is not at hand.
    public func trainingFeatureFile() -> (url: URL, metadata: [String: String])? {
        guard let cache = try? FeatureCache(directory: URL(fileURLWithPath: options.featureDirectory, isDirectory: true)),
              let split = try? SplitFile(contentsOf: URL(fileURLWithPath: options.trainFile), classNames: options.classNames),
              let first = split.entries.first,
              let header = try? cache.verifiedHeader(imageID: first.imageID, scale: options.baseScale, view: 0) else { return nil }
        return (cache.url(imageID: first.imageID, scale: options.baseScale, view: 0), header.metadata)
    }

    /// The model with weights from `weights` (safetensors or `.pth`; default `model_best`), in
    /// evaluation mode.
    public func loadModel(weights: URL? = nil) throws -> HATNetModel {
        let url = weights ?? directory.modelBest
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TrainingError.badRunDirectory(path: url.path, reason: "does not exist")
        }
        let model = HATNetModel(configuration: configuration)
        let state = try AttentionRun.loadStateDict(from: url)
        do { try model.loadStateDict(state) } catch {
            throw TrainingError.badRunDirectory(path: url.path, reason: "does not fit the run's model configuration: \(error)")
        }
        model.eval()
        return model
    }
}
