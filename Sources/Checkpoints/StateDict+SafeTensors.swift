import Foundation

extension StateDict {
    /// Reads every tensor of a safetensors file, in file order: floating dtypes as Float32
    /// tensors, integer and boolean dtypes as exact ``IntegerTensor``s.
    public init(contentsOf file: SafeTensorsFile) throws {
        self.init()
        for entry in file.entries {
            if entry.dataType.isInteger {
                let integers = try file.int64s(named: entry.name)
                set(IntegerTensor(shape: integers.shape, values: integers.values), forKey: entry.name)
            } else {
                set(try file.tensor(named: entry.name), forKey: entry.name)
            }
        }
    }

    /// Writes every entry to a safetensors file (F32 and I64), atomically.
    public func writeSafeTensors(to url: URL, metadata: [String: String] = [:]) throws {
        var writer = SafeTensorsWriter(metadata: metadata)
        for (key, value) in entries {
            switch value {
            case .float(let tensor): writer.add(tensor, named: key)
            case .integer(let integers): writer.add(int64s: integers.values, shape: integers.shape, named: key)
            }
        }
        try writer.write(to: url)
    }
}
