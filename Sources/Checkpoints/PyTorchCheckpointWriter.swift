import Foundation

extension PyTorchCheckpoint {
    /// The archive folder name inside written files.
    static let writtenArchiveName = "archive"

    /// Writes `stateDict` as `torch.save(state_dict, f)` would (PyTorch ≥ 1.6 zip format), so
    /// that `torch.load(f)` — including `weights_only=True` — returns an OrderedDict of tensors.
    ///
    /// Layout: `archive/data.pkl` (protocol-2 pickle), `archive/.format_version`,
    /// `archive/.storage_alignment`, `archive/byteorder` (`little`), one `archive/data/<n>` per
    /// tensor (Float32 as `FloatStorage`, integers as int64 `LongStorage`), `archive/version`
    /// (`3`); entries are stored uncompressed with data aligned to 64 bytes. The file is written
    /// atomically (temporary file, then rename).
    public static func write(_ stateDict: StateDict, to url: URL) throws {
        let prefix = writtenArchiveName + "/"
        var records: [StateDictPickler.TensorRecord] = []
        var storages: [Data] = []
        for (index, (key, value)) in stateDict.entries.enumerated() {
            let dataType: TensorDataType
            switch value {
            case .float(let tensor):
                dataType = .float32
                storages.append(ElementEncoding.littleEndianBytes(of: tensor.scalars))
            case .integer(let integers):
                dataType = .int64
                storages.append(ElementEncoding.littleEndianBytes(of: integers.values))
            }
            guard let storageTypeName = AllowedGlobal.storageTypeName(for: dataType) else {
                throw CheckpointError.writeFailed(file: url.checkpointDisplayName,
                                                  reason: "no torch storage type for \(dataType.safetensorsName)")
            }
            records.append(.init(key: key, storageKey: String(index), storageTypeName: storageTypeName,
                                 shape: value.shape))
        }
        let pickle = StateDictPickler.pickle(records)
        try AtomicFileWriter.write(to: url) { output in
            let archive = ZipArchiveWriter(output: output, alignment: 64)
            try archive.addStoredEntry(named: prefix + "data.pkl", data: Data(pickle))
            try archive.addStoredEntry(named: prefix + ".format_version", data: Data("1".utf8))
            try archive.addStoredEntry(named: prefix + ".storage_alignment", data: Data("64".utf8))
            try archive.addStoredEntry(named: prefix + "byteorder", data: Data("little".utf8))
            for (record, storage) in zip(records, storages) {
                try archive.addStoredEntry(named: prefix + "data/" + record.storageKey, data: storage)
            }
            try archive.addStoredEntry(named: prefix + "version", data: Data("3\n".utf8))
            try archive.finish()
        }
    }
}
