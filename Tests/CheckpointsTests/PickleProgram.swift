import Foundation
@testable import Checkpoints

/// Builds pickle byte streams opcode by opcode, for hand-made (often hostile) test checkpoints.
struct PickleProgram {
    var bytes: [UInt8] = [0x80, 2]  // PROTO 2, then whatever the test appends

    mutating func op(_ opcode: PickleOpcode) { bytes.append(opcode.rawValue) }

    mutating func global(_ module: String, _ name: String) {
        op(.global)
        bytes += Array("\(module)\n\(name)\n".utf8)
    }

    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        op(.binUnicode)
        bytes.appendLittleEndian(UInt32(utf8.count))
        bytes += utf8
    }

    mutating func int(_ value: Int32) {
        op(.binInt)
        bytes.appendLittleEndian(value)
    }

    /// MARK, the items `body` emits, TUPLE.
    mutating func tuple(_ body: (inout PickleProgram) -> Void) {
        op(.mark)
        body(&self)
        op(.tuple)
    }

    /// BININT when `value` fits 32 bits, otherwise LONG1 with 8 bytes (what CPython writes for
    /// large ints).
    mutating func integer(_ value: Int) {
        if let small = Int32(exactly: value) {
            int(small)
        } else {
            op(.long1)
            bytes.append(8)
            bytes.appendLittleEndian(Int64(value))
        }
    }

    mutating func intTuple(_ values: [Int]) {
        tuple { program in values.forEach { program.integer($0) } }
    }

    mutating func emptyOrderedDict() {
        global("collections", "OrderedDict")
        op(.emptyTuple)
        op(.reduce)
    }

    /// `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`;
    /// `legacy` adds the sixth persistent-id item (view metadata, None) of pre-1.6 files.
    mutating func tensor(storageType: String = "FloatStorage", key: String, numel: Int,
                         offset: Int = 0, size: [Int], stride: [Int], legacy: Bool = false) {
        global("torch._utils", "_rebuild_tensor_v2")
        tuple { program in
            program.tuple { id in
                id.string("storage")
                id.global("torch", storageType)
                id.string(key)
                id.string("cpu")
                id.integer(numel)
                if legacy { id.op(.none) }
            }
            program.op(.binPersId)
            program.integer(offset)
            program.intTuple(size)
            program.intTuple(stride)
            program.op(.newFalse)
            program.emptyOrderedDict()
        }
        op(.reduce)
    }

    /// An OrderedDict whose SETITEMS body `items` emits key/value pairs.
    mutating func orderedDict(_ items: (inout PickleProgram) -> Void) {
        emptyOrderedDict()
        op(.mark)
        items(&self)
        op(.setItems)
    }

    mutating func stop() { op(.stop) }
}

/// Writes a `torch.save`-style archive with the given `data.pkl` and extra entries.
func writeArchive(to url: URL, pickle: [UInt8], entries: [(String, Data)], prefix: String = "archive/") throws {
    try AtomicFileWriter.write(to: url) { output in
        let archive = ZipArchiveWriter(output: output)
        try archive.addStoredEntry(named: prefix + "data.pkl", data: Data(pickle))
        for (name, data) in entries { try archive.addStoredEntry(named: prefix + name, data: data) }
        try archive.finish()
    }
}

/// Little-endian Float32 bytes of `values`.
func floatBytes(_ values: [Float]) -> Data {
    values.withUnsafeBytes { Data($0) }
}
