import HotlineCore

/// Text made safe for HTML: escaped, and masked for names and phone numbers.
func h(_ text: String) -> String { escapeHTML(PersonalData.mask(text)) }

/// An identifier (order or candidate id) made safe for HTML: escaped, not masked.
func escapeHTML(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}

/// Inline SVG charts: no script, no external resource, readable without colour.
enum Chart {
    /// Horizontal bars, one per item, labelled with the count and the share.
    static func bars(_ items: [(label: String, n: Int)], total: Int, title: String) -> String {
        let rowHeight = 26
        let labelWidth = 130
        let barWidth = 430
        let height = items.count * rowHeight + 10
        let maxN = max(items.map(\.n).max() ?? 1, 1)
        var svg = """
            <svg class="chart" viewBox="0 0 \(labelWidth + barWidth + 150) \(height)" role="img" aria-label="\(h(title))">
            """
        for (i, item) in items.enumerated() {
            let y = i * rowHeight + 5
            let w = max(1, item.n * barWidth / maxN)
            let share = total > 0 ? Format.percent(Double(item.n) / Double(total)) : "—"
            svg += """
                <text x="\(labelWidth - 8)" y="\(y + 17)" text-anchor="end">\(h(item.label))</text>\
                <rect x="\(labelWidth)" y="\(y + 3)" width="\(w)" height="\(rowHeight - 8)" class="bar"><title>\(h(item.label))：\(item.n.grouped) 件，\(share)</title></rect>\
                <text x="\(labelWidth + w + 6)" y="\(y + 17)" class="value">\(item.n.grouped)（\(share)）</text>

                """
        }
        return "<div class=\"wide\">" + svg + "</svg></div>"
    }

    /// Monthly columns on a scale of round numbers (件), months along the bottom and the year below
    /// its first month; counts above the columns only when they have room.
    static func months(_ items: [(month: String, n: Int)], title: String) -> String {
        guard !items.isEmpty else { return "<p>无数据</p>" }
        let left = 56
        let top = 24
        let plotHeight = 200
        let step = max(16, min(60, 720 / items.count))
        let width = left + step * items.count + 20
        let tick = niceStep(max(items.map(\.n).max() ?? 1, 1))
        let maxN = max(tick * Int((Double(items.map(\.n).max() ?? 1) / Double(tick)).rounded(.up)), tick)
        let base = top + plotHeight
        // Month labels need about 34 units each, a count above a column its digits' width.
        let labelEvery = max(1, Int((34.0 / Double(step)).rounded(.up)))
        let widestCount = (items.map(\.n).max() ?? 0).grouped.count * 7 + 4
        var svg = """
            <svg class="chart" viewBox="0 0 \(width) \(base + 50)" role="img" aria-label="\(h(title))">
            <text x="4" y="12" class="value">件</text>

            """
        for value in stride(from: 0, through: maxN, by: tick) {
            let y = base - value * plotHeight / maxN
            svg += """
                <line x1="\(left)" y1="\(y)" x2="\(width - 10)" y2="\(y)" class="\(value == 0 ? "axis" : "grid")"/>\
                <text x="\(left - 6)" y="\(y + 4)" text-anchor="end" class="value">\(value.grouped)</text>

                """
        }
        for (i, item) in items.enumerated() {
            let x = left + i * step + 2
            let hgt = item.n * plotHeight / maxN
            let y = base - hgt
            let center = x + (step - 4) / 2
            svg += """
                <rect x="\(x)" y="\(y)" width="\(step - 4)" height="\(hgt)" class="bar"><title>\(h(item.month))：\(item.n.grouped) 件</title></rect>
                """
            if step >= widestCount {
                svg +=
                    "<text x=\"\(center)\" y=\"\(y - 4)\" text-anchor=\"middle\" class=\"value\">\(item.n.grouped)</text>"
            }
            let month = Int(item.month.suffix(2)) ?? 0
            if i % labelEvery == 0 {
                svg += "<text x=\"\(center)\" y=\"\(base + 18)\" text-anchor=\"middle\">\(month)月</text>"
            }
            // The year under its first month, and under the first column unless a January follows closely.
            if month == 1 || (i == 0 && (13 - month) * step >= 44) {
                svg +=
                    "<text x=\"\(x)\" y=\"\(base + 38)\" class=\"value\">\(h(String(item.month.prefix(4))))年</text>"
            }
            svg += "\n"
        }
        return "<div class=\"wide\">" + svg + "</svg></div>"
    }

    /// A round step (1, 2 or 5 times a power of ten) that cuts `maxN` into at most five parts.
    static func niceStep(_ maxN: Int) -> Int {
        var power = 1
        while true {
            for f in [1, 2, 5] where maxN <= f * power * 5 { return f * power }
            power *= 10
        }
    }

    /// `1月`, or `2021年1月` for the first month and each January.
    static func monthLabel(_ key: String, first: Bool) -> String {
        let month = Int(key.suffix(2)) ?? 0
        return first || month == 1 ? "\(key.prefix(4))年\(month)月" : "\(month)月"
    }
}
