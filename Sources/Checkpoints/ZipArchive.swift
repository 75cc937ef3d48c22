import Foundation
import TensorKit

/// One file inside a zip archive, as its central-directory record describes it.
struct ZipEntry: Equatable {
    /// Path inside the archive (`archive/data/0`).
    let name: String
    /// 0 = stored (uncompressed), 8 = deflate, …
    let compressionMethod: UInt16
    /// General-purpose flags (bit 0: encrypted).
    let flags: UInt16
    let crc32: UInt32
    let compressedSize: Int
    let uncompressedSize: Int
    /// File offset of the entry's local header.
    let localHeaderOffset: Int
}

/// A minimal reader of zip archives (what `torch.save` writes, and wheels): it parses the
/// end-of-central-directory record (and its zip64 form), the central directory and the local
/// headers, and returns the contents of stored or deflated entries (zlib), verifying their CRC-32.
/// Entries are read on demand.
///
/// Specification: PKWARE APPNOTE.TXT, sections 4.3.7 (local header), 4.3.12 (central directory),
/// 4.3.14–4.3.16 (zip64 and end-of-central-directory records), 4.5.3 (zip64 extra field).
final class ZipArchive {
    private static let localHeaderSignature: UInt32 = 0x0403_4b50
    private static let centralHeaderSignature: UInt32 = 0x0201_4b50
    private static let endOfCentralDirectorySignature: UInt32 = 0x0605_4b50
    private static let zip64EndOfCentralDirectorySignature: UInt32 = 0x0606_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64ExtraFieldID: UInt16 = 0x0001
    private static let endOfCentralDirectoryLength = 22
    private static let maximumCommentLength = 0xFFFF

    /// Entries in central-directory order.
    let entries: [ZipEntry]
    private let reader: FileByteReader
    private let entryIndexByName: [String: Int]

    private var file: String { reader.url.checkpointDisplayName }

