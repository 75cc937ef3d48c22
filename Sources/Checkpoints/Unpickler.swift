import Foundation

/// A restricted pickle reader for PyTorch state dicts.
///
/// It interprets the opcodes `torch.save` emits (protocol 2, plus the few protocol 3–5 opcodes
/// that can carry the same data) and builds ``PickleValue``s. It can never run or import code:
/// a `GLOBAL`/`STACK_GLOBAL` naming anything outside ``AllowedGlobal`` is refused on the spot,
/// and calling an allowed global only builds plain values (an OrderedDict, a tensor description).
/// Every length is checked before it is read and nesting is bounded, so damaged or hostile input
/// produces a ``CheckpointError``, never a crash.
struct Unpickler {
    /// Deepest container nesting accepted (state dicts need 3 or 4 levels).
    static let maximumNestingDepth = 100

    private var cursor: ByteCursor
    private let file: String
    private var stack: [PickleValue] = []
    /// Stack heights at each MARK still open.
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    /// Prepares to read `bytes` from `position` on; `file` names the checkpoint in error messages.
    /// (Legacy `.pth` files hold several pickles back to back, see ``LegacyPyTorchCheckpoint``.)
    init(bytes: [UInt8], file: String, position: Int = 0) {
        self.file = file
        self.cursor = ByteCursor(bytes, position: position) { [file] in
            .malformedPickle(file: file, reason: "pickle data ends early: \($0)")
        }
    }

    /// Index of the next unread byte (after ``load()``: the byte after its STOP opcode).
    var position: Int { cursor.position }

    /// Reads the pickle up to its STOP opcode and returns the object it describes.
    mutating func load() throws -> PickleValue {
        while true {
            let offset = cursor.position
            let byte = try cursor.readUInt8("opcode")
            guard let opcode = PickleOpcode(rawValue: byte) else {
                throw malformed("unsupported opcode 0x\(String(byte, radix: 16)) at offset \(offset)")
            }
            if opcode == .stop {
                return try pop(opcode)
            }
            try execute(opcode, at: offset)
        }
    }

    // MARK: Opcodes

