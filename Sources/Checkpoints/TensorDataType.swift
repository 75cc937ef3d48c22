/// Element types that checkpoint files store, with their safetensors spellings.
///
/// Floating types are converted to `Float` when read; integer and boolean types can be read
/// exactly as `Int64` or converted to `Float`.
public enum TensorDataType: String, CaseIterable, Sendable {
    case float64 = "F64"
    case float32 = "F32"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int64 = "I64"
    case int32 = "I32"
    case int16 = "I16"
    case int8 = "I8"
    case uint8 = "U8"
    case bool = "BOOL"

    /// The name used in safetensors headers (`"F32"`, `"I64"`, …).
    public var safetensorsName: String { rawValue }

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// Whether elements are integers or booleans (readable exactly as `Int64`).
    public var isInteger: Bool {
        switch self {
        case .int64, .int32, .int16, .int8, .uint8, .bool: return true
        case .float64, .float32, .float16, .bfloat16: return false
        }
    }
}
