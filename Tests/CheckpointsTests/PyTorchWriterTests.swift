import Foundation
import Testing
import Checkpoints
import TensorKit
import TestSupport

@Suite struct PyTorchWriterTests {
    static func sampleStateDict() -> StateDict {
        var stateDict = StateDict()
        stateDict.set(Tensor(shape: [2, 3], scalars: [1, -2, 3.5, .pi, -0.0, 1e-38]), forKey: "layer.weight")
        stateDict.set(Tensor([0.5, -0.25]), forKey: "layer.bias")
        stateDict.set(Tensor(scalar: 7), forKey: "scale")
        stateDict.set(Tensor(shape: [0, 3], scalars: []), forKey: "empty")
        stateDict.set(Tensor(shape: [2, 1, 2, 2], scalars: (0..<8).map(Float.init)), forKey: "conv.weight")
        stateDict.set(IntegerTensor(shape: [], values: [123_456_789_012]), forKey: "bn.num_batches_tracked")
        return stateDict
    }

    @Test func writtenCheckpointReadsBackIdentically() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let original = Self.sampleStateDict()
        let url = scratch.file("model.pth")
        try PyTorchCheckpoint.write(original, to: url)
        #expect(try CheckpointFormat.detect(at: url) == .pyTorchZip)
        let loaded = try loadStateDict(from: url)
        #expect(loaded.keys == original.keys, "order is preserved")
        for (key, value) in original.entries {
            let readBack = try #require(loaded.value(forKey: key))
            expectBitwiseEqual(readBack, value, key)
        }
    }

    @Test func fixtureSurvivesAPthRewrite() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let original = try loadStateDict(from: ReferenceFixtures.url("encoder_mobilenetv2_w0.5.pth"))
        let url = scratch.file("rewritten.pth")
        try PyTorchCheckpoint.write(original, to: url)
        let rewritten = try loadStateDict(from: url)
        #expect(rewritten.keys == original.keys)
        for (key, value) in original.entries {
            expectBitwiseEqual(try #require(rewritten.value(forKey: key)), value, key)
        }
    }

    /// Python's own `zipfile` and `pickle` (with stand-ins for the three torch globals) read the
    /// archive: CRCs, 64-byte data alignment, the pickle structure and the storages all check out.
    @Test func pythonZipfileAndPickleReadOurCheckpoint() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let url = scratch.file("model.pth")
        try PyTorchCheckpoint.write(Self.sampleStateDict(), to: url)
        let script = """
            import sys, zipfile, pickle, collections, struct
            path = sys.argv[1]
            z = zipfile.ZipFile(path)
            assert z.testzip() is None, "bad CRC"
            raw = open(path, "rb").read()
            for info in z.infolist():
                name_length, extra_length = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
                data_offset = info.header_offset + 30 + name_length + extra_length
                assert data_offset % 64 == 0, (info.filename, data_offset)
            assert z.read("archive/byteorder") == b"little"
            assert z.read("archive/version") == b"3\\n"
            class Restricted(pickle.Unpickler):
                def find_class(self, module, name):
                    if (module, name) == ("collections", "OrderedDict"):
                        return collections.OrderedDict
                    if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                        return lambda storage, offset, size, stride, requires_grad, hooks: (storage, offset, size, stride)
                    if module == "torch" and name in ("FloatStorage", "LongStorage"):
                        return name
                    raise pickle.UnpicklingError(module + "." + name)
                def persistent_load(self, pid):
                    kind, storage_type, key, location, numel = pid
                    assert (kind, location) == ("storage", "cpu")
                    data = z.read("archive/data/" + key)
                    code = {"FloatStorage": "f", "LongStorage": "q"}[storage_type]
                    assert len(data) == numel * struct.calcsize(code)
                    return list(struct.unpack("<%d%s" % (numel, code), data))
            state = Restricted(z.open("archive/data.pkl")).load()
            assert type(state) is collections.OrderedDict
            for key, (storage, offset, size, stride) in state.items():
                print(key, offset, list(size), list(stride), storage[:3])
            """
        let result = try PythonInterop.run(script: script, arguments: [url.path])
        #expect(result.status == 0, "python failed: \(result.output)")
        #expect(result.output == """
            layer.weight 0 [2, 3] [3, 1] [1.0, -2.0, 3.5]
            layer.bias 0 [2] [1] [0.5, -0.25]
            scale 0 [] [] [7.0]
            empty 0 [0, 3] [3, 1] []
            conv.weight 0 [2, 1, 2, 2] [4, 4, 2, 1] [0.0, 1.0, 2.0]
            bn.num_batches_tracked 0 [] [] [123456789012]

            """)
    }

    /// `torch.load(weights_only=True)` of the pinned PyTorch reads every tensor of our archive with
    /// its dtype, shape, strides and values (floats printed exactly, -0.0 and a subnormal included).
    @Test func torchLoadsOurCheckpoint() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let url = scratch.file("model.pth")
        try PyTorchCheckpoint.write(Self.sampleStateDict(), to: url)
        let script = """
            import sys, torch
            state = torch.load(sys.argv[1], weights_only=True)
            print(type(state).__name__)
            for key, value in state.items():
                print(key, value.dtype, list(value.shape), list(value.stride()), value.flatten().tolist())
            """
        let result = try PythonInterop.run(script: script, arguments: [url.path])
        #expect(result.status == 0, "torch.load failed: \(result.output)")
        #expect(result.output == """
            OrderedDict
            layer.weight torch.float32 [2, 3] [3, 1] [1.0, -2.0, 3.5, \(Double(Float.pi)), -0.0, \(Double(Float(1e-38)))]
            layer.bias torch.float32 [2] [1] [0.5, -0.25]
            scale torch.float32 [] [] [7.0]
            empty torch.float32 [0, 3] [3, 1] []
            conv.weight torch.float32 [2, 1, 2, 2] [4, 4, 2, 1] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
            bn.num_batches_tracked torch.int64 [] [] [123456789012]

            """)
    }
}
