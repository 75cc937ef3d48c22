import Foundation

/// Everything that can go wrong while reading or writing a checkpoint file.
///
/// Every case carries the name of the file involved, and ``description`` starts with it, so a
/// message such as `model.safetensors: tensor 'a.weight' data_offsets [0, 12] out of range
/// (buffer is 8 bytes)` tells the user which file to look at and what is wrong with it.
public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read (missing, permissions, I/O error).
    case unreadable(file: String, reason: String)
    /// The file ended before a structure it announced.
    case truncated(file: String, reason: String)
    /// The safetensors header is not what the format prescribes.
    case malformedHeader(file: String, reason: String)
    /// One tensor's entry is inconsistent (dtype, shape, offsets, storage size).
    case malformedTensor(file: String, tensor: String, reason: String)
    /// The requested tensor is not in the file.
    case missingTensor(file: String, tensor: String)
    /// The tensor exists but has a data type the requested conversion does not accept.
    case unsupportedDataType(file: String, tensor: String, dataType: String)
    /// The zip container of a PyTorch checkpoint is damaged or uses a feature we do not read.
    case malformedArchive(file: String, reason: String)
    /// The pickle stream inside a PyTorch checkpoint is damaged or not a state dict.
    case malformedPickle(file: String, reason: String)
    /// The pickle names a global that a state dict never needs; it is refused, never imported.
    case forbiddenGlobal(file: String, module: String, name: String)
    /// The file is neither safetensors nor a PyTorch zip checkpoint.
    case unrecognizedFormat(file: String)
    /// Writing the file failed; the destination was left untouched.
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read file: \(reason)"
        case let .truncated(file, reason):
            return "\(file): file is truncated: \(reason)"
        case let .malformedHeader(file, reason):
            return "\(file): malformed safetensors header: \(reason)"
        case let .malformedTensor(file, tensor, reason):
            return "\(file): tensor '\(tensor)' \(reason)"
        case let .missingTensor(file, tensor):
            return "\(file): no tensor named '\(tensor)'"
        case let .unsupportedDataType(file, tensor, dataType):
            return "\(file): tensor '\(tensor)' has data type \(dataType), which this conversion does not accept"
        case let .malformedArchive(file, reason):
            return "\(file): malformed PyTorch zip archive: \(reason)"
        case let .malformedPickle(file, reason):
            return "\(file): malformed pickle in PyTorch checkpoint: \(reason)"
        case let .forbiddenGlobal(file, module, name):
            return "\(file): refusing to load: the pickle references '\(module).\(name)', which a state dict "
                + "never needs (only OrderedDict, torch._utils rebuild functions and torch storages are allowed)"
        case let .unrecognizedFormat(file):
            return "\(file): neither a safetensors file nor a PyTorch zip checkpoint"
        case let .writeFailed(file, reason):
            return "\(file): cannot write file: \(reason)"
        }
    }
}

extension URL {
    /// The short file name used in ``CheckpointError`` messages.
    var checkpointDisplayName: String { lastPathComponent }
}
