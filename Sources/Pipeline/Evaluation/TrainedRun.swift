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
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TrainingError.badRunDirectory(path: url.path, reason: "is not a directory; pass the --savedir of a `hatnet train` run")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        guard let config = names.sorted().first(where: { $0.hasPrefix("mimodel_config_") && $0.hasSuffix(".json") }) else {
            throw TrainingError.badRunDirectory(path: url.path, reason: "has no training config (mimodel_config_*.json); "
                                                + "pass the --savedir of a `hatnet train` run")
        }
        let configURL = url.appendingPathComponent(config)
        options = try TrainingOptions.load(from: configURL)
        do { try options.validate() } catch {
            throw TrainingError.badRunDirectory(path: configURL.path, reason: "holds options no run can have: \(error)")
        }
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
