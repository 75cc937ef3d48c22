import Foundation
import TensorKit

/// Reading of PyTorch checkpoints in the format `torch.save` wrote before PyTorch 1.6 (still the
/// format of many released weights, e.g. `efficientnet-lite0-57934424.pth`): several pickles back
/// to back, then the raw storages.
///
///     pickle  0x1950a86a20f9469cfc6c          magic number
///     pickle  1001                            protocol version
///     pickle  {little_endian: …, type_sizes}  system info
///     pickle  the state dict                  storages as persistent ids
///                                             ('storage', type, key, location, numel, None)
///     pickle  [key, …]                        storage keys, in the order they follow
///     for each key: int64 numel (little-endian), then numel × element size raw bytes
///
/// The pickles go through the same restricted ``Unpickler`` as zip checkpoints, so nothing in the
/// file is executed.
public enum LegacyPyTorchCheckpoint {
    /// The first two pickles of every legacy file written with pickle protocol 2: the magic number
    /// (`LONG1` of 10 bytes) and the protocol version 1001 (`BININT2`).
    static let header: [UInt8] = [
        0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E,
        0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E,
    ]

    /// Loads the state dict of a legacy `.pth` file (a bare state dict or one nested under
    /// `state_dict` / `model_state_dict` / `model`), stripping a common `module.` prefix.
    ///
    /// - Throws: ``CheckpointError`` naming the file: a wrong header, a malformed or forbidden
    ///   pickle, a storage that is missing, truncated or of the wrong size, a big-endian file.
    public static func loadStateDict(from url: URL) throws -> StateDict {
        let file = url.checkpointDisplayName
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: url))
        } catch {
            throw CheckpointError.unreadable(file: file, reason: error.localizedDescription)
        }
        guard bytes.count >= header.count || !header.starts(with: bytes) else {
            throw CheckpointError.truncated(file: file, reason: "the legacy torch.save header ends after \(bytes.count) bytes")
        }
        guard bytes.starts(with: header) else {
            throw CheckpointError.malformedPickle(
                file: file, reason: "not a legacy torch.save file (no magic number 0x1950a86a20f9469cfc6c with protocol 1001)")
        }
        var unpickler = Unpickler(bytes: bytes, file: file, position: header.count)
        let systemInfo = try unpickler.load()
        if case .dict(let info) = systemInfo, case .bool(false)? = info.value(forStringKey: "little_endian") {
            throw CheckpointError.malformedArchive(file: file, reason: "big-endian legacy checkpoint; only little-endian is supported")
        }
        unpickler = Unpickler(bytes: bytes, file: file, position: unpickler.position)
        let root = try unpickler.load()
        unpickler = Unpickler(bytes: bytes, file: file, position: unpickler.position)
        guard case .list(let keyValues) = try unpickler.load() else {
            throw CheckpointError.malformedPickle(file: file, reason: "the storage key list after the state dict is missing")
        }
        let storageKeys = try keyValues.items.map { value -> String in
            guard case .string(let key) = value else {
                throw CheckpointError.malformedPickle(file: file, reason: "storage key is \(value.typeDescription), not a string")
            }
            return key
        }
        let tensors = try PyTorchCheckpoint.stateDictEntries(in: root, file: file)
        let storages = try storageRanges(in: bytes, from: unpickler.position, keys: storageKeys, tensors: tensors, file: file)

        var stateDict = StateDict()
        var materializer = TensorMaterializer(file: file)
        for (key, reference) in tensors {
            let value = try materializer.materialize(reference, key: key) { storage in
                guard let range = storages[storage.key] else {
                    throw CheckpointError.malformedTensor(file: file, tensor: key, reason: "uses storage '\(storage.key)', which the file does not hold")
                }
                return Data(bytes[range])
            }
            stateDict.set(value, forKey: key)
        }
        return stateDict.removingCommonPrefix("module.")
    }

    /// Byte ranges of the raw storages that follow the pickles, checked against the element
    /// counts the state dict's persistent ids announce.
    private static func storageRanges(in bytes: [UInt8], from start: Int, keys: [String],
                                      tensors: [(String, TensorReference)], file: String) throws -> [String: Range<Int>] {
        var declared = [String: StorageReference]()
        for (key, reference) in tensors {
            let storage = reference.storage
            if let earlier = declared.updateValue(storage, forKey: storage.key), earlier != storage {
                throw CheckpointError.malformedTensor(
                    file: file, tensor: key, reason: "declares storage '\(storage.key)' as \(storage.elementCount) elements of "
                        + "\(storage.dataType.safetensorsName), another tensor as \(earlier.elementCount) of \(earlier.dataType.safetensorsName)")
            }
        }
        var cursor = ByteCursor(bytes, position: start) { .truncated(file: file, reason: $0) }
        var ranges = [String: Range<Int>]()
        for key in keys {
            let elementCount = try cursor.readUInt64("the element count of storage '\(key)'")
            guard let storage = declared[key] else {
                throw CheckpointError.malformedPickle(file: file, reason: "storage '\(key)' is listed but no tensor uses it")
            }
            guard ranges[key] == nil else {
                throw CheckpointError.malformedPickle(file: file, reason: "storage '\(key)' is listed twice")
            }
            guard elementCount == UInt64(storage.elementCount) else {
                throw CheckpointError.malformedTensor(
                    file: file, tensor: key, reason: "storage holds \(elementCount) elements, its persistent id says \(storage.elementCount)")
            }
            // The bytes must be in the file: compare with what is left before multiplying out.
            let (byteCount, overflow) = storage.elementCount.multipliedReportingOverflow(by: storage.dataType.byteSize)
            guard !overflow, byteCount <= cursor.remaining else {
                throw CheckpointError.truncated(
                    file: file, reason: "storage '\(key)' of \(elementCount) \(storage.dataType.safetensorsName) elements needs "
                        + (overflow ? "more bytes than any file holds" : "\(byteCount) bytes") + " at offset \(cursor.position), "
                        + "only \(cursor.remaining) remain")
            }
            let first = cursor.position
            _ = try cursor.readBytes(byteCount, what: "storage '\(key)'")
            ranges[key] = first ..< first + byteCount
        }
        return ranges
    }
}
