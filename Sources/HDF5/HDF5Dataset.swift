import CHDF5
import Foundation
import TensorKit

/// A value of an HDF5 attribute, in the forms h5py writes Python values: a scalar integer or
/// float, a string (variable-length UTF-8), or a one-dimensional array of numbers (a tuple).
public enum HDF5AttributeValue: Equatable, Sendable, CustomStringConvertible {
    case integer(Int64)
    case float(Double)
    case string(String)
    case integers([Int64])
    case floats([Double])

    /// The numbers of a numeric value (one for a scalar); `nil` for a string.
    public var numbers: [Double]? {
        switch self {
        case let .integer(value): return [Double(value)]
        case let .float(value): return [value]
        case .string: return nil
        case let .integers(values): return values.map(Double.init)
        case let .floats(values): return values
        }
    }

    public var description: String {
        switch self {
        case let .integer(value): return "\(value)"
        case let .float(value): return "\(value)"
        case let .string(value): return "\"\(value)\""
        case let .integers(values): return "\(values)"
        case let .floats(values): return "\(values)"
        }
    }
}

/// A dataset of an ``HDF5File`` (the one owner of its `H5D` identifier): its shape and element
/// type, its contents read with HDF5's conversion to float32 or float64 after the size was checked
/// against ``MemoryBudget``, and its attributes.
public final class HDF5Dataset {
    /// The file it belongs to (kept open while the dataset is).
    public let file: HDF5File
    /// Its name in the root group.
    public let name: String
    let id: hid_t

    /// The largest number of elements read from one numeric attribute, and of bytes from a string
    /// attribute: attributes hold sizes and names, never bulk data.
    public static let maximumAttributeElements = 4096
    public static let maximumAttributeStringBytes = 1 << 20

    init(file: HDF5File, name: String, id: hid_t) {
        self.file = file
        self.name = name
        self.id = id
    }

    deinit { HDF5Library.perform { _ = H5Dclose(id) } }

    private var object: String { "dataset '\(name)'" }

    /// Refuses a virtual dataset or one whose data lives in external files: reading those would
    /// open other files than the one given.
    func requireStoredInFile() throws {
        let plist = H5Dget_create_plist(id)
        guard plist >= 0 else { throw HDF5Library.failure(file.path, object, "has unreadable storage properties") }
        let properties = PropertyList(id: plist)
        let layout = H5Pget_layout(properties.id)
        guard layout != H5D_VIRTUAL else {
            throw HDF5Error(path: file.path, object: object, problem: "is a virtual dataset (its data lies in other files); it is not read")
        }
        guard layout == H5D_CONTIGUOUS || layout == H5D_CHUNKED || layout == H5D_COMPACT else {
            throw HDF5Library.failure(file.path, object, "has an unknown storage layout")
        }
        let external = H5Pget_external_count(properties.id)
        guard external == 0 else {
            throw HDF5Error(path: file.path, object: object, problem: "stores its data in external files; it is not read")
        }
    }

    /// The extent (`[]` for a scalar dataset).
    /// - Throws: ``HDF5Error`` for a null or unreadable dataspace or more than 32 dimensions.
    public func shape() throws -> [Int] {
        try HDF5Library.perform {
            let spaceID = H5Dget_space(id)
            guard spaceID >= 0 else { throw HDF5Library.failure(file.path, object, "has an unreadable dataspace") }
            return try Dataspace(id: spaceID).shape(path: file.path, object: object)
        }
    }

    /// What the elements are as stored.
    public func elementKind() throws -> HDF5ElementKind {
        try HDF5Library.perform {
            let typeID = H5Dget_type(id)
            guard typeID >= 0 else { throw HDF5Library.failure(file.path, object, "has an unreadable datatype") }
            return try Datatype(id: typeID).kind(path: file.path, object: object)
        }
    }

