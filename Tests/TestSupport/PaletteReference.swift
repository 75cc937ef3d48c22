/// Python source shared by the overlay tests' reader scripts: `inferno(t)`, the heat-map colour of
/// `t` in [0, 1] as 8-bit (r, g, b) — matplotlib's inferno at nine stops, linearly interpolated —
/// written from the palette's definition, independently of `ColorMap`.
public enum PaletteReference {
    public static let pythonInferno = """
    stops = [0x000004, 0x1B0C41, 0x4A0C6B, 0x781C6D, 0xA52C60, 0xCF4446, 0xED6925, 0xFB9B06, 0xFCFFA4]
    def inferno(t):
        t = min(max(t, 0.0), 1.0) * (len(stops) - 1)
        i = min(int(t), len(stops) - 2)
        f = t - i
        a, b = stops[i], stops[i + 1]
        return tuple(round((((a >> s) & 255) / 255 * (1 - f) + ((b >> s) & 255) / 255 * f) * 255) for s in (16, 8, 0))

    """
}
