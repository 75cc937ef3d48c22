import Foundation
import Testing
@testable import Reports

/// The results serialiser: sorted keys, NaN as null, escaped strings, parseable output.
@Suite struct JSONValueTests {
    @Test func serialisesSortedParseableJSON() throws {
        let document = JSONValue.object([
            "b": .array([.number(0.5), .number(.nan), .integer(3)]),
            "a": .string("quote \" slash / tab \t"),
            "c": .object(["x": .bool(true), "y": .null]),
        ])
        let text = document.serialized()
        #expect(text.hasPrefix("{\n  \"a\": "))
        #expect(text.contains(#""b": [0.5, null, 3]"#))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["a"] as? String == "quote \" slash / tab \t")
        #expect((parsed["c"] as? [String: Any])?["x"] as? Bool == true)
    }
}