    private mutating func execute(_ opcode: PickleOpcode, at offset: Int) throws {
        switch opcode {
        case .proto:
            let version = try cursor.readUInt8("protocol version")
            guard version <= 5 else { throw malformed("unsupported pickle protocol \(version)") }
        case .frame:
            _ = try cursor.readUInt64("frame length")
        case .stop:
            break  // handled by load()
        case .mark:
            marks.append(stack.count)
        case .pop:
            _ = try pop(opcode)
        case .popMark:
            _ = try popToMark(opcode)
        case .dup:
            try push(try top(opcode))
        case .none:
            try push(.none)
        case .newTrue:
            try push(.bool(true))
        case .newFalse:
            try push(.bool(false))
        case .binInt:
            try push(.int(Int(Int32(bitPattern: try cursor.readUInt32("BININT")))))
        case .binInt1:
            try push(.int(Int(try cursor.readUInt8("BININT1"))))
        case .binInt2:
            try push(.int(Int(try cursor.readUInt16("BININT2"))))
        case .long1:
            let length = Int(try cursor.readUInt8("LONG1 length"))
            try push(.int(try readTwosComplement(length: length)))
        case .long4:
            let length = Int(try cursor.readUInt32("LONG4 length"))
            try push(.int(try readTwosComplement(length: length)))
        case .binFloat:
            let bigEndian = try cursor.readBytes(8, what: "BINFLOAT")
            try push(.float(Double(bitPattern: bigEndian.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })))
        case .binUnicode:
            try push(.string(try readUTF8(length: UInt64(try cursor.readUInt32("BINUNICODE length")))))
        case .shortBinUnicode:
            try push(.string(try readUTF8(length: UInt64(try cursor.readUInt8("SHORT_BINUNICODE length")))))
        case .binUnicode8:
            try push(.string(try readUTF8(length: try cursor.readUInt64("BINUNICODE8 length"))))
        case .binBytes:
            try push(.bytes(try readBytes(length: UInt64(try cursor.readUInt32("BINBYTES length")))))
        case .shortBinBytes:
            try push(.bytes(try readBytes(length: UInt64(try cursor.readUInt8("SHORT_BINBYTES length")))))
        case .binBytes8:
            try push(.bytes(try readBytes(length: try cursor.readUInt64("BINBYTES8 length"))))
        case .emptyTuple:
            try push(.tuple(PickleTuple([])))
        case .tuple:
            try push(.tuple(PickleTuple(try popToMark(opcode))))
        case .tuple1, .tuple2, .tuple3:
            let count = Int(opcode.rawValue - PickleOpcode.tuple1.rawValue) + 1
            guard stack.count - (marks.last ?? 0) >= count else {
                throw malformed("\(opcode) at offset \(offset) needs \(count) items on the stack")
            }
            let items = Array(stack.suffix(count))
            stack.removeLast(count)
            try push(.tuple(PickleTuple(items)))
        case .emptyList:
            try push(.list(PickleList()))
        case .list:
            let list = PickleList()
            for item in try popToMark(opcode) { list.append(item) }
            try push(.list(list))
        case .append:
            let item = try pop(opcode)
            try appendToList([item], opcode)
        case .appends:
            let items = try popToMark(opcode)
            try appendToList(items, opcode)
        case .emptyDict:
            try push(.dict(PickleDict()))
        case .dict:
            let dict = PickleDict()
            try setItems(try popToMark(opcode), in: dict, opcode)
            try push(.dict(dict))
        case .setItem:
            let value = try pop(opcode)
            let key = try pop(opcode)
            try setItems([key, value], in: try topDict(opcode), opcode)
        case .setItems:
            let pairs = try popToMark(opcode)
            try setItems(pairs, in: try topDict(opcode), opcode)
        case .binPut:
            memo[Int(try cursor.readUInt8("BINPUT index"))] = try top(opcode)
        case .longBinPut:
            memo[Int(try cursor.readUInt32("LONG_BINPUT index"))] = try top(opcode)
        case .memoize:
            memo[memo.count] = try top(opcode)
        case .binGet:
            try push(try memoEntry(Int(try cursor.readUInt8("BINGET index"))))
        case .longBinGet:
            try push(try memoEntry(Int(try cursor.readUInt32("LONG_BINGET index"))))
        case .global:
            let module = try readLine("GLOBAL module")
            let name = try readLine("GLOBAL name")
            try push(.global(try allowedGlobal(module: module, name: name)))
        case .stackGlobal:
            let name = try pop(opcode)
            let module = try pop(opcode)
            guard case .string(let moduleName) = module, case .string(let globalName) = name else {
                throw malformed("STACK_GLOBAL at offset \(offset) needs two strings")
            }
            try push(.global(try allowedGlobal(module: moduleName, name: globalName)))
        case .reduce:
            let arguments = try pop(opcode)
            let callable = try pop(opcode)
            try push(try call(callable, with: arguments, at: offset))
        case .newObj:
            let arguments = try pop(opcode)
            let type = try pop(opcode)
            guard case .global(.orderedDict) = type else {
                throw malformed("NEWOBJ at offset \(offset) of \(type.typeDescription); only OrderedDict is allowed")
            }
            try push(try call(type, with: arguments, at: offset))
        case .build:
            let state = try pop(opcode)
            try applyState(state, at: offset)
        case .binPersId:
            try push(.storage(try storage(fromPersistentID: try pop(opcode))))
        }
    }

    // MARK: Calling allowed globals

    private func allowedGlobal(module: String, name: String) throws -> AllowedGlobal {
        guard let global = AllowedGlobal(module: module, name: name) else {
            throw CheckpointError.forbiddenGlobal(file: file, module: module, name: name)
        }
        return global
    }

    /// `callable(*arguments)` for the few callables a state dict uses.
    private func call(_ callable: PickleValue, with arguments: PickleValue, at offset: Int) throws -> PickleValue {
        guard case .global(let global) = callable else {
            throw malformed("REDUCE at offset \(offset) calls \(callable.typeDescription), which is not callable")
        }
        guard case .tuple(let tuple) = arguments else {
            throw malformed("\(global) at offset \(offset) called with \(arguments.typeDescription) instead of a tuple")
        }
        let items = tuple.items
        switch global {
        case .orderedDict:
            guard items.isEmpty else { throw malformed("OrderedDict at offset \(offset) called with arguments") }
            return .dict(PickleDict())
        case .rebuildTensorV2:
            return .tensor(try tensorReference(from: items, at: offset))
        case .rebuildParameter, .rebuildParameterWithState:
            guard let data = items.first, case .tensor = data, items.count == (global == .rebuildParameter ? 3 : 4) else {
                throw malformed("\(global) at offset \(offset) needs (tensor, requires_grad, backward_hooks"
                    + (global == .rebuildParameter ? ")" : ", state)"))
            }
            return data
        case .storageType:
            throw malformed("\(global) is called at offset \(offset); storages may only appear in persistent ids")
        }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`
    private func tensorReference(from items: [PickleValue], at offset: Int) throws -> TensorReference {
        guard items.count == 6 || items.count == 7 else {
            throw malformed("_rebuild_tensor_v2 at offset \(offset) needs 6 or 7 arguments, got \(items.count)")
        }
        guard case .storage(let storage) = items[0] else {
            throw malformed("_rebuild_tensor_v2 at offset \(offset): first argument is \(items[0].typeDescription), not a storage")
        }
        guard case .int(let storageOffset) = items[1], storageOffset >= 0,
              let shape = nonNegativeIntegers(items[2]), let strides = nonNegativeIntegers(items[3]),
              shape.count == strides.count else {
            throw malformed("_rebuild_tensor_v2 at offset \(offset): storage offset, size and stride must be "
                + "non-negative integers, size and stride of equal length")
        }
        return TensorReference(storage: storage, storageOffset: storageOffset, shape: shape, strides: strides)
    }

    /// BUILD: state for an OrderedDict (its `_metadata` attribute) or a tensor is accepted and
    /// ignored; on anything else it is refused.
    private mutating func applyState(_ state: PickleValue, at offset: Int) throws {
        let target = try top(.build)
        switch target {
        case .dict, .tensor: return
        default: throw malformed("BUILD at offset \(offset) on \(target.typeDescription)")
        }
    }

    /// `('storage', torch.FloatStorage, key, location, numel)`
    private func storage(fromPersistentID persistentID: PickleValue) throws -> StorageReference {
        // Zip checkpoints: ('storage', type, key, location, numel); legacy (pre-1.6) files add a
        // sixth item, view_metadata, which is None for every storage torch.save wrote whole.
        guard case .tuple(let tuple) = persistentID,
              tuple.items.count == 5 || (tuple.items.count == 6 && tuple.items[5].typeDescription == "None"),
              case .string("storage") = tuple.items[0],
              case .global(.storageType(_, let dataType)) = tuple.items[1],
              case .string(let key) = tuple.items[2],
              case .string = tuple.items[3],
              case .int(let elementCount) = tuple.items[4], elementCount >= 0 else {
            throw malformed("persistent id is not ('storage', <torch storage type>, key, location, numel)")
        }
        return StorageReference(key: key, dataType: dataType, elementCount: elementCount)
    }

    // MARK: Stack, memo and containers

    private mutating func push(_ value: PickleValue) throws {
        guard value.nestingDepth <= Self.maximumNestingDepth else {
            throw malformed("containers nest deeper than \(Self.maximumNestingDepth) levels")
        }
        stack.append(value)
    }

    private mutating func pop(_ opcode: PickleOpcode) throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
            throw malformed("\(opcode) finds no value on the stack")
        }
        return value
    }

    private func top(_ opcode: PickleOpcode) throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.last else {
            throw malformed("\(opcode) finds no value on the stack")
        }
        return value
    }

    private mutating func popToMark(_ opcode: PickleOpcode) throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed("\(opcode) without a preceding MARK") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func topDict(_ opcode: PickleOpcode) throws -> PickleDict {
        guard case .dict(let dict) = try top(opcode) else {
            throw malformed("\(opcode) on \(try top(opcode).typeDescription) instead of a dict")
        }
        return dict
    }

    private func appendToList(_ items: [PickleValue], _ opcode: PickleOpcode) throws {
        guard case .list(let list) = try top(opcode) else {
            throw malformed("\(opcode) on \(try top(opcode).typeDescription) instead of a list")
        }
        for item in items {
            // Marking the item first also catches a list appended to itself (or a dict holding it).
            item.markNested()
            guard !list.isNested else { throw mutatedAfterNesting(opcode, "list") }
            list.append(item)
        }
        guard list.nestingDepth <= Self.maximumNestingDepth else {
            throw malformed("containers nest deeper than \(Self.maximumNestingDepth) levels")
        }
    }

    private func setItems(_ keysAndValues: [PickleValue], in dict: PickleDict, _ opcode: PickleOpcode) throws {
        guard keysAndValues.count % 2 == 0 else { throw malformed("\(opcode) with an odd number of items") }
        for index in stride(from: 0, to: keysAndValues.count, by: 2) {
            keysAndValues[index].markNested()
            keysAndValues[index + 1].markNested()
            guard !dict.isNested else { throw mutatedAfterNesting(opcode, "dict") }
            dict.set(keysAndValues[index + 1], for: keysAndValues[index])
        }
        guard dict.nestingDepth <= Self.maximumNestingDepth else {
            throw malformed("containers nest deeper than \(Self.maximumNestingDepth) levels")
        }
    }

    /// A container changed after it was placed inside another one: `torch.save` never does this,
    /// and allowing it would let the nesting bound go stale (and reference cycles form).
    private func mutatedAfterNesting(_ opcode: PickleOpcode, _ kind: String) -> CheckpointError {
        malformed("\(opcode) at offset \(cursor.position - 1) changes a \(kind) that is already inside another container "
            + "(a self-referencing or memo-chained structure, which a state dict never has)")
    }

    private func memoEntry(_ index: Int) throws -> PickleValue {
        guard let value = memo[index] else { throw malformed("memo entry \(index) is read before it is written") }
        return value
    }

    // MARK: Reading operands

    private mutating func readTwosComplement(length: Int) throws -> Int {
        guard length <= 8 else { throw malformed("integer of \(length) bytes is too large") }
        let bytes = try cursor.readBytes(length, what: "LONG value")
        guard let last = bytes.last else { return 0 }
        var value = bytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if last & 0x80 != 0, length < 8 {
            value |= UInt64.max << UInt64(8 * length)  // sign-extend
        }
        return Int(Int64(bitPattern: value))
    }

    private mutating func readBytes(length: UInt64) throws -> [UInt8] {
        guard length <= UInt64(cursor.remaining) else {
            throw malformed("a \(length)-byte operand runs past the end of the pickle")
        }
        return Array(try cursor.readBytes(Int(length), what: "operand"))
    }

    private mutating func readUTF8(length: UInt64) throws -> String {
        let bytes = try readBytes(length: length)
        guard let string = String(bytes: bytes, encoding: .utf8) else { throw malformed("string is not valid UTF-8") }
        return string
    }

    /// A newline-terminated ASCII line (GLOBAL operands).
    private mutating func readLine(_ what: String) throws -> String {
        var bytes: [UInt8] = []
        while true {
            let byte = try cursor.readUInt8(what)
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func nonNegativeIntegers(_ value: PickleValue) -> [Int]? {
        guard case .tuple(let tuple) = value else { return nil }
        var result: [Int] = []
        for item in tuple.items {
            guard case .int(let integer) = item, integer >= 0 else { return nil }
            result.append(integer)
        }
        return result
    }

    private func malformed(_ reason: String) -> CheckpointError {
        .malformedPickle(file: file, reason: reason)
    }
}
