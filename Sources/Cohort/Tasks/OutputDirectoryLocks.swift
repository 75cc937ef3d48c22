import FileOutput
import Foundation

/// Per-slide locks of `predict` and `visualize`: `<output>/.hatnet-locks/<slide>.lock`, so that
/// several workers share one output directory, each slide written by one of them at a time.
enum OutputDirectoryLocks {
    static let directoryName = ".hatnet-locks"

    static func lockFile(in directory: URL, for unit: SlideWorkUnit) -> URL {
        directory.appendingPathComponent(directoryName, isDirectory: true).appendingPathComponent("\(unit.id).lock")
    }

    static func claim(in directory: URL, unit: SlideWorkUnit, purpose: String) throws -> DirectoryLock? {
        let file = lockFile(in: directory, for: unit)
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw CohortError.file(path: file.deletingLastPathComponent().path, reason: "cannot create the lock directory (\(error.localizedDescription))")
        }
        do {
            return try DirectoryLock.tryAcquire(file: file, purpose: purpose)
        } catch let error as FileError {
            throw CohortError.file(path: error.path, reason: error.problem)
        }
    }

    /// Removes the temporary files a killed holder of `unit`'s lock left for `output` (AtomicFile's
    /// `.<name>.tmp-<pid>-<n>`). Only called with the lock held, so every such file is stale; other
    /// slides' temporary files, possibly of live processes on other machines, are left alone.
    static func removeTemporaryFiles(of output: URL) {
        let directory = output.deletingLastPathComponent(), prefix = ".\(output.lastPathComponent).tmp-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(prefix) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// The work-unit id of a slide file given on the command line: its name without extension.
    static func unitID(of file: URL) -> String { file.deletingPathExtension().lastPathComponent }
}

extension SlideWorkUnit {
    /// The unit of a slide file for `predict` and `visualize`: named by the file name without extension.
    public init(slideFile: URL) {
        self.init(id: OutputDirectoryLocks.unitID(of: slideFile), file: slideFile)
    }
}
