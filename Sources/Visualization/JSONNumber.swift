import Foundation

/// Numbers in documents parsed by `JSONSerialization`.
enum JSONNumber {
    /// The value of a JSON number; nil for `null`, strings, arrays, objects or a missing value.
    /// (Foundation bridges JSON booleans to `NSNumber` too, so `true` reads as 1.)
    static func value(_ value: Any?) -> Double? {
        guard let value, !(value is NSNull), !(value is String) else { return nil }
        return (value as? NSNumber)?.doubleValue
    }
}