    /// Opens `url` and reads its central directory.
    init(url: URL) throws {
        reader = try FileByteReader(url: url)
        let file = url.checkpointDisplayName
        let location = try Self.centralDirectoryLocation(reader: reader, file: file)
        let directory = try reader.read(at: location.offset, count: location.size, what: "the zip central directory")
        var cursor = ByteCursor(Array(directory)) { .malformedArchive(file: file, reason: "central directory: \($0)") }
        var entries: [ZipEntry] = []
        for _ in 0..<location.entryCount {
            entries.append(try Self.centralDirectoryEntry(from: &cursor, archiveSize: reader.size, file: file))
        }
        var indexByName: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            guard indexByName.updateValue(index, forKey: entry.name) == nil else {
                throw CheckpointError.malformedArchive(file: file, reason: "entry '\(entry.name)' appears twice")
            }
        }
        self.entries = entries
        self.entryIndexByName = indexByName
    }

    /// The entry called `name`, if present.
    func entry(named name: String) -> ZipEntry? {
        entryIndexByName[name].map { entries[$0] }
    }

    /// The contents of a stored entry, after checking its local header and CRC-32.
    func contents(of entry: ZipEntry) throws -> Data {
        guard entry.flags & 1 == 0 else {
            throw CheckpointError.malformedArchive(file: file, reason: "entry '\(entry.name)' is encrypted")
        }
        guard entry.compressionMethod == 0 || entry.compressionMethod == 8 else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "entry '\(entry.name)' uses compression method \(entry.compressionMethod); "
                    + "only stored and deflated entries are supported")
        }
        guard entry.compressionMethod == 8 || entry.compressedSize == entry.uncompressedSize else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "stored entry '\(entry.name)' has compressed size \(entry.compressedSize) "
                    + "but uncompressed size \(entry.uncompressedSize)")
        }
        let fixedHeader = try reader.read(at: entry.localHeaderOffset, count: 30, what: "local header of '\(entry.name)'")
        var cursor = ByteCursor(Array(fixedHeader)) { [file] in
            .malformedArchive(file: file, reason: "local header of '\(entry.name)': \($0)")
        }
        guard try cursor.readUInt32("signature") == Self.localHeaderSignature else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "no local header for '\(entry.name)' at offset \(entry.localHeaderOffset)")
        }
        try cursor.skip(22, what: "version, flags, method, time, date, crc and sizes")
        let nameLength = Int(try cursor.readUInt16("name length"))
        let extraLength = Int(try cursor.readUInt16("extra length"))
        let storedName = try reader.read(at: entry.localHeaderOffset + 30, count: nameLength,
                                         what: "local name of '\(entry.name)'")
        guard String(decoding: storedName, as: UTF8.self) == entry.name else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "local header at offset \(entry.localHeaderOffset) names "
                    + "'\(String(decoding: storedName, as: UTF8.self))' instead of '\(entry.name)'")
        }
        let dataOffset = entry.localHeaderOffset + 30 + nameLength + extraLength
        let data: Data
        if entry.compressionMethod == 8 {
            try MemoryBudget.require(bytes: entry.uncompressedSize, for: "\(file): entry '\(entry.name)' (\(entry.uncompressedSize) bytes inflated)")
            let compressed = try reader.read(at: dataOffset, count: entry.compressedSize, what: "data of '\(entry.name)'")
            data = try Inflate.rawDeflate(compressed, size: entry.uncompressedSize, file: file, entry: entry.name)
        } else {
            data = try reader.read(at: dataOffset, count: entry.uncompressedSize, what: "data of '\(entry.name)'")
        }
        let checksum = CRC32.checksum(of: data)
        guard checksum == entry.crc32 else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "entry '\(entry.name)' is corrupted (CRC-32 \(hex(checksum)), expected \(hex(entry.crc32)))")
        }
        return data
    }

    // MARK: End of central directory

    private struct CentralDirectoryLocation {
        var offset: Int
        var size: Int
        var entryCount: Int
    }

    /// Finds the end-of-central-directory record (searching back over a possible comment) and,
    /// when its fields are saturated or a zip64 locator precedes it, the zip64 record.
    private static func centralDirectoryLocation(reader: FileByteReader, file: String) throws -> CentralDirectoryLocation {
        let tailLength = min(reader.size, endOfCentralDirectoryLength + maximumCommentLength)
        guard tailLength >= endOfCentralDirectoryLength else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "file is \(reader.size) bytes, too short for a zip archive")
        }
        let tailStart = reader.size - tailLength
        let tail = Array(try reader.read(at: tailStart, count: tailLength, what: "the end of the zip archive"))
        var recordStart: Int?
        for candidate in stride(from: tailLength - endOfCentralDirectoryLength, through: 0, by: -1)
        where tail[candidate] == 0x50 && tail[candidate + 1] == 0x4b && tail[candidate + 2] == 0x05 && tail[candidate + 3] == 0x06 {
            let commentLength = Int(tail[candidate + 20]) | Int(tail[candidate + 21]) << 8
            if candidate + endOfCentralDirectoryLength + commentLength <= tailLength {
                recordStart = candidate
                break
            }
        }
        guard let recordStart else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "no end-of-central-directory record (not a zip archive, or truncated)")
        }
        var cursor = ByteCursor(tail, position: recordStart + 4) {
            .malformedArchive(file: file, reason: "end-of-central-directory record: \($0)")
        }
        let diskNumber = try cursor.readUInt16("disk number")
        let directoryDisk = try cursor.readUInt16("central directory disk")
        _ = try cursor.readUInt16("entries on this disk")
        let entryCount = try cursor.readUInt16("entry count")
        let directorySize = try cursor.readUInt32("central directory size")
        let directoryOffset = try cursor.readUInt32("central directory offset")
        guard diskNumber == 0 || diskNumber == 0xFFFF, directoryDisk == 0 || directoryDisk == 0xFFFF else {
            throw CheckpointError.malformedArchive(file: file, reason: "multi-disk archives are not supported")
        }
        var location = CentralDirectoryLocation(offset: Int(directoryOffset), size: Int(directorySize),
                                                entryCount: Int(entryCount))
        let recordOffset = tailStart + recordStart
        if recordOffset >= 20,
           let zip64 = try zip64Location(reader: reader, locatorOffset: recordOffset - 20, file: file) {
            location = zip64
        } else if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw CheckpointError.malformedArchive(file: file, reason: "zip64 fields are saturated but the zip64 locator is missing")
        }
        guard location.offset >= 0, location.size >= 0, location.offset <= recordOffset,
              location.size <= recordOffset - location.offset else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "central directory [\(location.offset), +\(location.size)] lies outside the archive")
        }
        guard location.entryCount <= location.size / 46 else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "\(location.entryCount) entries cannot fit in a \(location.size)-byte central directory")
        }
        return location
    }

    /// Reads the zip64 end-of-central-directory record through its locator, if there is one.
    private static func zip64Location(reader: FileByteReader, locatorOffset: Int, file: String) throws -> CentralDirectoryLocation? {
        let locatorBytes = try reader.read(at: locatorOffset, count: 20, what: "the zip64 locator")
        var locator = ByteCursor(Array(locatorBytes)) { .malformedArchive(file: file, reason: "zip64 locator: \($0)") }
        guard try locator.readUInt32("signature") == zip64LocatorSignature else { return nil }
        _ = try locator.readUInt32("disk")
        let recordOffset = try locator.readUInt64("zip64 record offset")
        guard recordOffset <= UInt64(locatorOffset) else {
            throw CheckpointError.malformedArchive(file: file, reason: "zip64 record offset \(recordOffset) is out of range")
        }
        let recordBytes = try reader.read(at: Int(recordOffset), count: 56, what: "the zip64 end-of-central-directory record")
        var record = ByteCursor(Array(recordBytes)) { .malformedArchive(file: file, reason: "zip64 record: \($0)") }
        guard try record.readUInt32("signature") == zip64EndOfCentralDirectorySignature else {
            throw CheckpointError.malformedArchive(file: file, reason: "the zip64 locator points to no zip64 record")
        }
        try record.skip(20, what: "record size, versions and disk numbers")
        _ = try record.readUInt64("entries on this disk")
        let entryCount = try record.readUInt64("entry count")
        let directorySize = try record.readUInt64("central directory size")
        let directoryOffset = try record.readUInt64("central directory offset")
        let limit = UInt64(reader.size)
        guard entryCount <= limit, directorySize <= limit, directoryOffset <= limit else {
            throw CheckpointError.malformedArchive(file: file, reason: "zip64 record fields exceed the file size")
        }
        return CentralDirectoryLocation(offset: Int(directoryOffset), size: Int(directorySize), entryCount: Int(entryCount))
    }

    // MARK: Central directory entries

    private static func centralDirectoryEntry(from cursor: inout ByteCursor, archiveSize: Int,
                                              file: String) throws -> ZipEntry {
        guard try cursor.readUInt32("entry signature") == centralHeaderSignature else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "bad central directory entry signature at offset \(cursor.position - 4)")
        }
        try cursor.skip(4, what: "versions")
        let flags = try cursor.readUInt16("flags")
        let method = try cursor.readUInt16("compression method")
        try cursor.skip(4, what: "time and date")
        let crc = try cursor.readUInt32("crc-32")
        var compressedSize = UInt64(try cursor.readUInt32("compressed size"))
        var uncompressedSize = UInt64(try cursor.readUInt32("uncompressed size"))
        let nameLength = Int(try cursor.readUInt16("name length"))
        let extraLength = Int(try cursor.readUInt16("extra length"))
        let commentLength = Int(try cursor.readUInt16("comment length"))
        try cursor.skip(8, what: "disk number and attributes")
        var localHeaderOffset = UInt64(try cursor.readUInt32("local header offset"))
        let name = String(decoding: try cursor.readBytes(nameLength, what: "entry name"), as: UTF8.self)
        var extra = ByteCursor(Array(try cursor.readBytes(extraLength, what: "extra field of '\(name)'"))) {
            .malformedArchive(file: file, reason: "extra field of '\(name)': \($0)")
        }
        try cursor.skip(commentLength, what: "comment of '\(name)'")

        // The zip64 extra field holds, in this order, each 32-bit field that is saturated.
        while extra.remaining >= 4 {
            let fieldID = try extra.readUInt16("field id")
            let fieldLength = Int(try extra.readUInt16("field length"))
            var field = ByteCursor(Array(try extra.readBytes(fieldLength, what: "field \(fieldID)"))) {
                .malformedArchive(file: file, reason: "zip64 extra field of '\(name)': \($0)")
            }
            guard fieldID == zip64ExtraFieldID else { continue }
            if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try field.readUInt64("uncompressed size") }
            if compressedSize == 0xFFFF_FFFF { compressedSize = try field.readUInt64("compressed size") }
            if localHeaderOffset == 0xFFFF_FFFF { localHeaderOffset = try field.readUInt64("local header offset") }
        }
        let limit = UInt64(archiveSize)
        guard compressedSize <= limit, localHeaderOffset <= limit, uncompressedSize <= UInt64(Int.max) else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "entry '\(name)' claims offset \(localHeaderOffset) and size \(compressedSize), "
                    + "beyond the \(archiveSize)-byte archive")
        }
        return ZipEntry(name: name, compressionMethod: method, flags: flags, crc32: crc,
                        compressedSize: Int(compressedSize), uncompressedSize: Int(uncompressedSize),
                        localHeaderOffset: Int(localHeaderOffset))
    }
}

/// `0x1234abcd` style hexadecimal, for checksums in messages.
private func hex(_ value: UInt32) -> String {
    "0x" + String(value, radix: 16)
}
