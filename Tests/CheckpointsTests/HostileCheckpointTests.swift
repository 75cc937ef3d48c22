import Foundation
import Testing
import TensorKit
@_spi(Fuzzing) @testable import Checkpoints

/// Crafted checkpoints that used to trap, exhaust memory or overflow the stack: each must now be
/// a ``CheckpointError`` whose message starts with the file name. (Issue 11; the fuzz harnesses
/// in Fuzz/ found or confirmed each one, see RELIABILITY.md.)
@Suite struct HostileCheckpointTests {
    /// Loads `bytes` written as `name` and returns the error, which must name the file.
    private func loadingError(_ bytes: [UInt8], as name: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws -> CheckpointError {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let url = try scratch.write(bytes, to: name)
        let error = try #require(throws: CheckpointError.self, sourceLocation: sourceLocation) { try loadStateDict(from: url) }
        #expect(error.description.hasPrefix(name + ": "), "\(error)", sourceLocation: sourceLocation)
        return error
    }

    /// A pre-1.6 file: header, system info, `{"w": tensor}`, the key list `[key]`, then the storage
    /// as `storageCount` (int64) followed by `storage`.
    private func legacyFile(tensor: (inout PickleProgram) -> Void, key: String = "0",
                            storageCount: UInt64, storage: [UInt8]) -> [UInt8] {
        var bytes = LegacyPyTorchCheckpoint.header
        var systemInfo = PickleProgram()
        systemInfo.op(.emptyDict)
        systemInfo.stop()
        bytes += systemInfo.bytes
        var stateDict = PickleProgram()
        stateDict.orderedDict { items in
            items.string("w")
            tensor(&items)
        }
        stateDict.stop()
        bytes += stateDict.bytes
        var keys = PickleProgram()
        keys.op(.mark)
        keys.string(key)
        keys.op(.list)
        keys.stop()
        bytes += keys.bytes
        bytes.appendLittleEndian(storageCount)
        return bytes + storage
    }

    /// A zip checkpoint whose only entry `w` is the tensor `tensor` emits, over `entries`.
    private func zipFile(tensor: (inout PickleProgram) -> Void, entries: [(String, Data)]) throws -> [UInt8] {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        var program = PickleProgram()
        program.orderedDict { items in
            items.string("w")
            tensor(&items)
        }
        program.stop()
        let url = scratch.file("archive.pth")
        try writeArchive(to: url, pickle: program.bytes, entries: entries)
        return [UInt8](try Data(contentsOf: url))
    }

    // MARK: Sizes

    @Test func legacyStorageClaimingTwoToTheSixtyTwoElementsIsTruncatedNotATrap() throws {
        let numel = 1 << 62
        let bytes = legacyFile(tensor: { $0.tensor(key: "0", numel: numel, size: [numel], stride: [1], legacy: true) },
                               storageCount: UInt64(numel), storage: [0, 0, 0, 0])
        let error = try loadingError(bytes, as: "huge-legacy.pth")
        #expect(error.description.contains("storage '0'") && error.description.contains("more bytes than any file holds"), "\(error)")
    }

    @Test func legacyStorageLongerThanTheFileIsTruncated() throws {
        let bytes = legacyFile(tensor: { $0.tensor(key: "0", numel: 1000, size: [1000], stride: [1], legacy: true) },
                               storageCount: 1000, storage: [0, 0, 0, 0])
        let error = try loadingError(bytes, as: "short-legacy.pth")
        #expect(error.description.contains("4000 bytes"), "\(error)")
    }

    @Test func legacyStorageDeclaredTwiceWithDifferentTypesIsRejected() throws {
        let bytes = legacyFile(tensor: { program in
            program.tensor(key: "0", numel: 2, size: [2], stride: [1], legacy: true)
            program.string("v")
            program.tensor(storageType: "LongStorage", key: "0", numel: 1, size: [1], stride: [1], legacy: true)
        }, storageCount: 2, storage: [UInt8](repeating: 0, count: 8))
        let error = try loadingError(bytes, as: "conflict-legacy.pth")
        #expect(error.description.contains("declares storage '0'"), "\(error)")
    }

    @Test func zeroStrideViewOfTwoToTheFortyElementsIsRejectedBeforeAllocating() throws {
        let bytes = try zipFile(tensor: { $0.tensor(key: "0", numel: 1, size: [1 << 40], stride: [0]) },
                                entries: [("data/0", floatBytes([1]))])
        let error = try loadingError(bytes, as: "broadcast.pth")
        #expect(error.description.contains("tensor 'w' size [1099511627776] needs 4.4 TB"), "\(error)")
    }

    @Test func emptyViewWhoseStridesWouldOverflowIsRejected() throws {
        // No elements (a zero extent), but the row-major strides of [0, 2⁴⁰, 2⁴⁰] overflow 64 bits.
        let bytes = try zipFile(tensor: { $0.tensor(key: "0", numel: 1, size: [0, 1 << 40, 1 << 40], stride: [0, 0, 0]) },
                                entries: [("data/0", floatBytes([1]))])
        let error = try loadingError(bytes, as: "strides.pth")
        #expect(error.description.contains("overflow 64 bits"), "\(error)")
    }

    @Test func hugeStrideOnAUnitAxisIsHarmless() throws {
        // An axis of extent 1 never steps, so its stride (here near Int.max) must not overflow the walk.
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let bytes = try zipFile(tensor: { $0.tensor(key: "0", numel: 4, offset: 1, size: [1, 3], stride: [Int.max - 1, 1]) },
                                entries: [("data/0", floatBytes([1, 2, 3, 4]))])
        let url = try scratch.write(bytes, to: "unit.pth")
        #expect(try loadStateDict(from: url)["w"]?.scalars == [2, 3, 4])
    }

    @Test func safeTensorsEmptyShapeWithOverflowingStridesIsRejected() throws {
        let json = #"{"w":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}}"#
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(UInt64(json.utf8.count))
        bytes += Array(json.utf8)
        let error = try loadingError(bytes, as: "strides.safetensors")
        #expect(error.description.contains("overflow 64 bits"), "\(error)")
    }

    // MARK: Nesting through the memo

    /// `count` empty lists, each memoised, then each appended into the next in reverse order:
    /// every append happens while the inner list is still empty, so depths recorded at append
    /// time stay at 2 while the real chain is `count` deep.
    private func memoChainedLists(_ count: Int) -> [UInt8] {
        var program = PickleProgram()
        func put(_ index: Int) {
            program.op(.longBinPut)
            program.bytes.appendLittleEndian(UInt32(index))
        }
        func get(_ index: Int) {
            program.op(.longBinGet)
            program.bytes.appendLittleEndian(UInt32(index))
        }
        for index in 0..<count {
            program.op(.emptyList)
            put(index)
            program.op(.pop)
        }
        for index in stride(from: count - 2, through: 0, by: -1) {
            get(index + 1)
            get(index)
            program.op(.append)
            program.op(.pop)
        }
        get(count - 1)
        program.stop()
        return program.bytes
    }

    @Test func listsChainedThroughTheMemoCannotDefeatTheNestingBound() throws {
        let error = try #require(throws: CheckpointError.self) {
            try CheckpointParsing.unpickleStateDict(memoChainedLists(30_000), file: "chain.pkl")
        }
        #expect(error.description.hasPrefix("chain.pkl: "), "\(error)")
        #expect(error.description.contains("already inside another container"), "\(error)")
    }

