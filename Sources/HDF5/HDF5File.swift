import CHDF5
import FileOutput
import Foundation

/// An HDF5 file opened for reading or created for writing, through the HDF5 C library (the one
/// owner of its `H5F` identifier; the file is closed when the object is released, or by
/// ``close()``, which reports a failure to flush).
///
/// Reading is for files from anywhere: a dataset is only opened through a hard link (never a soft
/// or external link into another file), datasets stored in external files or as virtual datasets
/// are refused, filter plugins are never loaded, and every size is checked before memory is
/// allocated for it (see ``HDF5Dataset``).
public final class HDF5File {
    /// The path the file was opened or created at (named by every error).
    public let path: String
    let id: hid_t
    private var isOpen = true

    private init(path: String, id: hid_t) {
        self.path = path
        self.id = id
    }

    deinit {
        if isOpen { HDF5Library.perform { _ = H5Fclose(id) } }
    }

    /// Creates (or truncates) the file at `path` for writing.
    /// - Throws: ``HDF5Error`` naming the file.
    public static func create(_ path: String) throws -> HDF5File {
        try HDF5Library.perform {
            let id = H5Fcreate(path, chdf5_create_truncate(), chdf5_default(), chdf5_default())
            guard id >= 0 else { throw HDF5Library.failure(path, nil, "cannot be created") }
            return HDF5File(path: path, id: id)
        }
    }

    /// Opens the file at `path` for reading.
    /// - Throws: ``HDF5Error`` naming the file when it is missing, not HDF5, or damaged.
    public static func open(_ path: String) throws -> HDF5File {
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error(path: path, object: nil, problem: "does not exist")
        }
        // A FIFO would block the library's open until a writer comes; a device never ends.
        do {
            try FileContents.requireRegularFile(URL(fileURLWithPath: path), kind: "patch-feature file")
        } catch let error as FileError {
            throw HDF5Error(path: path, object: nil, problem: error.problem)
        }
        return try HDF5Library.perform {
            guard H5Fis_hdf5(path) > 0 else {
                _ = HDF5Library.takeErrorMessages()
                throw HDF5Error(path: path, object: nil, problem: "is not an HDF5 file (no HDF5 signature; empty, truncated or another format)")
            }
            let id = H5Fopen(path, chdf5_read_only(), chdf5_default())
            guard id >= 0 else { throw HDF5Library.failure(path, nil, "cannot be opened as HDF5 (damaged or truncated)") }
            return HDF5File(path: path, id: id)
        }
    }

    /// Flushes and closes the file.
    /// - Throws: ``HDF5Error`` when the library could not write everything.
    public func close() throws {
        guard isOpen else { return }
        isOpen = false
        try HDF5Library.perform {
            guard H5Fclose(id) >= 0 else { throw HDF5Library.failure(path, nil, "cannot be written completely") }
        }
    }

    /// Whether the root group has a link called `name`.
    public func contains(_ name: String) -> Bool {
        HDF5Library.perform {
            let exists = H5Lexists(id, name, chdf5_default())
            if exists < 0 { _ = HDF5Library.takeErrorMessages() }
            return exists > 0
        }
    }

    /// The dataset `name` of the root group.
    /// - Throws: ``HDF5Error`` naming the file and dataset when there is none, it is a group, a
    ///   soft or external link, a virtual dataset, or stored in external files.
    public func dataset(_ name: String) throws -> HDF5Dataset {
        let object = "dataset '\(name)'"
        return try HDF5Library.perform {
            guard contains(name) else { throw HDF5Error(path: path, object: object, problem: "is missing") }
            switch chdf5_is_hard_link(id, name) {
            case 1: break
            case 0: throw HDF5Error(path: path, object: object, problem: "is a soft or external link; only datasets stored in this file are read")
            default: throw HDF5Library.failure(path, object, "cannot be looked up")
            }
            let datasetID = H5Dopen2(id, name, chdf5_default())
            guard datasetID >= 0 else { throw HDF5Library.failure(path, object, "cannot be opened as a dataset") }
            let dataset = HDF5Dataset(file: self, name: name, id: datasetID)
            try dataset.requireStoredInFile()
            return dataset
        }
    }

    /// Writes a float32 dataset `name` of `shape` with `values` (row-major), stored contiguously.
    /// - Precondition: `values.count` is the product of `shape`.
    @discardableResult
    public func writeDataset(_ name: String, float32 values: [Float], shape: [Int]) throws -> HDF5Dataset {
        try write(name, shape: shape, count: values.count, fileType: chdf5_ieee_f32le()) { dataset in
            values.withUnsafeBytes { H5Dwrite(dataset, chdf5_native_float(), chdf5_all(), chdf5_all(), chdf5_default(), $0.baseAddress) }
        }
    }

    /// Writes an int64 dataset `name` of `shape` with `values` (row-major), stored contiguously.
    /// - Precondition: `values.count` is the product of `shape`.
    @discardableResult
    public func writeDataset(_ name: String, int64 values: [Int64], shape: [Int]) throws -> HDF5Dataset {
        try write(name, shape: shape, count: values.count, fileType: chdf5_std_i64le()) { dataset in
            values.withUnsafeBytes { H5Dwrite(dataset, chdf5_native_int64(), chdf5_all(), chdf5_all(), chdf5_default(), $0.baseAddress) }
        }
    }

    private func write(_ name: String, shape: [Int], count: Int, fileType: hid_t,
                       data: (hid_t) -> herr_t) throws -> HDF5Dataset {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == count,
                     "HDF5File: \(count) values for a dataset of shape \(shape)")
        let object = "dataset '\(name)'"
        return try HDF5Library.perform {
            let space = try Dataspace.simple(shape, path: path, object: object)
            let datasetID = H5Dcreate2(id, name, fileType, space.id, chdf5_default(), chdf5_default(), chdf5_default())
            guard datasetID >= 0 else { throw HDF5Library.failure(path, object, "cannot be created") }
            let dataset = HDF5Dataset(file: self, name: name, id: datasetID)
            if count > 0, data(datasetID) < 0 { throw HDF5Library.failure(path, object, "cannot be written") }
            return dataset
        }
    }
}
