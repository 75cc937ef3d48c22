import Checkpoints
import Foundation
import FuzzSupport
import TensorKit

/// Fuzzes the PyTorch ≥ 1.6 zip checkpoint reader: zip directory, local headers, CRC, the
/// pickle, the storages and the strided views built on them.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        var stateDict = StateDict()
        stateDict.set(Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5]), forKey: "conv.weight")
        stateDict.set(Tensor(shape: [3], scalars: [0.5, -1, 2]), forKey: "conv.bias")
        stateDict.set(IntegerTensor(shape: [], values: [7]), forKey: "bn.num_batches_tracked")
        let small = try FuzzInput.bytes { try PyTorchCheckpoint.write(stateDict, to: $0) }
        var single = StateDict()
        single.set(Tensor(shape: [1], scalars: [1]), forKey: "w")
        let tiny = try FuzzInput.bytes { try PyTorchCheckpoint.write(single, to: $0) }
        return [("state_dict.pth", small), ("single.pth", tiny)]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let name = "input.pth"
    let url = FuzzInput.file(FuzzInput.data(bytes, count), named: name)
    do { _ = try PyTorchCheckpoint.loadStateDict(from: url) } catch { FuzzInput.requireNamesFile(error, name) }
    return 0
}
