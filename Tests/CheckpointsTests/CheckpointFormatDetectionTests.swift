import Checkpoints
import Foundation
import Testing
import TestSupport

/// Format detection by first bytes: a safetensors header of 0x…80 bytes begins with the byte of
/// pickle's PROTO opcode and was once taken for a legacy torch.save file (found with a
/// `safetensors.torch.save_file` output of 2944 header bytes).
@Suite struct CheckpointFormatDetectionTests {
    @Test(arguments: [0x80, 0x0b80, 0x1080])
    func safeTensorsHeaderLengthEndingIn0x80IsSafeTensors(headerLength: Int) throws {
        let scratch = try TemporaryDirectory()
        let json = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let header = json + String(repeating: " ", count: headerLength - json.utf8.count)
        var bytes = withUnsafeBytes(of: UInt64(headerLength).littleEndian) { Data($0) }
        bytes.append(Data(header.utf8))
        bytes.append(withUnsafeBytes(of: Float(2.5).bitPattern.littleEndian) { Data($0) })
        let url = scratch.file("w.safetensors")
        try bytes.write(to: url)
        #expect(try CheckpointFormat.detect(at: url) == .safeTensors)
        #expect(try loadStateDict(from: url)["x"]?.scalars == [2.5])
    }
}
