import Checkpoints
import Foundation
import HATNet
import NN
import TensorKit

/// Everything needed to continue a training run exactly: the reference's `checkpoint_last`
/// (`save_checkpoint` in utilities/utils.py: epoch, model state, optimizer state, best accuracy)
/// plus the random generators' states, which the reference does not save.
///
/// Stored as one safetensors file:
/// - `model.<key>`: the model's state dict (reference key names);
/// - `optimizer.exp_avg.<key>`, `optimizer.exp_avg_sq.<key>` (Adam moments) and int64
///   `optimizer.step` [1];
/// - int64 `epoch` [1] (the last finished epoch, 0-based), `rng.data` [4] and `rng.dropout` [4]
///   (xoshiro256** states, bit patterns of the UInt64 words);
/// - metadata `best_perf` (best validation accuracy, %), `optimizer` (adam | sgd).
public struct TrainingCheckpoint {
    /// The last finished epoch (0-based).
    public var epoch: Int
    /// The model parameters, in state-dict order.
    public var modelState: [(key: String, tensor: Tensor)]
    /// Adam's step count and moments in parameter order; `nil` for SGD (stateless without momentum).
    public var adamState: (stepCount: Int, firstMoments: [[Float]], secondMoments: [[Float]])?
    /// Best validation accuracy so far, in percent.
    public var bestAccuracy: Double
    /// The generator that shuffles slides and draws scales and views.
    public var dataGeneratorState: [UInt64]
    /// The model's dropout generator.
    public var dropoutGeneratorState: [UInt64]

    static let modelPrefix = "model.", firstMomentPrefix = "optimizer.exp_avg.", secondMomentPrefix = "optimizer.exp_avg_sq."

    public init(epoch: Int, modelState: [(key: String, tensor: Tensor)],
                adamState: (stepCount: Int, firstMoments: [[Float]], secondMoments: [[Float]])?,
                bestAccuracy: Double, dataGeneratorState: [UInt64], dropoutGeneratorState: [UInt64]) {
        self.epoch = epoch
        self.modelState = modelState
        self.adamState = adamState
        self.bestAccuracy = bestAccuracy
        self.dataGeneratorState = dataGeneratorState
        self.dropoutGeneratorState = dropoutGeneratorState
    }

    /// Writes the checkpoint atomically.
    public func write(to url: URL) throws {
        var writer = SafeTensorsWriter(metadata: ["best_perf": "\(bestAccuracy)", "optimizer": adamState == nil ? "sgd" : "adam",
                                                  "producer": "hatnet train"])
        for (key, tensor) in modelState { writer.add(tensor, named: Self.modelPrefix + key) }
        if let adamState {
            for (index, (key, tensor)) in modelState.enumerated() {
                writer.add(Tensor(shape: tensor.shape, scalars: adamState.firstMoments[index]), named: Self.firstMomentPrefix + key)
                writer.add(Tensor(shape: tensor.shape, scalars: adamState.secondMoments[index]), named: Self.secondMomentPrefix + key)
            }
            writer.add(int64s: [Int64(adamState.stepCount)], shape: [1], named: "optimizer.step")
        }
        writer.add(int64s: [Int64(epoch)], shape: [1], named: "epoch")
        writer.add(int64s: dataGeneratorState.map { Int64(bitPattern: $0) }, shape: [4], named: "rng.data")
        writer.add(int64s: dropoutGeneratorState.map { Int64(bitPattern: $0) }, shape: [4], named: "rng.dropout")
        try writer.write(to: url)
    }

    /// Reads a checkpoint for `model` and checks every field: each parameter and optimizer moment
    /// present with the model's shape and finite (second moments not negative), the epoch in
    /// `0...TrainingOptions.maximumEpochs`, the Adam step count not negative, the best accuracy a
    /// finite percentage, and both generator states usable (xoshiro256** cannot leave the all-zero state).
    /// - Throws: ``TrainingError/badRunDirectory(path:reason:)`` naming the file and the field.
    public init(contentsOf url: URL, model: HATNetModel) throws {
        func fail(_ reason: String) -> TrainingError { .badRunDirectory(path: url.path, reason: reason) }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(url: url) } catch { throw fail("cannot read the checkpoint (\(error))") }
        func integers(_ name: String, count: Int) throws -> [Int64] {
            guard file.contains(name), let values = try? file.int64s(named: name).values, values.count == count else {
                throw fail("lacks the int64 tensor '\(name)' with \(count) value(s)")
            }
            return values
        }
        func tensor(_ name: String, shape: [Int]) throws -> Tensor {
            guard file.contains(name) else { throw fail("lacks the tensor '\(name)'") }
            let value = try file.tensor(named: name)
            guard value.shape == shape else { throw fail("tensor '\(name)' has shape \(value.shape), the model needs \(shape)") }
            if let index = value.firstNonFiniteIndex {
                throw fail("tensor '\(name)' holds a non-finite value at index \(index)")
            }
            return value
        }
        func generatorState(_ name: String) throws -> [UInt64] {
            let state = try integers(name, count: 4).map { UInt64(bitPattern: $0) }
            guard state.contains(where: { $0 != 0 }) else {
                throw fail("'\(name)' is the all-zero generator state, which no run produces (the generator would stay at 0)")
            }
            return state
        }
        let parameters = model.namedParameters()
        modelState = try parameters.map { ($0.name, try tensor(Self.modelPrefix + $0.name, shape: $0.parameter.shape)) }
        guard let optimizer = file.metadata["optimizer"], ["adam", "sgd"].contains(optimizer) else {
            throw fail("metadata 'optimizer' is \(file.metadata["optimizer"].map { "\"\($0)\"" } ?? "missing"), expected adam or sgd")
        }
        if optimizer == "adam" {
            let step = try integers("optimizer.step", count: 1)[0]
            guard step >= 0, step <= Int64(Int32.max) else { throw fail("'optimizer.step' is \(step), not a step count") }
            let first = try parameters.map { try tensor(Self.firstMomentPrefix + $0.name, shape: $0.parameter.shape).scalars }
            let second = try parameters.map { try tensor(Self.secondMomentPrefix + $0.name, shape: $0.parameter.shape).scalars }
            for (parameter, moments) in zip(parameters, second) where moments.contains(where: { $0 < 0 }) {
                throw fail("tensor '\(Self.secondMomentPrefix + parameter.name)' holds a negative second moment")
            }
            adamState = (Int(step), first, second)
        } else {
            adamState = nil
        }
        let epoch = try integers("epoch", count: 1)[0]
        guard epoch >= 0, epoch <= Int64(TrainingOptions.maximumEpochs) else {
            throw fail("'epoch' is \(epoch); a checkpoint records a finished epoch, 0…\(TrainingOptions.maximumEpochs)")
        }
        self.epoch = Int(epoch)
        dataGeneratorState = try generatorState("rng.data")
        dropoutGeneratorState = try generatorState("rng.dropout")
        guard let best = file.metadata["best_perf"].flatMap(Double.init) else { throw fail("lacks the metadata 'best_perf'") }
        guard best.isFinite, (0...100).contains(best) else {
            throw fail("metadata 'best_perf' is \(best), not an accuracy in percent (0…100)")
        }
        bestAccuracy = best
    }
}
