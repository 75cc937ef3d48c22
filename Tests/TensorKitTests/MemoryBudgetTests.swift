import Testing
import TensorKit

/// Overflow-checked sizes against the memory budget, and the finiteness check of tensors.
@Suite(.serialized) struct MemoryBudgetTests {
    @Test func sizesThatOverflowOrExceedTheBudgetAreErrors() throws {
        #expect(MemoryBudget.checkedProduct([1 << 40, 1 << 30]) == nil)
        #expect(MemoryBudget.checkedProduct([-1, 4]) == nil)
        #expect(MemoryBudget.checkedProduct([]) == 1)
        #expect(throws: SizeLimitError.self) { try MemoryBudget.require(shape: [1 << 62], for: "a crafted header") }
        #expect(throws: SizeLimitError.self) { try MemoryBudget.require(shape: [1 << 20, 1 << 20, 1 << 20], for: "x") }
        #expect(try MemoryBudget.require(shape: [2, 3], for: "small") == 6)
        MemoryBudget.setLimit(bytes: 1000)
        defer { MemoryBudget.setLimit(bytes: nil) }
        do {
            try MemoryBudget.require(elements: 300, elementSize: 4, for: "tensor 'words' of w.safetensors")
            Issue.record("1200 bytes passed a 1000-byte budget")
        } catch let error as SizeLimitError {
            #expect(error.description.contains("tensor 'words' of w.safetensors") && error.description.contains("1 KB")
                    && error.description.contains("--max-memory"), "\(error)")
        }
    }

    @Test func memorySizesParseWithUnits() {
        #expect(MemoryBudget.parse("512M") == 512 << 20)
        #expect(MemoryBudget.parse("8G") == 8 << 30)
        #expect(MemoryBudget.parse("1.5GB") == 3 << 29)
        #expect(MemoryBudget.parse("4096") == 4096)
        for bad in ["", "lots", "-1G", "0", "nanG", "inf", "1e30T"] { #expect(MemoryBudget.parse(bad) == nil, "\(bad)") }
    }

    @Test func theFirstNonFiniteElementIsNamedByItsIndex() throws {
        var scalars = [Float](repeating: 1, count: 24)
        scalars[1 * 12 + 2 * 4 + 1] = -.infinity
        scalars[23] = .nan
        let tensor = Tensor(shape: [2, 3, 4], scalars: scalars)
        #expect(tensor.firstNonFiniteIndex == [1, 2, 1])
        do {
            try tensor.requireFinite("f.safetensors: tensor 'words'")
            Issue.record("a tensor with -inf passed")
        } catch let error as NonFiniteValueError {
            #expect(error.description == "f.safetensors: tensor 'words' holds -inf at index [1, 2, 1]; every value must be finite")
        }
        try Tensor(shape: [3], scalars: [1, 2, 3]).requireFinite("fine")
    }
}
