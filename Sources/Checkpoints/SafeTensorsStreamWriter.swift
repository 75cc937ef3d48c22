import Foundation
import TensorKit

/// Writes Float32 tensors into a safetensors file piece by piece, so a tensor larger than memory
/// allows twice (the authors' 2401 words of 3×256² are 1.9 GB) never exists in memory as a whole:
/// the header is written first from the declared shapes, then the data of each tensor in the
/// declared order, in any number of pieces. The file is atomic like every file we write
/// (temporary file, flush, rename) and is only put in place when every declared element arrived.
///
/// ```swift
/// try SafeTensorsStreamWriter.write(to: url, metadata: [:],
///                                   tensors: [("words", [Nb, Nw, 3, W, W]), ("word_regions", [Nb, Nw, 4])]) { stream in
///     for bag in bags { try stream.append(bag.channelsFirstWords.scalars) }
///     try stream.append(regions)
/// }
/// ```
public enum SafeTensorsStreamWriter {
    /// Writes the file: `produce` appends the tensors' elements in the order of `tensors`.
    ///
    /// - Throws: ``CheckpointError`` naming the file when a shape overflows, more or fewer
    ///   elements than declared arrive, or writing fails; `url` is then left untouched.
    public static func write(to url: URL, metadata: [String: String], tensors: [(name: String, shape: [Int])],
                             produce: (SafeTensorsStream) throws -> Void) throws {
        let displayName = url.checkpointDisplayName
        var counts: [Int] = [], totalBytes = 0
        for (name, shape) in tensors {
            guard let count = MemoryBudget.checkedProduct(shape), let bytes = MemoryBudget.checkedProduct([count, MemoryLayout<Float>.size]),
                  case (let total, false) = totalBytes.addingReportingOverflow(bytes) else {
                throw CheckpointError.malformedTensor(file: displayName, tensor: name, reason: "shape \(shape) overflows 64-bit sizes")
            }
            counts.append(count)
            totalBytes = total
        }
        let header = SafeTensorsWriter.header(metadata: metadata, entries: zip(tensors, counts).map { tensor, count in
            (tensor.name, .float32, tensor.shape, count * MemoryLayout<Float>.size)
        })
        try AtomicFileWriter.write(to: url) { output in
            var length: [UInt8] = []
            length.appendLittleEndian(UInt64(header.count))
            try output.write(Data(length))
            try output.write(header)
            let stream = SafeTensorsStream(output: output, names: tensors.map(\.name), counts: counts, displayName: displayName)
            try produce(stream)
            try stream.finish()
        }
    }
}

/// The data side of ``SafeTensorsStreamWriter``: elements appended in the declared tensor order.
public final class SafeTensorsStream {
    private let output: CountingFileOutput
    private let names: [String]
    private let counts: [Int]
    private let displayName: String
    private var tensorIndex = 0
    private var writtenInTensor = 0

    fileprivate init(output: CountingFileOutput, names: [String], counts: [Int], displayName: String) {
        self.output = output
        self.names = names
        self.counts = counts
        self.displayName = displayName
    }

    /// Appends `scalars`, continuing the current tensor and moving on to the next when it is full.
    /// - Throws: ``CheckpointError`` when more elements arrive than the tensors declared.
    public func append(_ scalars: [Float]) throws {
        var remaining = scalars[...]
        while !remaining.isEmpty {
            while tensorIndex < counts.count, writtenInTensor == counts[tensorIndex] {
                tensorIndex += 1
                writtenInTensor = 0
            }
            guard tensorIndex < counts.count else {
                throw CheckpointError.writeFailed(file: displayName, reason: "more elements than the declared tensors hold")
            }
            let take = min(remaining.count, counts[tensorIndex] - writtenInTensor)
            try output.write(ElementEncoding.littleEndianBytes(of: Array(remaining.prefix(take))))
            writtenInTensor += take
            remaining = remaining.dropFirst(take)
        }
    }

    /// Checks that every declared element was written.
    fileprivate func finish() throws {
        while tensorIndex < counts.count, writtenInTensor == counts[tensorIndex] {
            tensorIndex += 1
            writtenInTensor = 0
        }
        guard tensorIndex == counts.count else {
            throw CheckpointError.writeFailed(file: displayName, reason: "tensor '\(names[tensorIndex])' received \(writtenInTensor) of "
                                              + "\(counts[tensorIndex]) elements")
        }
    }
}
