import Checkpoints
import FileOutput
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

    /// The run's saved options, read and checked as a new run's options are: the directory must
    /// exist and hold exactly one `mimodel_config_*.json` (the one place that knows the layout; used
    /// by resuming, evaluation, prediction and visualization alike).
    /// - Throws: ``TrainingError/badRunDirectory(path:reason:)`` naming the directory or the config.
    public func savedOptions() throws -> (options: TrainingOptions, url: URL) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TrainingError.badRunDirectory(path: url.path, reason: "is not a directory; pass the --savedir of a `hatnet train` run")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        let configs = names.filter { $0.hasPrefix("mimodel_config_") && $0.hasSuffix(".json") }.sorted()
        guard configs.count == 1 else {
            throw TrainingError.badRunDirectory(path: url.path, reason: configs.isEmpty
                                                ? "has no training config (mimodel_config_*.json); pass the --savedir of a `hatnet train` run"
                                                : "has several training configs (\(configs.joined(separator: ", "))); keep the one of this run")
        }
        let configURL = url.appendingPathComponent(configs[0])
        var options = try TrainingOptions.load(from: configURL)
        options.savedir = url.path
        do { try options.validate() } catch {
            throw TrainingError.badRunDirectory(path: configURL.path, reason: "holds options no run can have: \(error)")
        }
        return (options, configURL)
    }

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

    /// Whether `name` is a file a training run (or `hatnet average` on it) writes: the files
    /// listed above, `model_*.safetensors` / `.pth` of any kind, and `averaged_model_*`.
    public static func isRunFileName(_ name: String) -> Bool {
        let ext = (name as NSString).pathExtension
        switch name {
        case "checkpoint_last.safetensors", "checkpoint_last.pth", "model_configuration.json",
             "training_log.csv", "training_log.jsonl":
            return true
        default:
            if (name.hasPrefix("model_") || name.hasPrefix("averaged_model_")) && (ext == "safetensors" || ext == "pth") { return true }
            return (name.hasPrefix("mimodel_config_") || name.hasPrefix("val_stats_")) && ext == "json"
        }
    }

    /// The run files present (``isRunFileName(_:)``), sorted; regular files only.
    public func runFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { name in
            guard Self.isRunFileName(name) else { return false }
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }.sorted()
    }

    /// Claims the directory for one writer (creating it if needed) and removes the temporary files
    /// that killed processes left in it.
    /// - Throws: ``TrainingError/badRunDirectory(path:reason:)`` naming the process that holds it.
    public func lock(purpose: String) throws -> DirectoryLock {
        let lock: DirectoryLock
        do { lock = try DirectoryLock.acquire(directory: url, purpose: purpose) } catch let error as FileError {
            throw TrainingError.badRunDirectory(path: url.path, reason: error.problem)
        }
        AtomicFile.removeStaleTemporaryFiles(in: url)
        return lock
    }

    /// Makes the directory ready for a new run: refuses it when it holds files of another run
    /// (``runFiles()``), unless `overwrite`, which deletes those files (and nothing else).
    /// - Throws: ``TrainingError/badRunDirectory(path:reason:)`` listing the files found.
    public func prepareForNewRun(overwrite: Bool) throws {
        let existing = runFiles()
        guard !existing.isEmpty else { return }
        guard overwrite else {
            let shown = existing.prefix(5).joined(separator: ", ") + (existing.count > 5 ? ", … (\(existing.count) files)" : "")
            let hint = existing.contains("checkpoint_last.safetensors")
                ? "continue that run with --resume \(url.path), " : ""
            throw TrainingError.badRunDirectory(path: url.path, reason: "already holds files of another run (\(shown)); "
                                                + "\(hint)choose another --savedir, or pass --overwrite to delete them and start afresh")
        }
        for name in existing {
            do { try FileManager.default.removeItem(at: url.appendingPathComponent(name)) } catch {
                throw TrainingError.badRunDirectory(path: url.appendingPathComponent(name).path,
                                                    reason: "cannot delete it for --overwrite (\(error.localizedDescription))")
            }
        }
    }

    /// Creates the directory if needed.
    public func create() throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw TrainingError.badRunDirectory(path: url.path, reason: "cannot create the directory (\(error.localizedDescription))")
        }
    }

    /// Writes a state dict (reference key names) as safetensors, atomically, after checking that
    /// every value is finite: a model file never holds NaN or infinity.
    /// - Throws: ``TrainingError/nonFiniteParameters(file:parameter:index:value:)`` (nothing written).
    public static func writeStateDict(_ state: [(key: String, tensor: Tensor)], to url: URL, metadata: [String: String] = [:]) throws {
        try requireFinite(state, writing: url)
        var writer = SafeTensorsWriter(metadata: metadata)
        for (key, tensor) in state { writer.add(tensor, named: key) }
        try writer.write(to: url)
    }

    /// Throws when a parameter of `state` holds NaN or infinity, naming `url`, the parameter and the index.
    public static func requireFinite(_ state: [(key: String, tensor: Tensor)], writing url: URL) throws {
        for (key, tensor) in state {
            guard let index = tensor.firstNonFiniteIndex else { continue }
            var flat = 0
            for (axis, position) in index.enumerated() { flat = flat * tensor.shape[axis] + position }
            throw TrainingError.nonFiniteParameters(file: url.path, parameter: key, index: index, value: tensor.scalars[flat])
        }
    }
}
