/// Entry points for the libFuzzer harnesses in `Fuzz/`: the parsers of this module that are not
/// public API, reachable from bytes in memory. Import with `@_spi(Fuzzing) import Checkpoints`.
@_spi(Fuzzing) public enum CheckpointParsing {
    /// Runs the restricted unpickler over `bytes` (one pickle, up to its STOP) and then the
    /// state-dict extraction over the result, exactly as ``PyTorchCheckpoint`` does.
    ///
    /// - Returns: the number of tensor references in the state dict.
    /// - Throws: ``CheckpointError`` naming `file`.
    @discardableResult
    public static func unpickleStateDict(_ bytes: [UInt8], file: String) throws -> Int {
        var unpickler = Unpickler(bytes: bytes, file: file)
        let root = try unpickler.load()
        return try PyTorchCheckpoint.stateDictEntries(in: root, file: file).count
    }
}
