import Foundation

/// Writes zip archives of STORED (uncompressed) entries the way PyTorch's `PyTorchStreamWriter`
/// does: each entry's data aligned to a multiple of `alignment` bytes by padding the local
/// header's extra field (id `FB`, filled with `Z`), zip64 fields only where sizes or offsets
/// exceed 32 bits. Call ``addStoredEntry(named:data:)`` for each entry, then ``finish()``.
final class ZipArchiveWriter {
    private static let zip64ExtraFieldID: UInt16 = 0x0001
    private static let paddingExtraFieldID: UInt16 = 0x4246  // "FB", as PyTorch writes it
    private static let versionNeeded: UInt16 = 20
    private static let versionNeededZip64: UInt16 = 45

    private struct WrittenEntry {
        let name: [UInt8]
        let crc32: UInt32
        let size: Int
        let localHeaderOffset: Int
    }

    private let output: CountingFileOutput
    private let alignment: Int
    private var written: [WrittenEntry] = []

    /// Writes into `output`, aligning entry data to `alignment` bytes (PyTorch uses 64).
    init(output: CountingFileOutput, alignment: Int = 64) {
        self.output = output
        self.alignment = alignment
    }

    /// Appends one stored entry.
    func addStoredEntry(named name: String, data: Data) throws {
        let nameBytes = Array(name.utf8)
        let offset = output.bytesWritten
        let crc = CRC32.checksum(of: data)
        let needsZip64 = data.count >= 0xFFFF_FFFF
        var extra: [UInt8] = []
        if needsZip64 {
            extra.appendLittleEndian(Self.zip64ExtraFieldID)
            extra.appendLittleEndian(UInt16(16))
            extra.appendLittleEndian(UInt64(data.count))  // uncompressed
            extra.appendLittleEndian(UInt64(data.count))  // compressed
        }
        let unpaddedDataOffset = offset + 30 + nameBytes.count + extra.count
        if unpaddedDataOffset % alignment != 0 {
            let paddingLength = (alignment - (unpaddedDataOffset + 4) % alignment) % alignment
            extra.appendLittleEndian(Self.paddingExtraFieldID)
            extra.appendLittleEndian(UInt16(paddingLength))
            extra += [UInt8](repeating: UInt8(ascii: "Z"), count: paddingLength)
        }
        var header: [UInt8] = []
        header.appendLittleEndian(UInt32(0x0403_4b50))
        header.appendLittleEndian(needsZip64 ? Self.versionNeededZip64 : Self.versionNeeded)
        header.appendLittleEndian(UInt16(0))  // flags
        header.appendLittleEndian(UInt16(0))  // method: stored
        header.appendLittleEndian(UInt16(0))  // time
        header.appendLittleEndian(UInt16(0))  // date
        header.appendLittleEndian(crc)
        header.appendLittleEndian(Self.saturated32(data.count))  // compressed size
        header.appendLittleEndian(Self.saturated32(data.count))  // uncompressed size
        header.appendLittleEndian(UInt16(nameBytes.count))
        header.appendLittleEndian(UInt16(extra.count))
        try output.write(Data(header + nameBytes + extra))
        try output.write(data)
        written.append(WrittenEntry(name: nameBytes, crc32: crc, size: data.count, localHeaderOffset: offset))
    }

    /// Writes the central directory and the end records; the archive is complete afterwards.
    func finish() throws {
        let directoryOffset = output.bytesWritten
        var directory: [UInt8] = []
        for entry in written {
            directory += centralDirectoryRecord(for: entry)
        }
        try output.write(Data(directory))
        let directorySize = directory.count
        var end: [UInt8] = []
        if written.count >= 0xFFFF || directoryOffset >= 0xFFFF_FFFF || directorySize >= 0xFFFF_FFFF {
            let zip64RecordOffset = directoryOffset + directorySize
            end.appendLittleEndian(UInt32(0x0606_4b50))
            end.appendLittleEndian(UInt64(44))  // size of the rest of this record
            end.appendLittleEndian(Self.versionNeededZip64)  // made by
            end.appendLittleEndian(Self.versionNeededZip64)  // needed
            end.appendLittleEndian(UInt32(0))  // this disk
            end.appendLittleEndian(UInt32(0))  // directory disk
            end.appendLittleEndian(UInt64(written.count))
            end.appendLittleEndian(UInt64(written.count))
            end.appendLittleEndian(UInt64(directorySize))
            end.appendLittleEndian(UInt64(directoryOffset))
            end.appendLittleEndian(UInt32(0x0706_4b50))  // locator
            end.appendLittleEndian(UInt32(0))
            end.appendLittleEndian(UInt64(zip64RecordOffset))
            end.appendLittleEndian(UInt32(1))  // total disks
        }
        end.appendLittleEndian(UInt32(0x0605_4b50))
        end.appendLittleEndian(UInt16(0))  // this disk
        end.appendLittleEndian(UInt16(0))  // directory disk
        end.appendLittleEndian(UInt16(min(written.count, 0xFFFF)))
        end.appendLittleEndian(UInt16(min(written.count, 0xFFFF)))
        end.appendLittleEndian(Self.saturated32(directorySize))
        end.appendLittleEndian(Self.saturated32(directoryOffset))
        end.appendLittleEndian(UInt16(0))  // comment length
        try output.write(Data(end))
    }

    private func centralDirectoryRecord(for entry: WrittenEntry) -> [UInt8] {
        var zip64Values: [UInt64] = []
        if entry.size >= 0xFFFF_FFFF { zip64Values += [UInt64(entry.size), UInt64(entry.size)] }
        if entry.localHeaderOffset >= 0xFFFF_FFFF { zip64Values.append(UInt64(entry.localHeaderOffset)) }
        var extra: [UInt8] = []
        if !zip64Values.isEmpty {
            extra.appendLittleEndian(Self.zip64ExtraFieldID)
            extra.appendLittleEndian(UInt16(8 * zip64Values.count))
            for value in zip64Values { extra.appendLittleEndian(value) }
        }
        let version = zip64Values.isEmpty ? Self.versionNeeded : Self.versionNeededZip64
        var record: [UInt8] = []
        record.appendLittleEndian(UInt32(0x0201_4b50))
        record.appendLittleEndian(version)  // made by
        record.appendLittleEndian(version)  // needed
        record.appendLittleEndian(UInt16(0))  // flags
        record.appendLittleEndian(UInt16(0))  // method: stored
        record.appendLittleEndian(UInt16(0))  // time
        record.appendLittleEndian(UInt16(0))  // date
        record.appendLittleEndian(entry.crc32)
        record.appendLittleEndian(Self.saturated32(entry.size))
        record.appendLittleEndian(Self.saturated32(entry.size))
        record.appendLittleEndian(UInt16(entry.name.count))
        record.appendLittleEndian(UInt16(extra.count))
        record.appendLittleEndian(UInt16(0))  // comment length
        record.appendLittleEndian(UInt16(0))  // disk number
        record.appendLittleEndian(UInt16(0))  // internal attributes
        record.appendLittleEndian(UInt32(0))  // external attributes
        record.appendLittleEndian(Self.saturated32(entry.localHeaderOffset))
        return record + entry.name + extra
    }

    /// A 32-bit field, or 0xFFFFFFFF when the value lives in the zip64 extra field.
    private static func saturated32(_ value: Int) -> UInt32 {
        value >= 0xFFFF_FFFF ? 0xFFFF_FFFF : UInt32(value)
    }
}
