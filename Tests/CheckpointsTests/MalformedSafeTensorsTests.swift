import Foundation
import Testing
import Checkpoints

/// A hand-made safetensors file; for a defective one, a phrase its error message must contain.
struct CraftedSafeTensors: Sendable, CustomStringConvertible {
    let description: String
    let bytes: [UInt8]
    let expectedMessage: String

    /// Builds `header` + `buffer` with a correct header length unless `declaredHeaderLength` is given.
    init(_ description: String, header: String, buffer: [UInt8] = [], declaredHeaderLength: UInt64? = nil,
         expectedMessage: String = "") {
        let headerBytes = Array(header.utf8)
        let length = declaredHeaderLength ?? UInt64(headerBytes.count)
        self.description = description
        self.bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + headerBytes + buffer
        self.expectedMessage = expectedMessage
    }

    init(_ description: String, rawBytes: [UInt8], expectedMessage: String = "") {
        self.description = description
        self.bytes = rawBytes
        self.expectedMessage = expectedMessage
    }

    static let malformed: [CraftedSafeTensors] = [
        .init("header length larger than the file", header: "{}", declaredHeaderLength: 1000,
              expectedMessage: "larger than the rest of the file"),
        .init("absurd header length", header: "{}", declaredHeaderLength: 1 << 40,
              expectedMessage: "exceeds the 100 MB limit"),
        .init("file shorter than the length field", rawBytes: [1, 0, 0], expectedMessage: "truncated"),
        .init("invalid JSON", header: #"{"a": {"dtype": "F32", "shape": [1"#, buffer: [0, 0, 0, 0],
              expectedMessage: "not valid JSON"),
        .init("header is a JSON array", header: "[1, 2]", expectedMessage: "does not start with '{'"),
        .init("offsets out of range", header: #"{"a.weight":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#,
              buffer: [UInt8](repeating: 0, count: 8),
              expectedMessage: "tensor 'a.weight' data_offsets [0, 12] out of range (buffer is 8 bytes)"),
        .init("overlapping tensors",
              header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
              buffer: [UInt8](repeating: 0, count: 12), expectedMessage: "overlap"),
        .init("unknown dtype", header: #"{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,2]}}"#,
              buffer: [0, 0], expectedMessage: "unknown dtype 'Q4'"),
        .init("shape and offsets disagree", header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
              buffer: [UInt8](repeating: 0, count: 8), expectedMessage: "needs 12 bytes"),
        .init("negative extent", header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#,
              expectedMessage: "non-negative integers"),
        .init("boolean extent", header: #"{"a":{"dtype":"U8","shape":[true],"data_offsets":[0,1]}}"#,
              buffer: [0], expectedMessage: "non-negative integers"),
        .init("fractional offset", header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0.5,1]}}"#,
              buffer: [0, 0], expectedMessage: "two integers"),
        .init("metadata that is not a string map", header: #"{"__metadata__":{"epoch":3}}"#,
              expectedMessage: "__metadata__"),
        .init("missing dtype", header: #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#,
              buffer: [0, 0, 0, 0], expectedMessage: "no string 'dtype'"),
    ]
}

@Suite struct MalformedSafeTensorsTests {
    @Test(arguments: CraftedSafeTensors.malformed)
    func malformedFileIsRejectedWithAClearError(_ malformed: CraftedSafeTensors) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let url = try scratch.write(malformed.bytes, to: "model.safetensors")
        do {
            let file = try SafeTensorsFile(url: url)
            Issue.record("\(malformed) was accepted with tensors \(file.names)")
        } catch let error as CheckpointError {
            let message = error.description
            #expect(message.hasPrefix("model.safetensors: "), "message does not name the file: \(message)")
            #expect(message.contains(malformed.expectedMessage), "unexpected message: \(message)")
        }
    }

    @Test func fileTruncatedAfterOpeningFailsOnRead() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let complete = CraftedSafeTensors("valid", header: header, buffer: [UInt8](repeating: 0, count: 8))
        let url = try scratch.write(complete.bytes, to: "model.safetensors")
        let file = try SafeTensorsFile(url: url)
        try Data(complete.bytes.dropLast(3)).write(to: url)
        #expect(throws: CheckpointError.self) { try file.tensor(named: "a") }
    }
}