    @Test func listAppendedToItselfIsRefused() throws {
        var program = PickleProgram()
        program.op(.emptyList)
        program.op(.dup)
        program.op(.append)
        program.stop()
        let error = try #require(throws: CheckpointError.self) {
            try CheckpointParsing.unpickleStateDict(program.bytes, file: "cycle.pkl")
        }
        #expect(error.description.contains("already inside another container"), "\(error)")
    }

    @Test func dictGainingItemsAfterBeingNestedIsRefused() throws {
        var program = PickleProgram()
        program.op(.emptyDict)
        program.op(.binPut)
        program.bytes.append(0)
        program.op(.emptyList)
        program.op(.binGet)
        program.bytes.append(0)
        program.op(.append)     // [ {} ]
        program.op(.binGet)
        program.bytes.append(0)
        program.string("k")
        program.op(.none)
        program.op(.setItem)    // {}["k"] = None, after the dict went into the list
        program.stop()
        let error = try #require(throws: CheckpointError.self) {
            try CheckpointParsing.unpickleStateDict(program.bytes, file: "late.pkl")
        }
        #expect(error.description.contains("setItem") && error.description.contains("changes a dict"), "\(error)")
    }

    @Test func nestingAtTheBoundIsAcceptedAndFreed() throws {
        // 100 directly nested lists (built inside out, as a pickler writes them) load, are not a
        // state dict, and are destroyed without trouble; 101 are refused.
        func nested(_ depth: Int) -> [UInt8] {
            var program = PickleProgram()
            for _ in 0..<depth { program.op(.mark) }
            for _ in 0..<depth { program.op(.list) }
            program.stop()
            return program.bytes
        }
        let accepted = try #require(throws: CheckpointError.self) { try CheckpointParsing.unpickleStateDict(nested(100), file: "deep.pkl") }
        #expect(accepted.description.contains("not a state dict"), "\(accepted)")
        let refused = try #require(throws: CheckpointError.self) { try CheckpointParsing.unpickleStateDict(nested(101), file: "deep.pkl") }
        #expect(refused.description.contains("nest deeper than 100"), "\(refused)")
    }
}
