import CHDF5
import Foundation

/// An HDF5 file, dataset or attribute that could not be read or written: names the file, the
/// object inside it (`dataset 'coords'`, `attribute 'patch_size' of dataset 'coords'`) and what is
/// wrong, with the HDF5 library's own reason when it had one.
public struct HDF5Error: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    /// The file.
    public let path: String
    /// The object inside the file, e.g. `dataset 'features'`; `nil` for the file itself.
    public let object: String?
    /// What is wrong, as a sentence fragment.
    public let problem: String

    public init(path: String, object: String?, problem: String) {
        self.path = path
        self.object = object
        self.problem = problem
    }

    public var description: String { "\(path): " + (object.map { "\($0) " } ?? "") + problem }
    public var errorDescription: String? { description }
}

/// The process-wide state of the HDF5 library: every call into it goes through ``perform(_:)``,
/// which serialises the calls (the library keeps one error stack per thread and, in non-thread-safe
/// builds, no locking at all), turns off HDF5's automatic printing of its error stack (errors
/// become ``HDF5Error``s with the stack's messages instead) and, once, turns off the loading of
/// filter plugins, so a crafted file cannot make the library load a shared object from
/// `HDF5_PLUGIN_PATH`.
enum HDF5Library {
    private static let lock = NSRecursiveLock()
    nonisolated(unsafe) private static var initialised = false

    static func perform<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        if !initialised {
            H5open()
            H5PLset_loading_state(0)
            initialised = true
        }
        H5Eset_auto2(chdf5_error_stack(), nil, nil)
        return try body()
    }

    /// The messages of the current error stack, innermost last, and clears it; `nil` when empty.
    static func takeErrorMessages() -> String? {
        final class Collected { var messages: [String] = [] }
        let collected = Collected()
        let context = Unmanaged.passUnretained(collected).toOpaque()
        H5Ewalk2(chdf5_error_stack(), H5E_WALK_DOWNWARD, { _, error, context in
            guard let error, let context, let description = error.pointee.desc else { return 0 }
            let text = String(cString: description)
            let box = Unmanaged<Collected>.fromOpaque(context).takeUnretainedValue()
            if !text.isEmpty, box.messages.last != text { box.messages.append(text) }
            return 0
        }, context)
        H5Eclear2(chdf5_error_stack())
        // The outermost messages name the API call ("unable to open file"); the innermost say why.
        let messages = collected.messages.suffix(3)
        return messages.isEmpty ? nil : messages.joined(separator: ": ")
    }

    /// An ``HDF5Error`` for a failed call, with the library's reason appended.
    static func failure(_ path: String, _ object: String?, _ problem: String) -> HDF5Error {
        let reason = takeErrorMessages()
        return HDF5Error(path: path, object: object, problem: problem + (reason.map { " (HDF5: \($0))" } ?? ""))
    }
}

/// The largest rank accepted for a dataset read from a file (HDF5's own limit is 32).
let maximumRank = 32
