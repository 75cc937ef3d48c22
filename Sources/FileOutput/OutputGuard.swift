import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Refuses an output path that would replace one of the command's inputs.
///
/// Paths are compared after resolving symbolic links and `..`, and existing files also by identity
/// (device and inode), so `out.safetensors`, `./x/../out.safetensors`, a symlink and a hard link to
/// the same file are all recognised as the same file.
public enum OutputGuard {
    /// Throws when `output` is the same file as any of `inputs`.
    ///
    /// - Parameters:
    ///   - output: the path the command would write, as the user gave it.
    ///   - option: the option that named it, e.g. `--output`.
    ///   - inputs: the files the command reads, each with the option or argument that named it.
    /// - Throws: ``FileError`` naming the output and the input it would destroy.
    public static func requireDistinct(output: String, option: String, from inputs: [(path: String, option: String)]) throws {
        let outputURL = URL(fileURLWithPath: output)
        for input in inputs where sameFile(outputURL, URL(fileURLWithPath: input.path)) {
            throw FileError(path: output, problem: "\(option) names the same file as the input \(input.option) "
                            + "(\(input.path)); writing it would destroy the input, so choose another output path")
        }
    }

    /// Throws when `output` lies inside (or is) the directory `directory` is an input tree the
    /// command reads from, e.g. a slide directory.
    public static func requireOutside(output: String, option: String, directory: String, directoryOption: String) throws {
        let resolvedOutput = resolved(URL(fileURLWithPath: output)).path
        let resolvedDirectory = resolved(URL(fileURLWithPath: directory, isDirectory: true)).path
        let prefix = resolvedDirectory.hasSuffix("/") ? resolvedDirectory : resolvedDirectory + "/"
        if resolvedOutput == resolvedDirectory || resolvedOutput.hasPrefix(prefix) {
            throw FileError(path: output, problem: "\(option) lies inside the input directory \(directoryOption) (\(directory)); "
                            + "choose an output location outside it")
        }
    }

    /// Throws unless `output` can be written as a new file: its directory exists and is writable,
    /// the path is not a directory, and no file is there unless `overwrite` (the `--overwrite`
    /// convention: user files are replaced only when asked). Checked before the work starts, so a
    /// long command does not fail at its end.
    /// - Throws: ``FileError`` naming the output and the option.
    public static func requireWritable(output: String, option: String, overwrite: Bool) throws {
        let url = URL(fileURLWithPath: output)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileError(path: output, problem: "\(option): the directory \(directory) does not exist")
        }
        guard access(directory, W_OK) == 0 else {
            throw FileError(path: output, problem: "\(option): the directory \(directory) is not writable")
        }
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else { throw FileError(path: output, problem: "\(option) names a directory, not a file") }
            guard overwrite else {
                throw FileError(path: output, problem: "\(option): the file exists; pass --overwrite to replace it or choose another path")
            }
        }
    }

    /// Whether two paths name the same file (by resolved path, or by device and inode when both exist).
    public static func sameFile(_ first: URL, _ second: URL) -> Bool {
        if resolved(first).path == resolved(second).path { return true }
        var a = stat(), b = stat()
        guard stat(first.path, &a) == 0, stat(second.path, &b) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    /// The path with symbolic links and `.`/`..` resolved; for a file that does not exist yet, its
    /// existing parent directory resolved and the name appended.
    static func resolved(_ url: URL) -> URL {
        let standardized = url.standardizedFileURL
        if FileManager.default.fileExists(atPath: standardized.path) {
            return standardized.resolvingSymlinksInPath()
        }
        let parent = standardized.deletingLastPathComponent()
        guard parent.path != standardized.path else { return standardized }
        return resolved(parent).appendingPathComponent(standardized.lastPathComponent)
    }
}
