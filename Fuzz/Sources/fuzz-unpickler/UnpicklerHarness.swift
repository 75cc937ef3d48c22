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
        // The pickle of a checkpoint our writer made, taken out by the zip reader the importer uses.
        let archive = FuzzInput.scratchDirectory.appendingPathComponent("seed-\(UUID().uuidString).pth")
        defer { try? FileManager.default.removeItem(at: archive) }
        try PyTorchCheckpoint.write(stateDict, to: archive)
        let pickle = try ZipMember.contents(of: "archive/data.pkl", inArchive: archive)
        return [("data.pkl", pickle)]
    }
    return 0
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
