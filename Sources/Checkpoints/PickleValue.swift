/// The Python objects the restricted unpickler can build. There is no case for an arbitrary
/// object: only the globals in ``AllowedGlobal`` can be named, and calling them builds one of
/// these plain values.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    /// A reference to an allowed class or function, not yet called.
    case global(AllowedGlobal)
    /// A torch storage named by a persistent id.
    case storage(StorageReference)
    /// A tensor view of a storage, as `torch._utils._rebuild_tensor_v2` describes it.
    case tensor(TensorReference)

    /// How deeply containers nest inside this value (0 for scalars).
    var nestingDepth: Int {
        switch self {
        case .tuple(let tuple): return tuple.nestingDepth
        case .list(let list): return list.nestingDepth
        case .dict(let dict): return dict.nestingDepth
        case .none, .bool, .int, .float, .string, .bytes, .global, .storage, .tensor: return 0
        }
    }

    /// Records that this value has been placed inside another container. A list or dict is frozen
    /// from then on (see ``PickleList/isNested``); other values are immutable anyway.
    func markNested() {
        switch self {
        case .list(let list): list.markNested()
        case .dict(let dict): dict.markNested()
        case .none, .bool, .int, .float, .string, .bytes, .tuple, .global, .storage, .tensor: break
        }
    }

    /// A short English name of the value's Python type, for error messages.
    var typeDescription: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int: return "an int"
        case .float: return "a float"
        case .string: return "a string"
        case .bytes: return "bytes"
        case .tuple: return "a tuple"
        case .list: return "a list"
        case .dict: return "a dict"
        case .global(let global): return "the global \(global)"
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }
}

/// An immutable Python tuple.
struct PickleTuple {
    let items: [PickleValue]
    let nestingDepth: Int

    /// A tuple of `items`, which are marked as nested (frozen, if they are lists or dicts).
    init(_ items: [PickleValue]) {
        for item in items { item.markNested() }
        self.items = items
        self.nestingDepth = 1 + (items.map(\.nestingDepth).max() ?? 0)
    }
}

/// A Python list: a reference type, because pickles mutate lists after memoizing them.
///
/// ``nestingDepth`` is kept up to date as items are appended, and it must stay true for every
/// container that holds this list: so once the list is placed inside another container
/// (``isNested``) it is frozen, and the ``Unpickler`` refuses to append to it. A pickler writes a
/// container's items before the container is used anywhere else, so only a hand-crafted pickle
/// (e.g. lists chained through the memo 30000 deep, or a list appended to itself) meets the refusal,
/// which also rules out reference cycles.
final class PickleList {
    private(set) var items: [PickleValue] = []
    private(set) var nestingDepth = 1
    /// Whether the list is inside another container (and therefore frozen).
    private(set) var isNested = false

    func markNested() { isNested = true }

    /// Appends `item` and marks it as nested. The caller checks ``isNested`` first.
    func append(_ item: PickleValue) {
        precondition(!isNested, "PickleList: appending to a list that is inside another container")
        item.markNested()
        items.append(item)
        nestingDepth = max(nestingDepth, 1 + item.nestingDepth)
    }
}

/// A Python dict (or OrderedDict), keeping insertion order; a reference type for the same reason
/// as ``PickleList``, and frozen like it once it is inside another container.
final class PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private(set) var nestingDepth = 1
    private var indexByStringKey: [String: Int] = [:]
    /// Whether the dict is inside another container (and therefore frozen).
    private(set) var isNested = false

    func markNested() { isNested = true }

    /// Sets `value` for `key` and marks both as nested; a repeated string key replaces the earlier
    /// value in place. The caller checks ``isNested`` first.
    func set(_ value: PickleValue, for key: PickleValue) {
        precondition(!isNested, "PickleDict: setting an item of a dict that is inside another container")
        key.markNested()
        value.markNested()
        nestingDepth = max(nestingDepth, 1 + value.nestingDepth, 1 + key.nestingDepth)
        if case .string(let name) = key {
            if let index = indexByStringKey[name] {
                entries[index].value = value
                return
            }
            indexByStringKey[name] = entries.count
        }
        entries.append((key, value))
    }

    /// The value stored under the string key `name`.
    func value(forStringKey name: String) -> PickleValue? {
        indexByStringKey[name].map { entries[$0].value }
    }
}

/// A torch storage named by the persistent id `('storage', StorageType, key, location, numel)`;
/// its bytes are the archive entry `<archive>/data/<key>`.
struct StorageReference: Equatable {
    let key: String
    let dataType: TensorDataType
    let elementCount: Int
}

/// A strided view of a storage: `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`.
struct TensorReference {
    let storage: StorageReference
    /// Offset of the first element, in elements.
    let storageOffset: Int
    let shape: [Int]
    /// Elements to step in the storage per step along each axis.
    let strides: [Int]
}

/// The only globals a checkpoint may name. Everything else is refused before it is used.
enum AllowedGlobal: Equatable, CustomStringConvertible {
    /// `collections.OrderedDict`
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2`
    case rebuildTensorV2
    /// `torch._utils._rebuild_parameter`
    case rebuildParameter
    /// `torch._utils._rebuild_parameter_with_state`
    case rebuildParameterWithState
    /// `torch.FloatStorage`, `torch.LongStorage`, … (only valid inside persistent ids).
    case storageType(name: String, dataType: TensorDataType)

    private static let storageTypes: [String: TensorDataType] = [
        "FloatStorage": .float32, "DoubleStorage": .float64, "HalfStorage": .float16,
        "BFloat16Storage": .bfloat16, "LongStorage": .int64, "IntStorage": .int32,
        "ShortStorage": .int16, "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool,
    ]

    /// The torch storage class name (`"FloatStorage"`) that holds elements of `dataType`.
    static func storageTypeName(for dataType: TensorDataType) -> String? {
        storageTypes.first { $0.value == dataType }?.key
    }

    /// The allowed global `module.name`, or `nil` if it is not on the list.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("torch", _):
            guard let dataType = Self.storageTypes[name] else { return nil }
            self = .storageType(name: name, dataType: dataType)
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .storageType(let name, _): return "torch.\(name)"
        }
    }
}
