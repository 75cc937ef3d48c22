import Checkpoints
import Foundation
import Testing
import TensorKit

/// The pre-1.6 `torch.save` format (released weights such as EfficientNet-Lite0's are in it),
/// on a small file made by Tests/Fixtures/legacy/make_legacy_state_dict.py.
@Suite struct LegacyPyTorchCheckpointTests {
    static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/legacy/legacy_state_dict.pth")

    @Test func legacyFileIsRecognisedAndRead() throws {
        #expect(try CheckpointFormat.detect(at: Self.fixture) == .legacyPyTorch)
        let stateDict = try loadStateDict(from: Self.fixture)
        #expect(stateDict.keys == ["conv.weight", "bn.num_batches_tracked", "view.weight"])
        #expect(stateDict["conv.weight"]?.shape == [2, 3])
        #expect(stateDict["conv.weight"]?.scalars == [0, 1, 2, 3, 4, 5])
        #expect(stateDict.integerTensor(forKey: "bn.num_batches_tracked")?.values == [7])
        // A strided view (offset 1, stride 2) of the storage 10 … 14.
        #expect(stateDict["view.weight"]?.scalars == [11, 13])
    }

    @Test func truncatedStoragesAreReportedWithTheFileName() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-legacy-\(UUID().uuidString).pth")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let bytes = try Data(contentsOf: Self.fixture)
        try bytes.prefix(bytes.count - 6).write(to: scratch)
        #expect {
            _ = try loadStateDict(from: scratch)
        } throws: { error in
            guard let error = error as? CheckpointError else { return false }
            return error.description.hasPrefix(scratch.lastPathComponent) && error.description.contains("storage '2'")
        }
    }
}
