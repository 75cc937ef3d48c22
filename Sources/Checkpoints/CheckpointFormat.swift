import Foundation

/// The checkpoint file formats this module reads, recognised by their first bytes (not by the
/// file extension, which users get wrong).
public enum CheckpointFormat: Equatable, Sendable {
    /// safetensors: 8-byte little-endian header length, then a JSON object.
    case safeTensors
    /// PyTorch ≥ 1.6 `torch.save` zip archive (`PK\x03\x04`).
    case pyTorchZip
    /// PyTorch < 1.6 `torch.save`: a raw pickle stream starting with protocol 2 and a magic number.
    case legacyPyTorch

    /// Inspects the first bytes of `url`.
    ///
    /// - Throws: ``CheckpointError/unreadable(file:reason:)`` or
    ///   ``CheckpointError/unrecognizedFormat(file:)``.
    public static func detect(at url: URL) throws -> CheckpointFormat {
        let reader = try FileByteReader(url: url)
        let head = Array(try reader.read(at: 0, count: min(reader.size, 9), what: "the file signature"))
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            return .pyTorchZip
        }
        // safetensors before pickle: a header length whose low byte is 0x80 starts like PROTO
        // (a legacy torch.save file has 0xf9 at byte 8, part of its magic number).
        if head.count == 9, head[8] == UInt8(ascii: "{") {
            return .safeTensors
        }
        if head.first == PickleOpcode.proto.rawValue {
            return .legacyPyTorch
        }
        throw CheckpointError.unrecognizedFormat(file: url.checkpointDisplayName)
    }
}

/// Loads a model state dict from a safetensors file or a PyTorch `.pth` checkpoint, choosing the
/// reader by the file's first bytes.
///
/// See ``StateDict`` for how values are represented and ``PyTorchCheckpoint/loadStateDict(from:)``
/// for what is accepted from PyTorch files; in both formats a `module.` prefix on every key is removed.
///
/// - Throws: ``CheckpointError`` naming the file and what is wrong with it.
public func loadStateDict(from url: URL) throws -> StateDict {
    switch try CheckpointFormat.detect(at: url) {
    case .safeTensors:
        return try StateDict(contentsOf: SafeTensorsFile(url: url)).removingCommonPrefix("module.")
    case .pyTorchZip:
        return try PyTorchCheckpoint.loadStateDict(from: url)
    case .legacyPyTorch:
        return try LegacyPyTorchCheckpoint.loadStateDict(from: url)
    }
}
