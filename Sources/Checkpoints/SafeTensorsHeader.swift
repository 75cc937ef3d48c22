import Foundation

/// One tensor's entry in a safetensors header.
public struct SafeTensorsEntry: Sendable, Equatable {
    /// The tensor's name (a PyTorch state-dict key for weights).
    public let name: String
    /// Element type as stored in the file.
    public let dataType: TensorDataType
    /// Extent of every axis, outermost first.
    public let shape: [Int]
    /// Byte range of the data, relative to the start of the data buffer (after the header).
    public let byteRange: Range<Int>

    /// Number of elements (`shape` product).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// The parsed and validated JSON header of a safetensors file.
///
/// Layout of the file: an 8-byte little-endian header length `N`, `N` bytes of UTF-8 JSON
/// `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`,
/// then the data buffer that the offsets index.
struct SafeTensorsHeader {
    /// Largest header accepted, as the reference Rust implementation does (100 MB).
    static let maximumHeaderLength = 100_000_000
    /// The key under which string metadata is stored instead of a tensor.
    static let metadataKey = "__metadata__"

    /// Entries ordered by their position in the data buffer.
    let entries: [SafeTensorsEntry]
    /// Free-form string metadata (`__metadata__`).
    let metadata: [String: String]

    /// Parses `json` and checks every entry against a data buffer of `bufferSize` bytes.
    ///
    /// Checks: the JSON is an object; every dtype is known; shapes are non-negative integers;
    /// `end - begin == elementCount × dtype size`; `0 ≤ begin ≤ end ≤ bufferSize`; no two
    /// tensors share bytes. Gaps between tensors are allowed.
    init(json: Data, bufferSize: Int, file: String) throws {
        func headerError(_ reason: String) -> CheckpointError {
            .malformedHeader(file: file, reason: reason)
        }
        guard json.first == UInt8(ascii: "{") else {
            throw headerError("header does not start with '{'")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw headerError("header is not valid JSON (\(error.localizedDescription))")
        }
        guard let dictionary = object as? [String: Any] else {
            throw headerError("header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        var entries: [SafeTensorsEntry] = []
        for (name, value) in dictionary {
            if name == Self.metadataKey {
                guard let strings = value as? [String: String] else {
                    throw headerError("__metadata__ must map strings to strings")
                }
                metadata = strings
                continue
            }
            entries.append(try Self.entry(named: name, value: value, bufferSize: bufferSize, file: file))
        }
        entries.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name)
                     < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name) }
        for (previous, next) in zip(entries, entries.dropFirst())
        where !next.byteRange.isEmpty && next.byteRange.lowerBound < previous.byteRange.upperBound {
            throw headerError("tensors '\(previous.name)' [\(previous.byteRange.lowerBound), "
                + "\(previous.byteRange.upperBound)] and '\(next.name)' [\(next.byteRange.lowerBound), "
                + "\(next.byteRange.upperBound)] overlap")
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// Validates one tensor entry of the header.
    private static func entry(named name: String, value: Any, bufferSize: Int,
                              file: String) throws -> SafeTensorsEntry {
        func tensorError(_ reason: String) -> CheckpointError {
            .malformedTensor(file: file, tensor: name, reason: reason)
        }
        guard let fields = value as? [String: Any] else {
            throw tensorError("entry is not a JSON object")
        }
        guard let dtypeName = fields["dtype"] as? String else {
            throw tensorError("has no string 'dtype'")
        }
        guard let dataType = TensorDataType(rawValue: dtypeName) else {
            throw tensorError("has unknown dtype '\(dtypeName)' (known: "
                + TensorDataType.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw tensorError("shape must be a list of non-negative integers")
        }
        guard StridedGather.elementCount(of: shape) != nil else {
            // Even with a zero extent (no bytes), the strides of [0, 2⁴⁰, 2⁴⁰] overflow 64 bits.
            throw tensorError("shape \(shape) is too large: its element count or strides overflow 64 bits")
        }
        guard let offsets = integers(fields["data_offsets"]), offsets.count == 2 else {
            throw tensorError("data_offsets must be a list of two integers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end, end <= bufferSize else {
            throw tensorError("data_offsets [\(begin), \(end)] out of range (buffer is \(bufferSize) bytes)")
        }
        var byteCount = dataType.byteSize
        for extent in shape {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw tensorError("shape \(shape) is too large") }
            byteCount = product
        }
        guard end - begin == byteCount else {
            throw tensorError("shape \(shape) of \(dtypeName) needs \(byteCount) bytes but data_offsets "
                + "[\(begin), \(end)] span \(end - begin)")
        }
        return SafeTensorsEntry(name: name, dataType: dataType, shape: shape, byteRange: begin..<end)
    }

    /// The JSON value as a list of integers, or `nil` if it is anything else.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let numbers = value as? [Any] else { return nil }
        var result: [Int] = []
        for number in numbers {
            // Integral values only (JSON booleans bridge to NSNumber with type code "c");
            // the magnitude bound keeps the Int64 conversion exact.
            guard let nsNumber = number as? NSNumber, String(cString: nsNumber.objCType) != "c",
                  nsNumber.doubleValue == nsNumber.doubleValue.rounded(),
                  abs(nsNumber.doubleValue) < 0x1p62
            else { return nil }
            result.append(Int(nsNumber.int64Value))
        }
        return result
    }
}
