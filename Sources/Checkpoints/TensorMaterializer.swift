import Foundation
import TensorKit

/// Turns the tensor references of an unpickled state dict into tensors, for both PyTorch formats.
///
/// Each storage is decoded once, however many tensors view it (a file with thousands of views of
/// one large storage must not decode it thousands of times); every view is checked against its
/// storage (``StridedGather``); and every allocation — decoded storages and gathered tensors,
/// one by one and in total — is checked against ``MemoryBudget`` before it is made, so a crafted
/// `size`/`stride` such as `[2⁴⁰]` / `[0]` is an error naming the file and the tensor.
struct TensorMaterializer {
    /// The checkpoint's display name, for errors.
    let file: String
    private var decodedByKey: [String: DecodedStorage] = [:]
    /// Bytes of every storage decoded and tensor built so far.
    private var bytesAllocated = 0

    /// A storage's elements, in the representation its tensors will get.
    private enum DecodedStorage {
        case floats([Float], TensorDataType)
        case integers([Int64], TensorDataType)

        var dataType: TensorDataType {
            switch self {
            case .floats(_, let dataType), .integers(_, let dataType): return dataType
            }
        }
    }

    init(file: String) {
        self.file = file
    }

    /// The tensor `reference` describes.
    ///
    /// - Parameter storageBytes: reads the raw bytes of a storage, already checked to hold
    ///   `elementCount × element size` bytes; called at most once per storage key.
    /// - Throws: ``CheckpointError`` naming the file and `key`.
    mutating func materialize(_ reference: TensorReference, key: String,
                              storageBytes: (StorageReference) throws -> Data) throws -> StateDict.Value {
        do {
            switch try decodedStorage(reference.storage, tensorKey: key, storageBytes: storageBytes) {
            case .integers(let values, _):
                try accountForView(reference, elementSize: Int64.self)
                let gathered = try StridedGather.gather(values, offset: reference.storageOffset,
                                                        shape: reference.shape, strides: reference.strides)
                return .integer(IntegerTensor(shape: reference.shape, values: gathered))
            case .floats(let values, _):
                try accountForView(reference, elementSize: Float.self)
                let gathered = try StridedGather.gather(values, offset: reference.storageOffset,
                                                        shape: reference.shape, strides: reference.strides)
                return .float(Tensor(shape: reference.shape, scalars: gathered))
            }
        } catch let error as StridedGather.OutOfBounds {
            throw CheckpointError.malformedTensor(file: file, tensor: key, reason: error.reason)
        } catch let error as SizeLimitError {
            throw CheckpointError.malformedTensor(file: file, tensor: key, reason: error.description)
        }
    }

    private mutating func decodedStorage(_ storage: StorageReference, tensorKey: String,
                                         storageBytes: (StorageReference) throws -> Data) throws -> DecodedStorage {
        if let decoded = decodedByKey[storage.key] {
            guard decoded.dataType == storage.dataType else {
                throw CheckpointError.malformedTensor(
                    file: file, tensor: tensorKey, reason: "reads storage '\(storage.key)' as \(storage.dataType.safetensorsName) "
                        + "but another tensor reads it as \(decoded.dataType.safetensorsName)")
            }
            return decoded
        }
        let bytes = try storageBytes(storage)
        let decoded: DecodedStorage
        let elementCount = bytes.count / storage.dataType.byteSize
        if storage.dataType.isInteger {
            try account(elements: elementCount, of: Int64.self, for: "storage '\(storage.key)' of \(elementCount) elements")
            decoded = .integers(ElementDecoding.int64s(from: bytes, dataType: storage.dataType) ?? [], storage.dataType)
        } else {
            try account(elements: elementCount, of: Float.self, for: "storage '\(storage.key)' of \(elementCount) elements")
            decoded = .floats(ElementDecoding.floats(from: bytes, dataType: storage.dataType), storage.dataType)
        }
        decodedByKey[storage.key] = decoded
        return decoded
    }

    /// Counts the tensor a view will become, before it is gathered (a shape that is not
    /// representable is left to ``StridedGather`` to report).
    private mutating func accountForView<Element>(_ reference: TensorReference, elementSize: Element.Type) throws {
        guard let count = StridedGather.elementCount(of: reference.shape) else { return }
        try account(elements: count, of: Element.self, for: "size \(reference.shape)")
    }

    /// Adds an allocation to the running total and checks both against the budget.
    private mutating func account<Element>(elements: Int, of _: Element.Type, for what: String) throws {
        let bytes = try MemoryBudget.require(elements: elements, elementSize: MemoryLayout<Element>.stride, for: what)
        let (total, overflow) = bytesAllocated.addingReportingOverflow(bytes)
        try MemoryBudget.require(bytes: overflow ? Int.max : total, for: "\(what), with the tensors read before it,")
        bytesAllocated = total
    }
}
