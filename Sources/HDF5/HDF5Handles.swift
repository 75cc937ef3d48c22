import CHDF5

// One owner type per kind of HDF5 identifier that is not a file or dataset: each closes its
// identifier exactly once, when it is released. They are created and used only inside
// `HDF5Library.perform`.

/// A dataspace (`H5S`): the shape of a dataset or attribute.
final class Dataspace {
    let id: hid_t
    init(id: hid_t) { self.id = id }
    deinit { HDF5Library.perform { _ = H5Sclose(id) } }

    /// A scalar dataspace (one element), as h5py writes single attribute values.
    static func scalar(path: String, object: String) throws -> Dataspace {
        let id = H5Screate(H5S_SCALAR)
        guard id >= 0 else { throw HDF5Library.failure(path, object, "cannot create a scalar dataspace") }
        return Dataspace(id: id)
    }

    /// A simple dataspace of `shape`.
    static func simple(_ shape: [Int], path: String, object: String) throws -> Dataspace {
        let dimensions = shape.map { hsize_t($0) }
        let id = dimensions.withUnsafeBufferPointer { H5Screate_simple(Int32(shape.count), $0.baseAddress, nil) }
        guard id >= 0 else { throw HDF5Library.failure(path, object, "cannot create a dataspace of shape \(shape)") }
        return Dataspace(id: id)
    }

    /// The extent: `[]` for a scalar, the dimensions of a simple dataspace; checked to be at most
    /// ``maximumRank`` dimensions, each representable as `Int`.
    func shape(path: String, object: String) throws -> [Int] {
        switch H5Sget_simple_extent_type(id) {
        case H5S_SCALAR: return []
        case H5S_NULL: throw HDF5Error(path: path, object: object, problem: "has no data (a null dataspace)")
        case H5S_SIMPLE: break
        default: throw HDF5Library.failure(path, object, "has an unreadable dataspace")
        }
        let rank = H5Sget_simple_extent_ndims(id)
        guard rank >= 0 else { throw HDF5Library.failure(path, object, "has an unreadable dataspace") }
        guard Int(rank) <= maximumRank else {
            throw HDF5Error(path: path, object: object, problem: "has rank \(rank), more than HDF5's \(maximumRank)")
        }
        var dimensions = [hsize_t](repeating: 0, count: Int(rank))
        guard dimensions.withUnsafeMutableBufferPointer({ H5Sget_simple_extent_dims(id, $0.baseAddress, nil) }) == rank else {
            throw HDF5Library.failure(path, object, "has an unreadable dataspace")
        }
        return try dimensions.map { extent in
            guard extent <= hsize_t(Int.max) else {
                throw HDF5Error(path: path, object: object, problem: "has an extent of \(extent), too large for this machine")
            }
            return Int(extent)
        }
    }
}

/// A datatype (`H5T`) opened from a file or copied from a predefined type.
final class Datatype {
    let id: hid_t
    init(id: hid_t) { self.id = id }
    deinit { HDF5Library.perform { _ = H5Tclose(id) } }

    /// A UTF-8 string type: variable-length (as h5py writes `str` attributes) or of `size` bytes.
    static func string(size: Int?, path: String, object: String) throws -> Datatype {
        let id = H5Tcopy(chdf5_c_string())
        guard id >= 0 else { throw HDF5Library.failure(path, object, "cannot create a string type") }
        let type = Datatype(id: id)
        guard H5Tset_size(id, size.map { Swift.max(1, $0) } ?? chdf5_variable_size()) >= 0,
              H5Tset_cset(id, H5T_CSET_UTF8) >= 0 else {
            throw HDF5Library.failure(path, object, "cannot create a string type")
        }
        return type
    }

    /// What the type holds, as the readers check it.
    func kind(path: String, object: String) throws -> HDF5ElementKind {
        let size = H5Tget_size(id)
        switch H5Tget_class(id) {
        case H5T_FLOAT: return .float(bytes: size)
        case H5T_INTEGER: return .integer(bytes: size, signed: H5Tget_sign(id) != H5T_SGN_NONE)
        case H5T_STRING:
            let variable = H5Tis_variable_str(id)
            guard variable >= 0 else { throw HDF5Library.failure(path, object, "has an unreadable string type") }
            return .string(variableLength: variable > 0, bytes: size)
        case H5T_NO_CLASS: throw HDF5Library.failure(path, object, "has an unreadable datatype")
        case H5T_COMPOUND: return .other("a compound type")
        case H5T_ENUM: return .other("an enumeration (e.g. a boolean)")
        case H5T_ARRAY: return .other("an array type")
        case H5T_VLEN: return .other("a variable-length sequence")
        case H5T_REFERENCE: return .other("object references")
        case H5T_OPAQUE: return .other("opaque bytes")
        case H5T_BITFIELD: return .other("a bit field")
        case H5T_TIME: return .other("a time type")
        default: return .other("an unknown type class")
        }
    }
}

/// A property list (`H5P`).
final class PropertyList {
    let id: hid_t
    init(id: hid_t) { self.id = id }
    deinit { HDF5Library.perform { _ = H5Pclose(id) } }
}

/// An attribute (`H5A`) of a dataset.
final class AttributeHandle {
    let id: hid_t
    init(id: hid_t) { self.id = id }
    deinit { HDF5Library.perform { _ = H5Aclose(id) } }
}

/// What a dataset's or attribute's elements are, as stored in the file.
public enum HDF5ElementKind: Equatable, Sendable, CustomStringConvertible {
    /// IEEE floating point of this many bytes (2: float16, 4: float32, 8: float64).
    case float(bytes: Int)
    case integer(bytes: Int, signed: Bool)
    case string(variableLength: Bool, bytes: Int)
    /// Any other HDF5 type class, described.
    case other(String)

    public var description: String {
        switch self {
        case let .float(bytes): return "float\(bytes * 8)"
        case let .integer(bytes, signed): return "\(signed ? "int" : "uint")\(bytes * 8)"
        case let .string(variable, bytes): return variable ? "a variable-length string" : "a \(bytes)-byte string"
        case let .other(text): return text
        }
    }
}
