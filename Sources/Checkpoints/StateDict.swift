import TensorKit

/// An ordered mapping from PyTorch state-dict keys (`"attn_ovr_words.self_attn.linear_keys.weight"`)
/// to tensors — what `model.state_dict()` holds, independent of the file format it came from.
///
/// Floating tensors of every stored precision (F16, BF16, F32, F64) are held as Float32
/// ``Tensor``s. Integer and boolean tensors (e.g. BatchNorm's `num_batches_tracked`, int64) are
/// kept exactly as ``IntegerTensor``s, so writing a state dict back preserves their type; the
/// subscript still returns them converted to `Float` for code that only wants numbers.
public struct StateDict: Sendable {
    /// One stored value: a Float32 tensor or an exact integer tensor.
    public enum Value: Sendable {
        case float(Tensor)
        case integer(IntegerTensor)

        /// The shape of either kind of tensor.
        public var shape: [Int] {
            switch self {
            case .float(let tensor): return tensor.shape
            case .integer(let integers): return integers.shape
            }
        }
    }

    /// Keys in insertion order (the order of the file they were read from).
    public private(set) var keys: [String] = []
    private var valuesByKey: [String: Value] = [:]

    /// An empty state dict.
    public init() {}

    /// Number of entries.
    public var count: Int { keys.count }

    /// Whether there are no entries.
    public var isEmpty: Bool { keys.isEmpty }

    /// Entries in order.
    public var entries: [(key: String, value: Value)] {
        keys.compactMap { key in valuesByKey[key].map { (key, $0) } }
    }

    /// The tensor stored under `key` as Float32 (integer tensors are converted), or `nil`.
    public subscript(key: String) -> Tensor? {
        switch valuesByKey[key] {
        case .float(let tensor)?: return tensor
        case .integer(let integers)?: return integers.floatTensor
        case nil: return nil
        }
    }

    /// The stored value under `key`, keeping its kind.
    public func value(forKey key: String) -> Value? { valuesByKey[key] }

    /// The integer tensor under `key`, or `nil` if absent or floating.
    public func integerTensor(forKey key: String) -> IntegerTensor? {
        if case .integer(let integers)? = valuesByKey[key] { return integers }
        return nil
    }

    /// Stores `value` under `key`: a new key goes to the end, an existing key keeps its position.
    public mutating func set(_ value: Value, forKey key: String) {
        if valuesByKey.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    /// Stores a Float32 tensor under `key`.
    public mutating func set(_ tensor: Tensor, forKey key: String) {
        set(.float(tensor), forKey: key)
    }

    /// Stores an integer tensor under `key`.
    public mutating func set(_ integers: IntegerTensor, forKey key: String) {
        set(.integer(integers), forKey: key)
    }

    /// Removes `key` and returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> Value? {
        guard let value = valuesByKey.removeValue(forKey: key) else { return nil }
        keys.removeAll { $0 == key }
        return value
    }

    /// The same entries with `prefix` removed from every key, if every key starts with it
    /// (as `module.` does for models wrapped in `nn.DataParallel`); otherwise `self` unchanged.
    public func removingCommonPrefix(_ prefix: String) -> StateDict {
        guard !keys.isEmpty, keys.allSatisfy({ $0.hasPrefix(prefix) }) else { return self }
        var stripped = StateDict()
        for (key, value) in entries { stripped.set(value, forKey: String(key.dropFirst(prefix.count))) }
        return stripped
    }
}
