import Foundation
import TensorKit

/// Reading of PyTorch checkpoints in the zip format `torch.save` has written since PyTorch 1.6:
/// `<archive>/data.pkl` (the pickled object), `<archive>/data/<key>` (one raw storage each),
/// `<archive>/byteorder` and `<archive>/version`.
///
/// Nothing in the file is executed: the pickle goes through ``Unpickler``, which only knows the
/// handful of globals a state dict needs and refuses every other one by name.
public enum PyTorchCheckpoint {
    /// Keys under which training scripts commonly nest the model's state dict.
    public static let nestedStateDictKeys = ["state_dict", "model_state_dict", "model"]

    /// Loads the state dict stored in a `.pth` / `.pt` file.
    ///
    /// Accepts a bare state dict (`torch.save(model.state_dict(), f)`) or a checkpoint dict holding
    /// one under `state_dict`, `model_state_dict` or `model`; strips the `module.` prefix that
    /// `nn.DataParallel` adds when every key has it. Float storages of any precision become Float32
    /// tensors; integer storages become ``IntegerTensor``s. Views (storage offset, strides) are
    /// materialised as contiguous tensors.
    ///
    /// - Throws: ``CheckpointError`` naming the file and the problem: not a zip, a legacy (pre-1.6)
    ///   file, a forbidden global, a missing or wrongly sized storage, a big-endian archive, …
    public static func loadStateDict(from url: URL) throws -> StateDict {
        let file = url.checkpointDisplayName
        let archive = try ZipArchive(url: url)
        let prefix = try archivePrefix(of: archive, file: file)
        if let byteOrderEntry = archive.entry(named: prefix + "byteorder") {
            let byteOrder = String(decoding: try archive.contents(of: byteOrderEntry), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard byteOrder == "little" else {
                throw CheckpointError.malformedArchive(
                    file: file, reason: "byte order is '\(byteOrder)'; only little-endian checkpoints are supported")
            }
        }
        guard let pickleEntry = archive.entry(named: prefix + "data.pkl") else {
            throw CheckpointError.malformedArchive(file: file, reason: "no '\(prefix)data.pkl' entry")
        }
        var unpickler = Unpickler(bytes: Array(try archive.contents(of: pickleEntry)), file: file)
        let root = try unpickler.load()
        let tensors = try stateDictEntries(in: root, file: file)
        var storages = StorageLoader(archive: archive, prefix: prefix, file: file)
        var stateDict = StateDict()
        for (key, reference) in tensors {
            stateDict.set(try storages.materialize(reference, key: key), forKey: key)
        }
        return stateDict.removingCommonPrefix("module.")
    }

    /// The folder name all entries share, with its slash (`"mimodel_softmax_l2/"`), found from
    /// the single `*/data.pkl` entry.
    private static func archivePrefix(of archive: ZipArchive, file: String) throws -> String {
        let candidates = archive.entries.map(\.name).filter { $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }
        guard candidates.count == 1, let pickleName = candidates.first else {
            throw CheckpointError.malformedArchive(
                file: file, reason: candidates.isEmpty
                    ? "no data.pkl entry (not a torch.save archive)"
                    : "several data.pkl entries: \(candidates.joined(separator: ", "))")
        }
        return String(pickleName.dropLast("data.pkl".count))
    }

    /// The (key, tensor) pairs of the state dict inside the unpickled object, in order.
    static func stateDictEntries(in root: PickleValue, file: String) throws -> [(String, TensorReference)] {
        guard case .dict(let rootDict) = root else {
            throw CheckpointError.malformedPickle(
                file: file, reason: "the checkpoint holds \(root.typeDescription), not a state dict")
        }
        var stateDict = rootDict
        let holdsOnlyTensors = rootDict.entries.allSatisfy { if case .tensor = $0.value { return true } else { return false } }
        if !holdsOnlyTensors {
            let nested = nestedStateDictKeys.lazy.compactMap { rootDict.value(forStringKey: $0) }.first
            guard case .dict(let nestedDict)? = nested else {
                let keys = rootDict.entries.map { entry -> String in
                    if case .string(let key) = entry.key { return key } else { return entry.key.typeDescription }
                }
                throw CheckpointError.malformedPickle(
                    file: file, reason: "the checkpoint is a dict with keys [\(keys.joined(separator: ", "))] "
                        + "but neither a state dict nor one under \(nestedStateDictKeys.joined(separator: "/"))")
            }
            stateDict = nestedDict
        }
        return try stateDict.entries.map { entry in
            guard case .string(let key) = entry.key else {
                throw CheckpointError.malformedPickle(file: file, reason: "state dict key is \(entry.key.typeDescription)")
            }
            guard case .tensor(let reference) = entry.value else {
                throw CheckpointError.malformedPickle(
                    file: file, reason: "state dict entry '\(key)' is \(entry.value.typeDescription), not a tensor")
            }
            return (key, reference)
        }
    }
}

/// Reads storages `<archive>/data/<key>` once each and turns tensor references into tensors.
private struct StorageLoader {
    let archive: ZipArchive
    let prefix: String
    let file: String
    private var bytesByKey: [String: (dataType: TensorDataType, bytes: Data)] = [:]

    init(archive: ZipArchive, prefix: String, file: String) {
        self.archive = archive
        self.prefix = prefix
        self.file = file
    }

    mutating func materialize(_ reference: TensorReference, key: String) throws -> StateDict.Value {
        let storage = reference.storage
        let bytes = try storageBytes(storage, tensorKey: key)
        do {
            if let integers = ElementDecoding.int64s(from: bytes, dataType: storage.dataType) {
                let values = try StridedGather.gather(integers, offset: reference.storageOffset,
                                                      shape: reference.shape, strides: reference.strides)
                return .integer(IntegerTensor(shape: reference.shape, values: values))
            }
            let floats = ElementDecoding.floats(from: bytes, dataType: storage.dataType)
            let scalars = try StridedGather.gather(floats, offset: reference.storageOffset,
                                                   shape: reference.shape, strides: reference.strides)
            return .float(Tensor(shape: reference.shape, scalars: scalars))
        } catch let error as StridedGather.OutOfBounds {
            throw CheckpointError.malformedTensor(file: file, tensor: key, reason: error.reason)
        }
    }

    /// The raw bytes of one storage, checked against `numel × element size`.
    private mutating func storageBytes(_ storage: StorageReference, tensorKey: String) throws -> Data {
        if let cached = bytesByKey[storage.key] {
            guard cached.dataType == storage.dataType else {
                throw CheckpointError.malformedTensor(
                    file: file, tensor: tensorKey, reason: "reads storage '\(storage.key)' as \(storage.dataType.safetensorsName) "
                        + "but another tensor reads it as \(cached.dataType.safetensorsName)")
            }
            return cached.bytes
        }
        let entryName = prefix + "data/" + storage.key
        guard let entry = archive.entry(named: entryName) else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "storage entry '\(entryName)' of tensor '\(tensorKey)' is missing")
        }
        let (expectedSize, overflow) = storage.elementCount.multipliedReportingOverflow(by: storage.dataType.byteSize)
        guard !overflow, entry.uncompressedSize == expectedSize else {
            throw CheckpointError.malformedTensor(
                file: file, tensor: tensorKey, reason: "storage '\(entryName)' has \(entry.uncompressedSize) bytes, "
                    + "but \(storage.elementCount) elements of \(storage.dataType.safetensorsName) need "
                    + (overflow ? "more than the address space" : "\(expectedSize)"))
        }
        let bytes = try archive.contents(of: entry)
        bytesByKey[storage.key] = (storage.dataType, bytes)
        return bytes
    }
}
