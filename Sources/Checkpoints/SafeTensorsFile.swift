import Foundation
import TensorKit

/// A safetensors file opened for lazy reading.
///
/// Opening reads and validates only the header (see ``SafeTensorsEntry`` for what an entry
/// holds); each tensor's bytes are read from disk only when that tensor is requested, so
/// reading one tensor of a large file costs one seek and one read of that tensor's bytes.
///
/// ```swift
/// let file = try SafeTensorsFile(url: URL(fileURLWithPath: "mimodel_io.safetensors"))
/// let words = try file.tensor(named: "words")          // [1, 9, 9, 96]
/// let label = try file.int64s(named: "label").values   // [Int64]
/// ```
public struct SafeTensorsFile: Sendable {
    /// The file this value reads from.
    public let url: URL
    /// Tensor entries ordered by their position in the file.
    public let entries: [SafeTensorsEntry]
    /// The `__metadata__` string map (empty when the file has none).
    public let metadata: [String: String]
    /// File offset of the data buffer (8 + header length).
    let dataStart: Int
    private let entryIndexByName: [String: Int]

    /// Opens `url` and validates its header.
    ///
    /// - Throws: ``CheckpointError`` when the file cannot be read, the header length is
    ///   impossible (larger than the file or than 100 MB), the header is not valid JSON, or an
    ///   entry is inconsistent (unknown dtype, offsets out of range, size mismatch, overlap).
    public init(url: URL) throws {
        let reader = try FileByteReader(url: url)
        let file = url.checkpointDisplayName
        let lengthBytes = try reader.read(at: 0, count: 8, what: "the 8-byte header length")
        let headerLength = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(SafeTensorsHeader.maximumHeaderLength) else {
            throw CheckpointError.malformedHeader(
                file: file, reason: "header length \(headerLength) exceeds the 100 MB limit")
        }
        guard headerLength <= UInt64(reader.size - 8) else {
            throw CheckpointError.malformedHeader(
                file: file, reason: "header length \(headerLength) is larger than the rest of the file (\(reader.size - 8) bytes)")
        }
        let json = try reader.read(at: 8, count: Int(headerLength), what: "the JSON header")
        dataStart = 8 + Int(headerLength)
        let header = try SafeTensorsHeader(json: json, bufferSize: reader.size - dataStart, file: file)
        self.url = url
        self.entries = header.entries
        self.metadata = header.metadata
        self.entryIndexByName = Dictionary(uniqueKeysWithValues: header.entries.enumerated().map { ($1.name, $0) })
    }

    /// Tensor names in file order (by data offset).
    public var names: [String] { entries.map(\.name) }

    /// Whether the file holds a tensor called `name`.
    public func contains(_ name: String) -> Bool { entryIndexByName[name] != nil }

    /// The dtype, shape and byte range of the tensor called `name`.
    public func info(_ name: String) throws -> SafeTensorsEntry {
        guard let index = entryIndexByName[name] else {
            throw CheckpointError.missingTensor(file: url.checkpointDisplayName, tensor: name)
        }
        return entries[index]
    }

    /// Reads the tensor called `name` and converts its elements to `Float`.
    ///
    /// Every dtype converts: F16 and BF16 exactly; F64 and integers round to the nearest Float.
    public func tensor(named name: String) throws -> Tensor {
        let entry = try info(name)
        try requireMemory(for: entry, elementSize: MemoryLayout<Float>.stride)
        let bytes = try storedBytes(of: entry)
        return Tensor(shape: entry.shape, scalars: ElementDecoding.floats(from: bytes, dataType: entry.dataType))
    }

    /// Reads the integer (or boolean) tensor called `name` exactly, as `Int64` values.
    ///
    /// - Throws: ``CheckpointError/unsupportedDataType(file:tensor:dataType:)`` for float tensors.
    public func int64s(named name: String) throws -> (shape: [Int], values: [Int64]) {
        let entry = try info(name)
        guard entry.dataType.isInteger else {
            throw CheckpointError.unsupportedDataType(
                file: url.checkpointDisplayName, tensor: name, dataType: entry.dataType.safetensorsName)
        }
        try requireMemory(for: entry, elementSize: MemoryLayout<Int64>.stride)
        let bytes = try storedBytes(of: entry)
        return (entry.shape, ElementDecoding.int64s(from: bytes, dataType: entry.dataType) ?? [])
    }

    /// Checks the decoded tensor (stored bytes plus converted elements) against ``MemoryBudget``:
    /// a U8 tensor grows eightfold as `Int64`s.
    private func requireMemory(for entry: SafeTensorsEntry, elementSize: Int) throws {
        do {
            let decoded = try MemoryBudget.require(elements: entry.elementCount, elementSize: elementSize,
                                                   for: "shape \(entry.shape)")
            try MemoryBudget.require(bytes: decoded + entry.byteRange.count, for: "shape \(entry.shape) with its stored bytes")
        } catch let error as SizeLimitError {
            throw CheckpointError.malformedTensor(file: url.checkpointDisplayName, tensor: entry.name, reason: error.description)
        }
    }

    /// Reads exactly the bytes of one tensor from disk.
    private func storedBytes(of entry: SafeTensorsEntry) throws -> Data {
        try FileByteReader(url: url).read(at: dataStart + entry.byteRange.lowerBound,
                                          count: entry.byteRange.count, what: "tensor '\(entry.name)'")
    }
}
