import Foundation

/// A JSON document tree with a deterministic serialiser: object keys sorted (as the reference's
/// `json.dump(…, sort_keys=True)`), two-space indentation, numbers in Swift's shortest round-trip
/// form (`0.8583333332975694`, `1e-08`), and non-finite numbers (NaN from 0/0 in F1) written as
/// `null`, since JSON has no NaN.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The document as text, ending with a newline.
    public func serialized() -> String {
        var text = ""
        write(into: &text, indentation: "")
        return text + "\n"
    }

    private func write(into text: inout String, indentation: String) {
        switch self {
        case .null: text += "null"
        case let .bool(value): text += value ? "true" : "false"
        case let .integer(value): text += String(value)
        case let .number(value): text += value.isFinite ? String(describing: value) : "null"
        case let .string(value): text += Self.quoted(value)
        case let .array(values):
            guard !values.isEmpty else { text += "[]"; return }
            // Arrays of scalars stay on one line (confusion-matrix rows, per-class values).
            if values.allSatisfy(\.isScalar) {
                text += "[" + values.map { $0.serialized().dropLast() }.joined(separator: ", ") + "]"
                return
            }
            let inner = indentation + "  "
            text += "[\n"
            for (index, value) in values.enumerated() {
                text += inner
                value.write(into: &text, indentation: inner)
                text += index == values.count - 1 ? "\n" : ",\n"
            }
            text += indentation + "]"
        case let .object(members):
            guard !members.isEmpty else { text += "{}"; return }
            let inner = indentation + "  "
            text += "{\n"
            for (index, key) in members.keys.sorted().enumerated() {
                text += inner + Self.quoted(key) + ": "
                members[key]!.write(into: &text, indentation: inner)
                text += index == members.count - 1 ? "\n" : ",\n"
            }
            text += indentation + "}"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    /// `string` as a JSON string literal, escaped by Foundation's serialiser (a string fragment
    /// always serialises, hence `try!`).
    private static func quoted(_ string: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: string, options: [.fragmentsAllowed, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
