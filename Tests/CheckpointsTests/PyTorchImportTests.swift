import Foundation
import Testing
@testable import Checkpoints
import TensorKit

/// Hand-made checkpoints: what must load (views, nesting, prefixes) and what must be refused.
@Suite struct PyTorchImportTests {
    // MARK: Accepted structures

    @Test func stridedViewsAndSharedStoragesAreMaterialised() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        var program = PickleProgram()
        program.orderedDict { items in
            // Offset 1, size (2, 3), stride (1, 4): element [i][j] = storage[1 + i + 4j].
            items.string("transposed")
            items.tensor(key: "0", numel: 12, offset: 1, size: [2, 3], stride: [1, 4])
            // Same storage, a contiguous row further on.
            items.string("row")
            items.tensor(key: "0", numel: 12, offset: 8, size: [4], stride: [1])
            // Broadcast view: stride 0.
            items.string("broadcast")
            items.tensor(key: "0", numel: 12, offset: 3, size: [2, 2], stride: [0, 1])
        }
        program.stop()
        let url = scratch.file("views.pth")
        try writeArchive(to: url, pickle: program.bytes, entries: [("data/0", floatBytes((0..<12).map(Float.init)))])
        let stateDict = try loadStateDict(from: url)
        #expect(stateDict.keys == ["transposed", "row", "broadcast"])
        #expect(stateDict["transposed"]?.shape == [2, 3])
        #expect(stateDict["transposed"]?.scalars == [1, 5, 9, 2, 6, 10])
        #expect(stateDict["row"]?.scalars == [8, 9, 10, 11])
        #expect(stateDict["broadcast"]?.scalars == [3, 4, 3, 4])
    }

    @Test func nestedCheckpointDictWithDataParallelPrefixLoads() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        var program = PickleProgram()
        program.op(.emptyDict)
        program.op(.mark)
        program.string("epoch")
        program.int(12)
        program.string("best_acc")
        program.op(.binFloat)
        program.bytes += [0x3f, 0xe8, 0, 0, 0, 0, 0, 0]  // 0.75, big-endian
        program.string("state_dict")
        program.orderedDict { items in
            items.string("module.fc.weight")
            items.tensor(key: "w", numel: 2, size: [1, 2], stride: [2, 1])
            items.string("module.bn.num_batches_tracked")
            items.tensor(storageType: "LongStorage", key: "n", numel: 1, size: [], stride: [])
        }
        program.op(.setItems)
        program.stop()
        var counter: [UInt8] = []
        counter.appendLittleEndian(Int64(42))
        let url = scratch.file("checkpoint.pth")
        try writeArchive(to: url, pickle: program.bytes,
                         entries: [("data/w", floatBytes([1.5, -2])), ("data/n", Data(counter))])
        let stateDict = try loadStateDict(from: url)
        #expect(stateDict.keys == ["fc.weight", "bn.num_batches_tracked"])
        #expect(stateDict["fc.weight"]?.scalars == [1.5, -2])
        #expect(stateDict.integerTensor(forKey: "bn.num_batches_tracked") == IntegerTensor(shape: [], values: [42]))
    }

    // MARK: Refused globals

    @Test(arguments: [("os", "system"), ("builtins", "eval"), ("__builtin__", "getattr"), ("torch", "load"),
                      ("torch._utils", "_rebuild_tensor"), ("subprocess", "Popen")])
    func unknownGlobalIsRefusedBeforeUse(_ module: String, _ name: String) throws {
        // GLOBAL module.name, ('echo hacked',), REDUCE — plus trailing garbage that would fail
        // differently if the refusal did not happen at the GLOBAL itself.
        var program = PickleProgram()
        program.global(module, name)
        program.string("echo hacked")
        program.op(.tuple1)
        program.op(.reduce)
        program.bytes += [0xFF, 0xFF]
        var unpickler = Unpickler(bytes: program.bytes, file: "evil.pth")
        #expect(throws: CheckpointError.forbiddenGlobal(file: "evil.pth", module: module, name: name)) {
            _ = try unpickler.load()
        }

        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let url = scratch.file("evil.pth")
        try writeArchive(to: url, pickle: program.bytes, entries: [])
        let error = try #require(throws: CheckpointError.self) { try loadStateDict(from: url) }
        #expect(error.description.contains("'\(module).\(name)'"), "\(error)")
    }

    @Test func stackGlobalIsCheckedToo() throws {
        var program = PickleProgram()
        program.string("builtins")
        program.string("eval")
        program.op(.stackGlobal)
        program.stop()
        var unpickler = Unpickler(bytes: program.bytes, file: "evil.pth")
        #expect(throws: CheckpointError.forbiddenGlobal(file: "evil.pth", module: "builtins", name: "eval")) {
            _ = try unpickler.load()
        }
    }

    // MARK: Damaged archives

    @Test(arguments: [0.1, 0.5, 0.9, 0.999])
    func truncatedArchiveIsRejected(_ fraction: Double) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let bytes = try Data(contentsOf: ReferenceFixtures.url("mimodel_tanh_l1.pth"))
        let url = scratch.file("truncated.pth")
        try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: url)
        #expect(throws: CheckpointError.self) { try loadStateDict(from: url) }
    }

    @Test func corruptedStorageFailsItsChecksum() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        var bytes = try Data(contentsOf: ReferenceFixtures.url("mimodel_tanh_l1.pth"))
        bytes[bytes.startIndex + 20_000] ^= 0x01  // inside mimodel_tanh_l1/data/0
        let url = scratch.file("corrupted.pth")
        try bytes.write(to: url)
        let error = try #require(throws: CheckpointError.self) { try loadStateDict(from: url) }
        #expect(error.description.contains("CRC-32"), "\(error)")
    }

    /// The error from loading a checkpoint whose only entry `w` is the tensor `tensor` emits (an
    /// empty OrderedDict when `tensor` is nil), stored with `entries`, after `patch` edits the bytes.
    private func loadingError(ofFile name: String, tensor: ((inout PickleProgram) -> Void)? = nil,
                              entries: [(String, Data)] = [],
                              patch: (inout Data) -> Void = { _ in }) throws -> CheckpointError {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        var program = PickleProgram()
        if let tensor {
            program.orderedDict { items in
                items.string("w")
                tensor(&items)
            }
        } else {
            program.emptyOrderedDict()
        }
        program.stop()
        let url = scratch.file(name)
        try writeArchive(to: url, pickle: program.bytes, entries: entries)
        var bytes = try Data(contentsOf: url)
        patch(&bytes)
        try bytes.write(to: url)
        return try #require(throws: CheckpointError.self) { try loadStateDict(from: url) }
    }

    @Test func wrongStorageSizeIsRejected() throws {
        let error = try loadingError(ofFile: "short.pth", tensor: { $0.tensor(key: "0", numel: 3, size: [3], stride: [1]) },
                                     entries: [("data/0", floatBytes([1, 2]))])
        #expect(error.description == "short.pth: tensor 'w' storage 'archive/data/0' has 8 bytes, "
                + "but 3 elements of F32 need 12")
    }

    @Test func viewOutsideItsStorageIsRejected() throws {
        let error = try loadingError(
            ofFile: "view.pth", tensor: { $0.tensor(key: "0", numel: 4, offset: 2, size: [2, 2], stride: [2, 1]) },
            entries: [("data/0", floatBytes([1, 2, 3, 4]))])
        #expect(error.description.contains("reaches element 5, but the storage has 4 elements"), "\(error)")
    }

    @Test func missingDataEntryIsRejected() throws {
        let error = try loadingError(ofFile: "missing.pth", tensor: { $0.tensor(key: "7", numel: 1, size: [1], stride: [1]) },
                                     entries: [("data/0", floatBytes([1]))])
        #expect(error.description.contains("'archive/data/7' of tensor 'w' is missing"), "\(error)")
    }

    @Test func bigEndianArchiveIsRejected() throws {
        let error = try loadingError(ofFile: "big.pth", entries: [("byteorder", Data("big".utf8))])
        #expect(error.description.contains("byte order is 'big'"), "\(error)")
    }

    @Test(arguments: [(UInt8(8), "damaged compressed data"), (UInt8(12), "compression method 12")])
    func entryWithAnotherCompressionIsRejected(_ method: (UInt8, String)) throws {
        let error = try loadingError(ofFile: "compressed.pth", patch: { bytes in
            // Patch the compression method of the first central-directory record: 8 (deflate) makes
            // the stored bytes an invalid deflate stream, 12 (bzip2) is not read at all.
            let endRecord = bytes.count - 22
            let directoryOffset = bytes[(endRecord + 16)..<(endRecord + 20)].reversed().reduce(0) { $0 << 8 | Int($1) }
            bytes[directoryOffset + 10] = method.0
        })
        #expect(error.description.contains(method.1), "\(error)")
    }

    // MARK: Damaged pickles

    @Test func malformedPicklesAreRejected() throws {
        var deepNesting = PickleProgram()
        deepNesting.op(.emptyTuple)
        for _ in 0..<100_000 { deepNesting.op(.tuple1) }
        deepNesting.stop()

        var textOpcode = PickleProgram()
        textOpcode.bytes += Array("I42\n.".utf8)  // protocol-0 INT, not used by torch

        var hugeString = PickleProgram()
        hugeString.op(.binUnicode8)
        hugeString.bytes.appendLittleEndian(UInt64.max)

        var unknownMemo = PickleProgram()
        unknownMemo.op(.binGet)
        unknownMemo.bytes.append(9)
        unknownMemo.stop()

        var emptyStack = PickleProgram()
        emptyStack.op(.reduce)

        var callingAStorage = PickleProgram()
        callingAStorage.global("torch", "FloatStorage")
        callingAStorage.op(.emptyTuple)
        callingAStorage.op(.reduce)
        callingAStorage.stop()

        let programs: [(String, [UInt8])] = [
            ("deep nesting", deepNesting.bytes), ("text opcode", textOpcode.bytes),
            ("huge string", hugeString.bytes), ("unknown memo", unknownMemo.bytes),
            ("empty stack", emptyStack.bytes), ("calling a storage", callingAStorage.bytes),
            ("no STOP", [0x80, 2, PickleOpcode.none.rawValue]), ("empty", []),
        ]
        for (label, bytes) in programs {
            var unpickler = Unpickler(bytes: bytes, file: "bad.pth")
            #expect(throws: CheckpointError.self, "\(label)") { _ = try unpickler.load() }
        }
    }

    // MARK: Other formats

    @Test func legacyFileCutAfterItsMagicNumberIsReportedAsTruncated() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        // PROTO 2, LONG1 with the 10-byte magic number 0x1950a86a20f9469cfc6c, as torch < 1.6 wrote,
        // and nothing after it (legacy files are read: see LegacyPyTorchCheckpointTests).
        let legacy: [UInt8] = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]
        let url = try scratch.write(legacy, to: "old.pth")
        #expect(try CheckpointFormat.detect(at: url) == .legacyPyTorch)
        let error = try #require(throws: CheckpointError.self) { try loadStateDict(from: url) }
        guard case .truncated(let file, _) = error else {
            Issue.record("expected a truncation error, got \(error)")
            return
        }
        #expect(file == "old.pth")
    }

    @Test func unknownFormatIsRejected() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let url = try scratch.write(Array("hello, not a checkpoint".utf8), to: "notes.pth")
        #expect(throws: CheckpointError.unrecognizedFormat(file: "notes.pth")) { try loadStateDict(from: url) }
        let empty = try scratch.write([], to: "empty.safetensors")
        #expect(throws: CheckpointError.self) { try loadStateDict(from: empty) }
    }
}
