import Foundation
import Slides
import Synthesis
import Testing
import TestSupport

/// `hatnet synth` output: files, formats and ground truth.
@Suite struct SyntheticCohortTests {
    @Test func cohortWritesSlidesMasksAnnotationsAndSplits() throws {
        let temporary = try TemporaryDirectory()
        let directory = temporary.url
        let entries = try SyntheticCohort.generate(in: directory, countPerClass: 1, width: 512, height: 384, seed: 9)
        #expect(entries.map(\.diagnosticClass) == DiagnosticClass.allCases)
        for entry in entries {
            let slide = try openSlide(directory.appendingPathComponent("\(entry.imageID).tiff"))
            #expect(slide.levels.count >= 2 && slide.vendor == "generic-tiff")
            let mask = try PNGImage.read(path: directory.appendingPathComponent("\(entry.imageID)_mask.png").path)
            #expect(mask.width == 512 && mask.height == 384)
            let geojson = try String(contentsOf: directory.appendingPathComponent("\(entry.imageID).geojson"), encoding: .utf8)
            let parsed = try JSONSerialization.jsonObject(with: Data(geojson.utf8)) as? [String: Any]
            #expect(parsed?["type"] as? String == "FeatureCollection")
        }
        let labels = try String(contentsOf: directory.appendingPathComponent("labels.csv"), encoding: .utf8)
        #expect(labels.hasPrefix("image_id,label,class_name,width,height,mask_downsample\nsynth_benign_000,0,Benign,512,384,1\n"))
        let train = try String(contentsOf: directory.appendingPathComponent("train.txt"), encoding: .utf8)
        #expect(train == "synth_benign_000,0\nsynth_atypia_000,1\nsynth_dcis_000,2\nsynth_invasive_000,3\n")
    }

    @Test func eachClassCarriesItsLesionsAndTheSameSeedRepeats() {
        for diagnosticClass in DiagnosticClass.allCases {
            let slide = SyntheticSlide(width: 4096, height: 3072, diagnosticClass: diagnosticClass, seed: 4)
            let classes = Set(slide.lesions.map(\.diagnosticClass))
            #expect(classes.contains(.benign), "\(diagnosticClass.name) slides keep normal ducts")
            #expect(classes.contains(diagnosticClass), "\(diagnosticClass.name) slides show their lesion")
            #expect(classes.count <= 2)
        }
        let first = SyntheticSlide(width: 1024, height: 768, diagnosticClass: .atypia, seed: 8)
        let second = SyntheticSlide(width: 1024, height: 768, diagnosticClass: .atypia, seed: 8)
        #expect(first.lesions == second.lesions)
        let region = PixelRectangle(x: 100, y: 100, width: 64, height: 64)
        #expect(first.render(region: region, downsample: 1) == second.render(region: region, downsample: 1))
    }

    @Test func lesionMaskMarksLesionCentres() {
        let slide = SyntheticSlide(width: 2048, height: 1536, diagnosticClass: .dcis, seed: 6)
        let mask = slide.lesionMask(downsample: 2)
        #expect(mask.width == 1024 && mask.height == 768)
        for lesion in slide.lesions {
            let value = mask.values[Int(lesion.centerY / 2) * mask.width + Int(lesion.centerX / 2)]
            #expect(value == lesion.diagnosticClass.maskValue)
        }
    }
}