    /// Every element converted to float32 by HDF5 (float16/32/64 and integer datasets), row-major.
    /// Values beyond float32's range become infinite; callers check finiteness.
    /// - Throws: ``SizeLimitError`` when the dataset is larger than the memory budget;
    ///   ``HDF5Error`` when its type is not numeric or its data cannot be read (truncated file,
    ///   damaged chunk, unavailable filter).
    public func readFloat32() throws -> [Float] {
        try read(elementSize: MemoryLayout<Float>.size, memoryType: chdf5_native_float(), zero: Float(0))
    }

    /// Every element converted to float64 by HDF5, row-major (see ``readFloat32()``).
    public func readFloat64() throws -> [Double] {
        try read(elementSize: MemoryLayout<Double>.size, memoryType: chdf5_native_double(), zero: Double(0))
    }

    private func read<Element>(elementSize: Int, memoryType: hid_t, zero: Element) throws -> [Element] {
        let shape = try shape()
        switch try elementKind() {
        case .float, .integer: break
        case let kind: throw HDF5Error(path: file.path, object: object, problem: "holds \(kind), not numbers")
        }
        let count = try MemoryBudget.require(shape: shape, elementSize: elementSize, for: "\(file.path): \(object) of shape")
        guard count > 0 else { return [] }
        return try HDF5Library.perform {
            var status: herr_t = 0
            let values = [Element](unsafeUninitializedCapacity: count) { buffer, initialised in
                buffer.initialize(repeating: zero)
                status = H5Dread(id, memoryType, chdf5_all(), chdf5_all(), chdf5_default(), buffer.baseAddress)
                initialised = count
            }
            guard status >= 0 else {
                throw HDF5Library.failure(file.path, object, "cannot be read (the file is truncated or damaged)")
            }
            return values
        }
    }

    // MARK: Attributes

    /// The attribute `attribute`, or `nil` when the dataset has none of that name.
    /// - Throws: ``HDF5Error`` naming the file, dataset and attribute when it is not a number, an
    ///   array of numbers or a string, or is larger than attributes are (``maximumAttributeElements``).
    public func attribute(_ attribute: String) throws -> HDF5AttributeValue? {
        let object = "attribute '\(attribute)' of dataset '\(name)'"
        return try HDF5Library.perform {
            let exists = H5Aexists(id, attribute)
            guard exists >= 0 else { throw HDF5Library.failure(file.path, object, "cannot be looked up") }
            guard exists > 0 else { return nil }
            let attributeID = H5Aopen(id, attribute, chdf5_default())
            guard attributeID >= 0 else { throw HDF5Library.failure(file.path, object, "cannot be opened") }
            let handle = AttributeHandle(id: attributeID)
            let typeID = H5Aget_type(handle.id), spaceID = H5Aget_space(handle.id)
            guard typeID >= 0, spaceID >= 0 else {
                if typeID >= 0 { H5Tclose(typeID) }
                if spaceID >= 0 { H5Sclose(spaceID) }
                throw HDF5Library.failure(file.path, object, "has an unreadable type or dataspace")
            }
            let type = Datatype(id: typeID), space = Dataspace(id: spaceID)
            let shape = try space.shape(path: file.path, object: object)
            guard shape.count <= 1 else {
                throw HDF5Error(path: file.path, object: object, problem: "has shape \(shape); expected a single value or a list")
            }
            let count = shape.first ?? 1
            guard count <= Self.maximumAttributeElements else {
                throw HDF5Error(path: file.path, object: object, problem: "has \(count) elements; attributes of more than "
                                + "\(Self.maximumAttributeElements) are not read")
            }
            switch try type.kind(path: file.path, object: object) {
            case .integer:
                var values = [Int64](repeating: 0, count: count)
                guard count == 0 || H5Aread(handle.id, chdf5_native_int64(), &values) >= 0 else {
                    throw HDF5Library.failure(file.path, object, "cannot be read")
                }
                return shape.isEmpty ? .integer(values[0]) : .integers(values)
            case .float:
                var values = [Double](repeating: 0, count: count)
                guard count == 0 || H5Aread(handle.id, chdf5_native_double(), &values) >= 0 else {
                    throw HDF5Library.failure(file.path, object, "cannot be read")
                }
                return shape.isEmpty ? .float(values[0]) : .floats(values)
            case let .string(variableLength, bytes):
                guard count == 1 else {
                    throw HDF5Error(path: file.path, object: object, problem: "holds \(count) strings; expected one")
                }
                return .string(try readString(handle, variableLength: variableLength, bytes: bytes, object: object))
            case let kind:
                throw HDF5Error(path: file.path, object: object, problem: "holds \(kind); expected a number, a list of numbers or a string")
            }
        }
    }

