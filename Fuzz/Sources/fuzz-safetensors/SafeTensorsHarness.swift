import Checkpoints
import Foundation
import FuzzSupport
import TensorKit

/// Fuzzes the safetensors reader: the header (length, JSON, entries) and every tensor's bytes,
/// through `SafeTensorsFile` and the format-detecting `loadStateDict(from:)`.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        var writer = SafeTensorsWriter(metadata: ["format": "pt", "note": "seed"])
        writer.add(Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, -5.5]), named: "conv.weight")
        writer.add(int64s: [7], shape: [], named: "bn.num_batches_tracked")
        writer.add(Tensor(shape: [0, 4], scalars: []), named: "empty")
        let written = try FuzzInput.bytes { try writer.write(to: $0) }
        // The other dtypes, by hand: F16 [2] = 1.0, -2.0; BF16 [1]; U8 [3]; BOOL [2].
        let json = #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]},"#
            + #""u":{"dtype":"U8","shape":[3],"data_offsets":[6,9]},"t":{"dtype":"BOOL","shape":[2],"data_offsets":[9,11]}}"#
        var handMade = Data()
        var length = UInt64(json.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { handMade.append(contentsOf: $0) }
        handMade.append(contentsOf: Array(json.utf8))
        handMade.append(contentsOf: [0x00, 0x3C, 0x00, 0xC0, 0x80, 0x3F, 1, 2, 255, 0, 1])
        return [("writer.safetensors", written), ("dtypes.safetensors", handMade)]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let name = "input.safetensors"
    let url = FuzzInput.file(FuzzInput.data(bytes, count), named: name)
    do {
        let file = try SafeTensorsFile(url: url)
        for entry in file.entries.prefix(32) {
            if entry.dataType.isInteger { _ = try file.int64s(named: entry.name) } else { _ = try file.tensor(named: entry.name) }
        }
    } catch {
        FuzzInput.requireNamesFile(error, name)
    }
    do { _ = try loadStateDict(from: url) } catch { FuzzInput.requireNamesFile(error, name) }
    return 0
}
