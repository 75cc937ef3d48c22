@_spi(Fuzzing) import Checkpoints
import Foundation
import FuzzSupport
import TensorKit

/// Fuzzes the restricted unpickler alone, on bytes in memory (no file per input), followed by
/// the state-dict extraction of the value it builds.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        var stateDict = StateDict()
        stateDict.set(Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5]), forKey: "conv.weight")
        stateDict.set(IntegerTensor(shape: [], values: [7]), forKey: "bn.num_batches_tracked")
        let archive = try FuzzInput.bytes { try PyTorchCheckpoint.write(stateDict, to: $0) }
        guard let pickle = storedEntry(endingWith: "data.pkl", in: [UInt8](archive)) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return [("data.pkl", Data(pickle))]
    }
    return 0
}

/// The bytes of the first stored entry whose local header names `suffix` (seed extraction only).
private func storedEntry(endingWith suffix: String, in archive: [UInt8]) -> ArraySlice<UInt8>? {
    func field(_ offset: Int, _ width: Int) -> Int {
        (0..<width).reduce(0) { $0 | Int(archive[offset + $1]) << (8 * $1) }
    }
    var offset = 0
    while offset + 30 <= archive.count, field(offset, 4) == 0x0403_4b50 {
        let size = field(offset + 18, 4), nameLength = field(offset + 26, 2), extraLength = field(offset + 28, 2)
        let name = String(decoding: archive[(offset + 30)..<(offset + 30 + nameLength)], as: UTF8.self)
        let start = offset + 30 + nameLength + extraLength
        if name.hasSuffix(suffix) { return archive[start..<(start + size)] }
        offset = start + size
    }
    return nil
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let name = "input.pkl"
    do {
        try CheckpointParsing.unpickleStateDict([UInt8](FuzzInput.data(bytes, count)), file: name)
    } catch {
        FuzzInput.requireNamesFile(error, name)
    }
    return 0
}
