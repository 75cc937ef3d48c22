import Foundation
import Pipeline

/// The slides of split files, each once, in order: `(image id, <img-dir>/<image id>.<img-extn>)`.
/// Shared by `features` and `import features`, which both read splits of `image_id,label` lines.
func splitSlides(_ splits: [String], classNames: [String], imageDirectory: String, imageExtension: String) throws
    -> [(imageID: String, file: URL)] {
    let directory = URL(fileURLWithPath: imageDirectory, isDirectory: true)
    var slides: [(imageID: String, file: URL)] = [], seen = Set<String>()
    for split in splits {
        let file = try SplitFile(contentsOf: URL(fileURLWithPath: split), classNames: classNames,
                                 imageDirectory: directory, imageExtension: imageExtension)
        for entry in file.entries where seen.insert(entry.imageID).inserted {
            slides.append((entry.imageID, directory.appendingPathComponent("\(entry.imageID).\(imageExtension)")))
        }
    }
    return slides
}

