import Checkpoints
import FileOutput
import Foundation
import TensorKit

/// Averages the weights of several epochs (average_checkpoints.py): the element-wise mean of
/// every tensor, summed in file order and divided by the count, as the reference computes it.
public enum CheckpointAveraging {
    /// The epochs to average: those after `afterEpoch`, best validation accuracy first (ties: the
    /// later epoch), at most `bestN`.
    public static func selectEpochs(validationAccuracy: [Int: Double], bestN: Int, afterEpoch: Int = -1) -> [Int] {
        validationAccuracy.filter { $0.key > afterEpoch }
            .sorted { ($0.value, $0.key) > ($1.value, $1.key) }
            .prefix(bestN).map(\.key)
    }

    /// The element-wise mean of state dicts read from `urls` (safetensors or `.pth`), keyed and
    /// ordered as the first file.
    /// - Throws: ``TrainingError/badRunDirectory(path:reason:)`` when a file's keys or shapes differ
    ///   from the first file's.
    public static func average(_ urls: [URL]) throws -> [(key: String, tensor: Tensor)] {
        precondition(!urls.isEmpty, "CheckpointAveraging.average needs at least one checkpoint")
        var keys: [String] = [], sums: [[Float]] = [], shapes: [[Int]] = []
        for url in urls {
            let state = try loadStateDict(from: url)
            if keys.isEmpty {
                keys = state.keys
                for key in keys {
                    guard let tensor = state[key] else {
                        throw TrainingError.badRunDirectory(path: url.path, reason: "entry '\(key)' is not a floating-point tensor")
                    }
                    sums.append(tensor.scalars)
                    shapes.append(tensor.shape)
                }
                continue
            }
            guard state.keys == keys else {
                throw TrainingError.badRunDirectory(path: url.path, reason: "has parameters \(state.keys.prefix(5))…, "
                                                    + "but \(urls[0].lastPathComponent) has \(keys.prefix(5))…")
            }
            for (index, key) in keys.enumerated() {
                guard let tensor = state[key], tensor.shape == shapes[index] else {
                    throw TrainingError.badRunDirectory(path: url.path, reason: "tensor '\(key)' has shape "
                                                        + "\(state[key]?.shape ?? []), \(urls[0].lastPathComponent) has \(shapes[index])")
                }
                let values = tensor.scalars
                for element in values.indices { sums[index][element] += values[element] }
            }
        }
        let count = Float(urls.count)
        return keys.indices.map { index in
            (keys[index], Tensor(shape: shapes[index], scalars: sums[index].map { $0 / count }))
        }
    }

    /// What `hatnet average` did.
    public struct Outcome {
        public let epochs: [Int]
        public let inputs: [URL]
        public let output: URL
    }

    /// Reads the validation accuracies of a run directory (`val*.json`, `{"<epoch>": accuracy}`),
    /// averages the `model_<epoch>` files of the `bestN` best epochs after `afterEpoch`, and writes
    /// `averaged_model_best<N>.safetensors` (`…_after<K>` with `afterEpoch`) into the directory.
    ///
    /// The directory is locked while the average is computed and written (refused while
    /// `hatnet train` or another `average` writes there), and the output may not be one of the inputs.
    /// - Throws: ``TrainingError`` when the statistics are missing or fewer than two checkpoints
    ///   are found (the reference asserts the same), or the directory is locked by another process.
    public static func run(checkpointDirectory: URL, bestN: Int, afterEpoch: Int = -1) throws -> Outcome {
        guard bestN >= 2 else { throw TrainingError.invalidOption("--best-n must be at least 2 to average, got \(bestN)") }
        let run = RunDirectory(url: checkpointDirectory)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: checkpointDirectory.path)) ?? []).sorted()
        guard let statsName = names.first(where: { $0.hasPrefix("val") && $0.hasSuffix(".json") }) else {
            throw TrainingError.badRunDirectory(path: checkpointDirectory.path, reason: "has no validation statistics (val*.json)")
        }
        let statsURL = checkpointDirectory.appendingPathComponent(statsName)
        let accuracies = try readValidationAccuracies(statsURL)
        let epochs = selectEpochs(validationAccuracy: accuracies, bestN: bestN, afterEpoch: afterEpoch)
        let models = run.epochModels()
        let found = epochs.filter { models[$0] != nil }
        guard found.count >= 2 else {
            throw TrainingError.badRunDirectory(path: checkpointDirectory.path, reason: "at least two checkpoints are required for "
                                                + "averaging; epochs \(epochs) by \(statsName) have \(found.count) model_<epoch> file(s)")
        }
        let inputs = found.map { models[$0]! }
        let name = afterEpoch == -1 ? "averaged_model_best\(bestN)" : "averaged_model_best\(bestN)_after\(afterEpoch)"
        let output = checkpointDirectory.appendingPathComponent(name + ".safetensors")
        try OutputGuard.requireDistinct(output: output.path, option: "the averaged model",
                                        from: inputs.map { ($0.path, "model_<epoch>") } + [(statsURL.path, "the validation statistics")])
        let lock = try run.lock(purpose: "hatnet average")
        defer { lock.release() }
        let averaged = try average(inputs)
        try RunDirectory.writeStateDict(averaged, to: output, metadata: ["averaged_epochs": found.map(String.init).joined(separator: ",")])
        return Outcome(epochs: found, inputs: inputs, output: output)
    }

    static func readValidationAccuracies(_ url: URL) throws -> [Int: Double] {
        guard let data = FileManager.default.contents(atPath: url.path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TrainingError.badRunDirectory(path: url.path, reason: "is not a JSON object of epoch → accuracy")
        }
        var result: [Int: Double] = [:]
        for (key, value) in object {
            guard let epoch = Int(key), let accuracy = (value as? NSNumber)?.doubleValue else {
                throw TrainingError.badRunDirectory(path: url.path, reason: "entry \"\(key)\": \(value) is not epoch → accuracy")
            }
            result[epoch] = accuracy
        }
        return result
    }
}
