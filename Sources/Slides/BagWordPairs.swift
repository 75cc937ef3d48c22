/// Multi-scale training sizes, as the reference's `get_bag_word_pairs`
/// (data_loader/data_utils/collate_function.py): word sizes `word + scaleFactor · m` for each
/// multiplier `m` (rounded up to a multiple of `scaleFactor`), bag sizes keeping the ratio
/// `bag / word`, duplicates and non-positive sizes dropped, order kept.
///
/// For bag 1024, word 256, factor 32, multipliers −2…2: (768, 192), (896, 224), (1024, 256),
/// (1152, 288), (1280, 320).
public enum BagWordPairs {
    public static func make(bagSize: Int, wordSize: Int, scaleFactor: Int = 32,
                            multipliers: [Int] = [-2, -1, 0, 1, 2]) -> [(bagSize: Int, wordSize: Int)] {
        precondition(wordSize > 0 && bagSize % wordSize == 0,
                     "BagWordPairs: bag size \(bagSize) must be a multiple of word size \(wordSize)")
        precondition(scaleFactor > 0, "BagWordPairs: scale factor must be positive, got \(scaleFactor)")
        let wordsPerBag = bagSize / wordSize
        var pairs: [(bagSize: Int, wordSize: Int)] = []
        for multiplier in multipliers {
            var word = wordSize + scaleFactor * multiplier
            if word % scaleFactor != 0 {
                word = Int((Double(word) / Double(scaleFactor)).rounded(.up)) * scaleFactor
            }
            guard word > 0 else { continue }
            let bag = word * wordsPerBag
            if !pairs.contains(where: { $0.bagSize == bag && $0.wordSize == word }) {
                pairs.append((bag, word))
            }
        }
        return pairs
    }
}
