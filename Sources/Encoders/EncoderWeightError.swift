/// Why an encoder could not be built from a weight file. Every case names the file, and
/// ``description`` starts with it.
public enum EncoderWeightError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The architecture needs a tensor the file does not contain.
    case missingTensors(file: String, names: [String])
    /// A tensor exists but its shape differs from what the architecture (at this scale) needs.
    case misshapenTensor(file: String, name: String, expected: [Int], actual: [Int])
    /// The requested width/scale is not one the architecture defines.
    case unsupportedScale(architecture: String, scale: Double, supported: [Double])

    public var description: String {
        switch self {
        case let .missingTensors(file, names):
            let listed = names.prefix(8).joined(separator: ", ")
            return "\(file): missing tensor\(names.count == 1 ? "" : "s") \(listed)\(names.count > 8 ? " and \(names.count - 8) more" : "")"
                + " (is it a checkpoint of this architecture and scale?)"
        case let .misshapenTensor(file, name, expected, actual):
            return "\(file): tensor '\(name)' has shape \(actual), the architecture needs \(expected) (wrong --scale?)"
        case let .unsupportedScale(architecture, scale, supported):
            return "\(architecture): scale \(scale) is not defined; use one of \(supported.map { String($0) }.joined(separator: ", "))"
        }
    }
}
