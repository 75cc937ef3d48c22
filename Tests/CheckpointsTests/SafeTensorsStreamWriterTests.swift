import Checkpoints
import Foundation
import Testing
import TensorKit

/// The streaming writer gives a file that reads back exactly like the one-shot writer's, and
/// refuses to put a file in place when the pieces do not add up.
@Suite struct SafeTensorsStreamWriterTests {
    private func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-stream-\(UUID().uuidString)-\(name)")
    }

    @Test func piecesInAnyChunkingReadBackAsTheTensors() throws {
        var generator = SeededGenerator(seed: 3)
        let words = Tensor.normal([3, 4, 5], generator: &generator), regions = Tensor.normal([3, 4, 4], generator: &generator)
        let url = temporaryFile("a.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensorsStreamWriter.write(to: url, metadata: ["k": "v"],
                                          tensors: [("words", words.shape), ("empty", [0, 3]), ("word_regions", regions.shape)]) { stream in
            let all = words.scalars + regions.scalars
            var start = 0
            for size in [1, 7, 19, 13, 40, 28] {       // pieces that straddle the tensor boundary
                try stream.append(Array(all[start..<min(all.count, start + size)]))
                start += size
            }
        }
        let file = try SafeTensorsFile(url: url)
        #expect(try file.tensor(named: "words").scalars == words.scalars)
        #expect(try file.tensor(named: "word_regions").scalars == regions.scalars)
        #expect(try file.tensor(named: "empty").shape == [0, 3])
        #expect(file.metadata["k"] == "v")
    }

    @Test func missingOrSurplusElementsLeaveNoFile() throws {
        let url = temporaryFile("b.safetensors")
        #expect(throws: CheckpointError.self) {
            try SafeTensorsStreamWriter.write(to: url, metadata: [:], tensors: [("a", [2, 2])]) { try $0.append([1, 2, 3]) }
        }
        #expect(throws: CheckpointError.self) {
            try SafeTensorsStreamWriter.write(to: url, metadata: [:], tensors: [("a", [2])]) { try $0.append([1, 2, 3]) }
        }
        #expect(throws: CheckpointError.self) {
            try SafeTensorsStreamWriter.write(to: url, metadata: [:], tensors: [("a", [1 << 62, 4])]) { _ in }
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}
