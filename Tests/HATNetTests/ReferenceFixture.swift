import Foundation
import Testing
import Checkpoints
import TensorKit

/// Locates the shared reference fixtures (Tests/Fixtures/reference) from this source file.
enum ReferenceFixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func open(_ name: String) throws -> SafeTensorsFile { try SafeTensorsFile(url: url(name)) }
}

/// Element-wise |actual − expected| ≤ absolute + relative·|expected|; on failure the message
/// gives the largest difference and where it is.
func expectClose(_ actual: Tensor, _ expected: Tensor, absolute: Float, relative: Float, _ name: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.shape == expected.shape else {
        Issue.record("\(name): shape \(actual.shape) != expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    var worst: (excess: Float, index: Int, difference: Float) = (-.infinity, 0, 0)
    for index in 0..<actual.count {
        let difference = Swift.abs(actual.scalars[index] - expected.scalars[index])
        let excess = difference - (absolute + relative * Swift.abs(expected.scalars[index]))
        if excess > worst.excess || excess.isNaN { worst = (excess.isNaN ? .infinity : excess, index, difference) }
    }
    #expect(actual.count == 0 || worst.excess <= 0, """
        \(name): max |a − b| = \(worst.difference) at element \(worst.index) \
        (got \(actual.count > 0 ? actual.scalars[worst.index] : 0), expected \(expected.count > 0 ? expected.scalars[worst.index] : 0))
        """, sourceLocation: sourceLocation)
}
