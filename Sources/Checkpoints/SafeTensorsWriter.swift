import Foundation
import TensorKit

/// Collects Float32 tensors, Int64 arrays and string metadata, and writes them as one
/// safetensors file.
///
/// The layout follows the reference implementation: `__metadata__` first in the header, tensors
/// ordered by element size (largest first, so every tensor is aligned to its element size) and
/// then by name, data offsets in that order, and the header padded with spaces to a multiple of
/// 8 bytes. Files are written atomically (temporary file, then rename).
///
/// ```swift
/// var writer = SafeTensorsWriter(metadata: ["format": "pt"])
/// writer.add(logits, named: "logits")
/// writer.add(int64s: [2], shape: [1], named: "label")
/// try writer.write(to: outputURL)
/// ```
public struct SafeTensorsWriter: Sendable {
    /// String metadata stored under `__metadata__` (omitted from the file when empty).
    public var metadata: [String: String]
    private var tensors: [String: StoredTensor] = [:]

    /// One tensor waiting to be written.
    private struct StoredTensor: Sendable {
        let dataType: TensorDataType
        let shape: [Int]
        let bytes: Data
    }

    /// An empty writer with optional metadata.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Names added so far, in the order they will be written.
    public var names: [String] { orderedNames() }

    /// Adds (or replaces) a Float32 tensor.
    public mutating func add(_ tensor: Tensor, named name: String) {
        tensors[name] = StoredTensor(dataType: .float32, shape: tensor.shape,
                                     bytes: ElementEncoding.littleEndianBytes(of: tensor.scalars))
    }

    /// Adds (or replaces) an Int64 tensor of the given shape.
    public mutating func add(int64s values: [Int64], shape: [Int], named name: String) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                     "SafeTensorsWriter.add: shape \(shape) does not hold \(values.count) values for '\(name)'")
        tensors[name] = StoredTensor(dataType: .int64, shape: shape,
                                     bytes: ElementEncoding.littleEndianBytes(of: values))
    }

    /// Writes the file atomically, replacing any file at `url`.
    public func write(to url: URL) throws {
        let names = orderedNames()
        let header = headerBytes(orderedNames: names)
        try AtomicFileWriter.write(to: url) { output in
            var length: [UInt8] = []
            length.appendLittleEndian(UInt64(header.count))
            try output.write(Data(length))
            try output.write(header)
            for name in names {
                if let tensor = tensors[name] { try output.write(tensor.bytes) }
            }
        }
    }

    /// Larger elements first (alignment), then by name.
    private func orderedNames() -> [String] {
        tensors.keys.sorted { left, right in
            let leftSize = tensors[left]?.dataType.byteSize ?? 0
            let rightSize = tensors[right]?.dataType.byteSize ?? 0
            return leftSize != rightSize ? leftSize > rightSize : left < right
        }
    }

    /// The JSON header, padded with spaces to a multiple of 8 bytes.
    private func headerBytes(orderedNames names: [String]) -> Data {
        Self.header(metadata: metadata, entries: names.compactMap { name in
            tensors[name].map { (name, $0.dataType, $0.shape, $0.bytes.count) }
        })
    }

    /// The header of a safetensors file whose tensors' data follow in `entries`' order:
    /// `__metadata__` first, contiguous data offsets, spaces up to a multiple of 8 bytes. Shared by
    /// this writer and ``SafeTensorsStreamWriter``.
    static func header(metadata: [String: String], entries: [(name: String, dataType: TensorDataType, shape: [Int], byteCount: Int)]) -> Data {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(JSONString.quoted($0)):\(JSONString.quoted(metadata[$0] ?? ""))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for entry in entries {
            let end = offset + entry.byteCount
            let shape = entry.shape.map(String.init).joined(separator: ",")
            fields.append("\(JSONString.quoted(entry.name)):{\"dtype\":\"\(entry.dataType.safetensorsName)\","
                + "\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var json = Data("{\(fields.joined(separator: ","))}".utf8)
        json.append(Data(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        return json
    }
}