    private func readString(_ handle: AttributeHandle, variableLength: Bool, bytes: Int, object: String) throws -> String {
        if variableLength {
            let memoryType = try Datatype.string(size: nil, path: file.path, object: object)
            var pointer: UnsafeMutablePointer<CChar>?
            guard H5Aread(handle.id, memoryType.id, &pointer) >= 0 else { throw HDF5Library.failure(file.path, object, "cannot be read") }
            guard let pointer else { return "" }
            defer { H5free_memory(pointer) }
            let length = strnlen(pointer, Self.maximumAttributeStringBytes + 1)
            guard length <= Self.maximumAttributeStringBytes else {
                throw HDF5Error(path: file.path, object: object, problem: "is a string of more than \(Self.maximumAttributeStringBytes) bytes")
            }
            return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length).bindMemory(to: UInt8.self), as: UTF8.self)
        }
        guard bytes <= Self.maximumAttributeStringBytes else {
            throw HDF5Error(path: file.path, object: object, problem: "is a string of \(bytes) bytes, more than \(Self.maximumAttributeStringBytes)")
        }
        let memoryType = try Datatype.string(size: bytes, path: file.path, object: object)
        var buffer = [UInt8](repeating: 0, count: bytes + 1)
        guard H5Aread(handle.id, memoryType.id, &buffer) >= 0 else { throw HDF5Library.failure(file.path, object, "cannot be read") }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Writes the attribute `attribute` (replacing none: the dataset is new), in h5py's forms:
    /// scalars and strings in a scalar dataspace, lists as one-dimensional arrays.
    public func setAttribute(_ attribute: String, _ value: HDF5AttributeValue) throws {
        let object = "attribute '\(attribute)' of dataset '\(name)'"
        try HDF5Library.perform {
            let path = file.path
            let space: Dataspace
            switch value {
            case .integer, .float, .string: space = try .scalar(path: path, object: object)
            case let .integers(values): space = try .simple([values.count], path: path, object: object)
            case let .floats(values): space = try .simple([values.count], path: path, object: object)
            }
            // Strings are variable-length UTF-8, as h5py writes `str`; numbers little-endian 64-bit.
            var stringType: Datatype?
            if case .string = value { stringType = try .string(size: nil, path: path, object: object) }
            let typeID: hid_t
            switch value {
            case .integer, .integers: typeID = chdf5_std_i64le()
            case .float, .floats: typeID = chdf5_ieee_f64le()
            case .string: typeID = stringType!.id
            }
            let attributeID = H5Acreate2(id, attribute, typeID, space.id, chdf5_default(), chdf5_default())
            guard attributeID >= 0 else { throw HDF5Library.failure(path, object, "cannot be created") }
            let handle = AttributeHandle(id: attributeID)
            let status: herr_t
            switch value {
            case let .integer(number): status = withUnsafeBytes(of: number) { H5Awrite(handle.id, chdf5_native_int64(), $0.baseAddress) }
            case let .integers(numbers): status = numbers.withUnsafeBytes { H5Awrite(handle.id, chdf5_native_int64(), $0.baseAddress) }
            case let .float(number): status = withUnsafeBytes(of: number) { H5Awrite(handle.id, chdf5_native_double(), $0.baseAddress) }
            case let .floats(numbers): status = numbers.withUnsafeBytes { H5Awrite(handle.id, chdf5_native_double(), $0.baseAddress) }
            case let .string(text):
                status = text.withCString { characters in
                    var pointer: UnsafePointer<CChar>? = characters
                    return H5Awrite(handle.id, typeID, &pointer)
                }
            }
            guard status >= 0 else { throw HDF5Library.failure(path, object, "cannot be written") }
        }
    }
}
