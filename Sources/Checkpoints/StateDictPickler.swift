import TensorKit

/// Writes the `data.pkl` of a `torch.save(state_dict)` archive: a protocol-2 pickle of an
/// `OrderedDict` mapping each key to `torch._utils._rebuild_tensor_v2(storage, 0, size, stride,
/// False, OrderedDict())`, where each storage is the persistent id
/// `('storage', torch.FloatStorage | torch.LongStorage, key, 'cpu', numel)`.
///
/// Only opcodes that PyTorch's `weights_only` unpickler accepts are emitted.
struct StateDictPickler {
    /// One tensor of the state dict and the archive entry holding its storage.
    struct TensorRecord {
        let key: String
        let storageKey: String
        let storageTypeName: String
        let shape: [Int]
    }

    private(set) var bytes: [UInt8] = []

    /// The pickle of an OrderedDict of `records`, in order.
    static func pickle(_ records: [TensorRecord]) -> [UInt8] {
        var pickler = StateDictPickler()
        pickler.emit(.proto)
        pickler.bytes.append(2)
        pickler.emitEmptyOrderedDict()
        if !records.isEmpty {
            pickler.emit(.mark)
            for record in records {
                pickler.emitString(record.key)
                pickler.emitTensor(record)
            }
            pickler.emit(.setItems)
        }
        pickler.emit(.stop)
        return pickler.bytes
    }

    private mutating func emitTensor(_ record: TensorRecord) {
        emitGlobal(module: "torch._utils", name: "_rebuild_tensor_v2")
        emit(.mark)
        // Persistent id of the storage.
        emit(.mark)
        emitString("storage")
        emitGlobal(module: "torch", name: record.storageTypeName)
        emitString(record.storageKey)
        emitString("cpu")
        emitInteger(record.shape.reduce(1, *))
        emit(.tuple)
        emit(.binPersId)
        emitInteger(0)  // storage offset
        emitIntegerTuple(record.shape)
        emitIntegerTuple(record.shape.contiguousStrides)
        emit(.newFalse)  // requires_grad
        emitEmptyOrderedDict()  // backward hooks
        emit(.tuple)
        emit(.reduce)
    }

    private mutating func emitEmptyOrderedDict() {
        emitGlobal(module: "collections", name: "OrderedDict")
        emit(.emptyTuple)
        emit(.reduce)
    }

    private mutating func emit(_ opcode: PickleOpcode) {
        bytes.append(opcode.rawValue)
    }

    private mutating func emitGlobal(module: String, name: String) {
        emit(.global)
        bytes += Array("\(module)\n\(name)\n".utf8)
    }

    private mutating func emitString(_ string: String) {
        let utf8 = Array(string.utf8)
        emit(.binUnicode)
        bytes.appendLittleEndian(UInt32(utf8.count))
        bytes += utf8
    }

    /// The shortest integer opcode for `value`, as CPython's pickler chooses it.
    private mutating func emitInteger(_ value: Int) {
        switch value {
        case 0...0xFF:
            emit(.binInt1)
            bytes.append(UInt8(value))
        case 0...0xFFFF:
            emit(.binInt2)
            bytes.appendLittleEndian(UInt16(value))
        case Int(Int32.min)...Int(Int32.max):
            emit(.binInt)
            bytes.appendLittleEndian(Int32(value))
        default:
            var twosComplement: [UInt8] = []
            twosComplement.appendLittleEndian(Int64(value))
            // Drop redundant sign bytes while the sign bit of the new last byte stays right.
            while twosComplement.count > 1,
                  let last = twosComplement.last, let previous = twosComplement.dropLast().last,
                  (last == 0 && previous & 0x80 == 0) || (last == 0xFF && previous & 0x80 != 0) {
                twosComplement.removeLast()
            }
            emit(.long1)
            bytes.append(UInt8(twosComplement.count))
            bytes += twosComplement
        }
    }

    private mutating func emitIntegerTuple(_ values: [Int]) {
        switch values.count {
        case 0:
            emit(.emptyTuple)
        case 1...3:
            values.forEach { emitInteger($0) }
            emit([.tuple1, .tuple2, .tuple3][values.count - 1])
        default:
            emit(.mark)
            values.forEach { emitInteger($0) }
            emit(.tuple)
        }
    }
}
