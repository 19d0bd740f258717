/// Number formats used on the pages and in the CSVs.
public enum Format {
    /// `13.3%` for 0.1327.
    public static func percent(_ share: Double, places: Int = 1) -> String { fixed(share * 100, places: places) + "%" }

    /// Seconds with one decimal, for log lines.
    public static func seconds(_ value: Double) -> String { fixed(value, places: 1) }

    /// Bytes as megabytes with one decimal.
    public static func megabytes(_ bytes: Int) -> String { fixed(Double(bytes) / 1_048_576, places: 1) + " MB" }

    /// Rounded half away from zero to `places` decimals, without exponent notation.
    public static func fixed(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
        let whole = Int(scaled / scale)
        var text = String(whole)
        if places > 0 {
            let fraction = Int(scaled) - whole * Int(scale)
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: places - digits.count) + digits
        }
        return value < 0 && scaled != 0 ? "-" + text : text
    }
}
