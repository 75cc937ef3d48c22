import Foundation
import Testing
import Checkpoints
import TensorKit

@Suite struct SafeTensorsRoundTripTests {
    @Test func float32AndInt64AndMetadataRoundTrip() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let weight = Tensor(shape: [2, 3], scalars: [1, -2.5, .pi, 0, -0.0, .greatestFiniteMagnitude])
        let scalar = Tensor(scalar: 42)
        let empty = Tensor(shape: [0, 4], scalars: [])
        var writer = SafeTensorsWriter(metadata: ["format": "pt", "note": "quote \" and\nnewline"])
        writer.add(weight, named: "layer.weight")
        writer.add(scalar, named: "a \"quoted\" name")
        writer.add(empty, named: "empty")
        writer.add(int64s: [3, -1, .max, .min], shape: [2, 2], named: "counts")
        let url = scratch.file("round.safetensors")
        try writer.write(to: url)

        let file = try SafeTensorsFile(url: url)
        #expect(file.metadata == writer.metadata)
        #expect(Set(file.names) == ["layer.weight", "a \"quoted\" name", "empty", "counts"])
        #expect(file.names.first == "counts", "8-byte elements come first so they stay aligned")
        let readWeight = try file.tensor(named: "layer.weight")
        #expect(readWeight.shape == [2, 3])
        #expect(readWeight.scalars.map(\.bitPattern) == weight.scalars.map(\.bitPattern))
        #expect(try file.tensor(named: "a \"quoted\" name").shape == [])
        #expect(try file.tensor(named: "a \"quoted\" name").scalars == [42])
        #expect(try file.tensor(named: "empty").shape == [0, 4])
        let counts = try file.int64s(named: "counts")
        #expect(counts.shape == [2, 2] && counts.values == [3, -1, .max, .min])
        #expect(try file.info("counts").dataType == .int64)

        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(headerLength % 8 == 0, "header is padded to 8 bytes")
    }

    @Test func writingReplacesAtomicallyAndLeavesNoTemporaryFile() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let url = scratch.file("model.safetensors")
        var first = SafeTensorsWriter()
        first.add(Tensor([1, 2]), named: "a")
        try first.write(to: url)
        var second = SafeTensorsWriter()
        second.add(Tensor([3, 4, 5]), named: "b")
        try second.write(to: url)
        #expect(try SafeTensorsFile(url: url).names == ["b"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
        #expect(leftovers == ["model.safetensors"])
    }

    @Test func writingIntoAMissingDirectoryThrows() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        var writer = SafeTensorsWriter()
        writer.add(Tensor([1]), named: "a")
        #expect(throws: CheckpointError.self) {
            try writer.write(to: scratch.file("no/such/dir/model.safetensors"))
        }
    }

    /// Only the requested tensor's bytes are read: after cutting off the end of the file, the
    /// tensors before the cut still read, and the one behind it reports truncation.
    @Test func readsOneTensorLazilyFromAMultiTensorFile() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        var writer = SafeTensorsWriter()
        for index in 0..<5 {
            writer.add(Tensor(shape: [100], scalars: (0..<100).map { Float(index * 1000 + $0) }), named: "t\(index)")
        }
        let url = scratch.file("many.safetensors")
        try writer.write(to: url)
        let file = try SafeTensorsFile(url: url)
        #expect(file.names == ["t0", "t1", "t2", "t3", "t4"])

        let third = try file.tensor(named: "t2")
        #expect(third.scalars.first == 2000 && third.scalars.last == 2099)

        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 10).write(to: url)
        #expect(try file.tensor(named: "t0").scalars.first == 0)
        #expect(throws: CheckpointError.self) { try file.tensor(named: "t4") }
    }

    @Test func float16AndBFloat16ConvertExactly() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        // F16: 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), -0.0, +inf.
        let halfBits: [UInt16] = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00]
        // BF16: 1.0, -3.140625, 1e38-ish.
        let bfloatBits: [UInt16] = [0x3f80, 0xc049, 0x7e96]
        let header = #"{"b":{"dtype":"BF16","shape":[3],"data_offsets":[12,18]},"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"u":{"dtype":"BOOL","shape":[2],"data_offsets":[18,20]}}"#
        let buffer: [UInt8] = (halfBits + bfloatBits).flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] } + [1, 0]
        let crafted = CraftedSafeTensors("mixed dtypes", header: header, buffer: buffer)
        let file = try SafeTensorsFile(url: try scratch.write(crafted.bytes, to: "mixed.safetensors"))
        #expect(file.names == ["h", "b", "u"])
        let half = try file.tensor(named: "h")
        #expect(half.shape == [2, 3])
        let expected: [Float] = [1, -2, 65504, 0x1p-24, -0.0, .infinity]
        #expect(half.scalars.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(try file.tensor(named: "b").scalars == [1, -3.140625, Float(bitPattern: 0x7e96_0000)])
        #expect(try file.int64s(named: "u").values == [1, 0])
        #expect(try file.tensor(named: "u").scalars == [1, 0])
    }
}
