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
        let storages = StorageEntries(archive: archive, prefix: prefix, file: file)
        var materializer = TensorMaterializer(file: file)
        var stateDict = StateDict()
        for (key, reference) in tensors {
            let value = try materializer.materialize(reference, key: key) { try storages.bytes(of: $0, tensorKey: key) }
            stateDict.set(value, forKey: key)
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

/// The storages of a zip checkpoint, `<archive>/data/<key>` (``TensorMaterializer`` reads each once).
private struct StorageEntries {
    let archive: ZipArchive
    let prefix: String
    let file: String

    /// The raw bytes of one storage, checked against `numel × element size`.
    func bytes(of storage: StorageReference, tensorKey: String) throws -> Data {
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
        return try archive.contents(of: entry)
    }
}
