import Foundation
import Synthesis

/// One small synthetic pyramidal slide (1024 × 768, DCIS) written once per test run and shared.
enum SyntheticSlideFixture {
    static let url: URL = {
        let directory = try! FixturePaths.temporaryDirectory("pyramid")
        let slide = SyntheticSlide(width: 1024, height: 768, diagnosticClass: .dcis, seed: 42)
        try! SyntheticCohort.writeSlide(slide, imageID: "dcis", in: directory)
        return directory.appendingPathComponent("dcis.tiff")
    }()
}
