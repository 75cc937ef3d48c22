/// The channel rounding shared by MobileNetV2 (`_make_divisible`), MnasNet
/// (`_round_to_multiple_of` with its default bias 0.9) and EfficientNet (`round_filters`): round
/// `value` to the nearest multiple of `divisor` (at least `divisor`), and add one more `divisor`
/// if that lost more than 10 %.
///
/// Examples: `roundChannels(83.2)` = 80, `roundChannels(84)` = 88, `roundChannels(16 · 0.5)` = 8.
func roundChannels(_ value: Double, divisor: Int = 8) -> Int {
    var rounded = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
    if Double(rounded) < 0.9 * value { rounded += divisor }
    return rounded
}
