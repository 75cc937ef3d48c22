import Foundation
import Testing
import Checkpoints
import TensorKit
import TestSupport

/// Cross-checks with the Python `safetensors` library of the pinned test environment.
@Suite struct SafeTensorsPythonInteropTests {
    @Test func pythonSafetensorsReadsOurFile() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        writer.add(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6.5]), named: "w")
        writer.add(Tensor([0.25]), named: "b")
        writer.add(int64s: [7, -9], shape: [2], named: "n")
        let url = scratch.file("ours.safetensors")
        try writer.write(to: url)
        let script = """
            import sys
            from safetensors import safe_open
            with safe_open(sys.argv[1], framework="numpy") as f:
                print(sorted(f.metadata().items()))
                for k in sorted(f.keys()):
                    t = f.get_tensor(k)
                    print(k, t.dtype, list(t.shape), t.ravel().tolist())
            """
        let result = try PythonInterop.run(script: script, arguments: [url.path])
        #expect(result.status == 0, "python failed: \(result.output)")
        #expect(result.output == """
            [('format', 'pt')]
            b float32 [1] [0.25]
            n int64 [2] [7, -9]
            w float32 [2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.5]

            """)
    }

    @Test func weReadPythonSafetensorsOutput() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let url = scratch.file("theirs.safetensors")
        let script = """
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({"h": np.array([1.5, -2.0], dtype=np.float16), "i": np.array([[3]], dtype=np.int32),
                       "x": np.arange(5, dtype=np.float32)}, sys.argv[1], metadata={"k": "v"})
            """
        let result = try PythonInterop.run(script: script, arguments: [url.path])
        #expect(result.status == 0, "python failed: \(result.output)")
        let file = try SafeTensorsFile(url: url)
        #expect(file.metadata == ["k": "v"])
        #expect(try file.tensor(named: "h").scalars == [1.5, -2])
        #expect(try file.int64s(named: "i").shape == [1, 1])
        #expect(try file.int64s(named: "i").values == [3])
        #expect(try file.tensor(named: "x").scalars == [0, 1, 2, 3, 4])
    }
}
