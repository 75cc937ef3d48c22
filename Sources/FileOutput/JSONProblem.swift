import Foundation

/// Readable descriptions of why JSON could not be parsed or decoded, naming the field: the
/// default descriptions of `DecodingError` and of `JSONSerialization`'s `NSError` are debug dumps
/// (`dataCorrupted(Swift.DecodingError.Context(codingPath: …`), and a fractional count in a valid
/// document would otherwise read "not valid JSON".
public enum JSONProblem {
    /// Whether a value from `JSONSerialization` is `true`/`false` (on Linux every NSNumber also
    /// casts to `Bool`, so `is Bool` cannot tell).
    public static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    /// A number from `JSONSerialization` (not a boolean), as a `Double`.
    public static func number(_ value: Any?) -> Double? {
        guard let value, let number = value as? NSNumber, !isBoolean(value) else { return nil }
        return number.doubleValue
    }

    /// One sentence fragment, e.g. `field 'num_bags_words' must be a whole number (found 3.5)`.
    /// With the document's `data`, a decoding failure of JSON that does parse is not called
    /// "not valid JSON" (swift-corelibs-foundation reports type mismatches of numbers that way).
    public static func describe(_ error: Error, data: Data? = nil) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case let .typeMismatch(type, context):
                return "\(field(context.codingPath)) must be \(typeName(type))\(detail(context))"
            case let .valueNotFound(type, context):
                return "\(field(context.codingPath)) must be \(typeName(type)), found null"
            case let .keyNotFound(key, context):
                return "\(field(context.codingPath + [key])) is missing"
            case let .dataCorrupted(context):
                if context.codingPath.isEmpty, let underlying = context.underlyingError {
                    return "not valid JSON (\(describe(underlying)))"
                }
                if context.codingPath.isEmpty, let data, (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil {
                    // swift-corelibs-foundation reports a number that does not fit the field's type
                    // (3.5 for a count, 1e300 for an Int) this way, without naming the field.
                    return "a value does not fit its field (e.g. a fractional or out-of-range number where a whole number "
                        + "is expected, or a string for a number)"
                }
                let text = context.debugDescription
                if text.contains("does not fit in") || text.contains("Parsed JSON number") {
                    return "\(field(context.codingPath)) must be a whole number in range (\(text.trimmingCharacters(in: CharacterSet(charactersIn: "."))))"
                }
                return "\(field(context.codingPath)): \(text)"
            @unknown default:
                return "\(decoding)"
            }
        }
        let nsError = error as NSError
        if let debug = nsError.userInfo[NSDebugDescriptionErrorKey] as? String { return debug }
        return nsError.localizedDescription
    }

    /// The value as an `Int` when it is a finite whole number within `Int`'s range, else `nil`.
    public static func exactInteger(_ value: Double) -> Int? {
        guard value.isFinite, value.rounded() == value, value >= -9.2e18, value <= 9.2e18 else { return nil }
        return Int(value)
    }

    private static func field(_ path: [CodingKey]) -> String {
        guard !path.isEmpty else { return "the document" }
        let name = path.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
            .reduce("") { joined, part in part.hasPrefix("[") || joined.isEmpty ? joined + part : joined + "." + part }
        return "field '\(name)'"
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt64.Type: return "a whole number"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a \(name)"
        }
    }

    private static func detail(_ context: DecodingError.Context) -> String {
        context.debugDescription.isEmpty ? "" : " (\(context.debugDescription.trimmingCharacters(in: CharacterSet(charactersIn: "."))))"
    }
}
