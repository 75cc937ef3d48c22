import Checkpoints
import Foundation
import TensorKit

/// The files of a training run, named as the reference names them (`save_checkpoint` in
/// utilities/utils.py) but stored as safetensors:
///
///     checkpoint_last.safetensors      model + optimizer + epoch + best + RNG (``TrainingCheckpoint``)
///     model_<epoch>.safetensors        the model's state dict after each epoch (0-based)
///     model_best.safetensors           the epoch with the best validation accuracy (ties: later)
///     model_best_<epoch>_<acc>.safetensors   the k best, with --keep-best-k-models k
///     mimodel_config_bag_…json         every training option (``TrainingOptions``)
///     model_configuration.json         the attention network's constructor arguments
///     val_stats_bag_…json              validation accuracy per epoch
///     training_log.csv, training_log.jsonl   one record per epoch (``TrainingLog``)
public struct RunDirectory: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    public var checkpointLast: URL { url.appendingPathComponent("checkpoint_last.safetensors") }
    public var modelBest: URL { url.appendingPathComponent("model_best.safetensors") }
    public var modelConfiguration: URL { url.appendingPathComponent("model_configuration.json") }

    /// `model_<epoch>.safetensors`.
    public func model(epoch: Int) -> URL { url.appendingPathComponent("model_\(epoch).safetensors") }

    /// `model_best_<epoch>_<accuracy rounded to 3 decimals>.safetensors`.
    public func bestOfK(epoch: Int, accuracy: Double) -> URL {
        url.appendingPathComponent("model_best_\(epoch)_\(String(format: "%.3f", accuracy)).safetensors")
    }

    /// The per-epoch model files present (`model_<n>.safetensors` or `.pth`), by epoch.
    public func epochModels() -> [Int: URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        var result: [Int: URL] = [:]
        for name in names where name.hasPrefix("model_") {
            let stem = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
            guard ext == "safetensors" || ext == "pth", let epoch = Int(stem.dropFirst("model_".count)) else { continue }
            if result[epoch] == nil || ext == "safetensors" { result[epoch] = url.appendingPathComponent(name) }
        }
        return result
    }

    /// The `model_best_<epoch>_<acc>` files present, with their epoch and accuracy.
    public func bestOfKModels() -> [(epoch: Int, accuracy: Double, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.compactMap { name in
            guard name.hasPrefix("model_best_"), name.hasSuffix(".safetensors") else { return nil }
            let parts = name.dropFirst("model_best_".count).dropLast(".safetensors".count).split(separator: "_")
            guard parts.count == 2, let epoch = Int(parts[0]), let accuracy = Double(parts[1]) else { return nil }
            return (epoch, accuracy, url.appendingPathComponent(name))
        }
    }

    /// Creates the directory if needed.
    public func create() throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw TrainingError.badRunDirectory(path: url.path, reason: "cannot create the directory (\(error.localizedDescription))")
        }
    }

    /// Writes a state dict (reference key names) as safetensors, atomically.
    public static func writeStateDict(_ state: [(key: String, tensor: Tensor)], to url: URL, metadata: [String: String] = [:]) throws {
        var writer = SafeTensorsWriter(metadata: metadata)
        for (key, tensor) in state { writer.add(tensor, named: key) }
        try writer.write(to: url)
    }
}
