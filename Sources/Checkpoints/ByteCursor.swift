/// Sequential, bounds-checked reading of little-endian fields from a byte array.
///
/// Every read checks the remaining length first and throws the error built by `overrun`
/// instead of trapping, so damaged files produce messages rather than crashes.
struct ByteCursor {
    let bytes: [UInt8]
    /// Index of the next byte to read.
    private(set) var position: Int
    /// Builds the error thrown when a read would pass the end; receives a description of the read.
    private let overrun: (String) -> CheckpointError

    init(_ bytes: [UInt8], position: Int = 0, overrun: @escaping (String) -> CheckpointError) {
        self.bytes = bytes
        self.position = position
        self.overrun = overrun
    }

    /// Whether every byte has been read.
    var isAtEnd: Bool { position >= bytes.count }

    /// Bytes left to read.
    var remaining: Int { max(0, bytes.count - position) }

    /// Reads `count` bytes.
    mutating func readBytes(_ count: Int, what: @autoclosure () -> String) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw overrun("\(what()) needs \(count) bytes at offset \(position), only \(remaining) remain")
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    mutating func readUInt8(_ what: @autoclosure () -> String) throws -> UInt8 {
        try readBytes(1, what: what()).first ?? 0
    }

    mutating func readUInt16(_ what: @autoclosure () -> String) throws -> UInt16 {
        UInt16(truncatingIfNeeded: try readLittleEndian(byteCount: 2, what: what()))
    }

    mutating func readUInt32(_ what: @autoclosure () -> String) throws -> UInt32 {
        UInt32(truncatingIfNeeded: try readLittleEndian(byteCount: 4, what: what()))
    }

    mutating func readUInt64(_ what: @autoclosure () -> String) throws -> UInt64 {
        try readLittleEndian(byteCount: 8, what: what())
    }

    /// Moves to an absolute position (checked on the next read).
    mutating func seek(to newPosition: Int) {
        position = newPosition
    }

    /// Skips `count` bytes.
    mutating func skip(_ count: Int, what: @autoclosure () -> String) throws {
        _ = try readBytes(count, what: what())
    }

    private mutating func readLittleEndian(byteCount: Int, what: @autoclosure () -> String) throws -> UInt64 {
        let field = try readBytes(byteCount, what: what())
        return field.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}
