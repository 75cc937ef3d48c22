import Checkpoints
import Foundation
import FuzzSupport

/// Fuzzes the pre-1.6 `torch.save` reader: five pickles back to back, then the raw storages.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        // The test fixture made by Tests/Fixtures/legacy/make_legacy_state_dict.py (636 bytes).
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/Fixtures/legacy/legacy_state_dict.pth")
        return [("legacy_state_dict.pth", try Data(contentsOf: fixture))]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let name = "input-legacy.pth"
    let url = FuzzInput.file(FuzzInput.data(bytes, count), named: name)
    do { _ = try LegacyPyTorchCheckpoint.loadStateDict(from: url) } catch { FuzzInput.requireNamesFile(error, name) }
    return 0
}
