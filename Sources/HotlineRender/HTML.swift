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
        return svg + "</svg>"
    }

    /// Monthly columns with the count above each, months along the bottom.
    static func months(_ items: [(month: String, n: Int)], title: String) -> String {
        guard !items.isEmpty else { return "<p>无数据</p>" }
        let left = 50
        let plotHeight = 200
        let step = max(18, min(60, 700 / items.count))
        let width = left + step * items.count + 20
        let maxN = max(items.map(\.n).max() ?? 1, 1)
        let labelEvery = max(1, items.count / 12)
        var svg = """
            <svg class="chart" viewBox="0 0 \(width) \(plotHeight + 60)" role="img" aria-label="\(h(title))">
            <line x1="\(left)" y1="\(plotHeight + 20)" x2="\(width - 10)" y2="\(plotHeight + 20)" class="axis"/>
            <text x="\(left - 6)" y="\(24)" text-anchor="end" class="value">\(maxN.grouped)</text>
            <text x="\(left - 6)" y="\(plotHeight + 20)" text-anchor="end" class="value">0</text>

            """
        for (i, item) in items.enumerated() {
            let x = left + i * step + 3
            let hgt = item.n * plotHeight / maxN
            let y = plotHeight + 20 - hgt
            svg += """
                <rect x="\(x)" y="\(y)" width="\(step - 6)" height="\(hgt)" class="bar"><title>\(h(item.month))：\(item.n.grouped) 件</title></rect>
                """
            if items.count <= 24 {
                svg +=
                    "<text x=\"\(x + (step - 6) / 2)\" y=\"\(y - 4)\" text-anchor=\"middle\" class=\"value\">\(item.n.grouped)</text>"
            }
            if i % labelEvery == 0 {
                svg +=
                    "<text x=\"\(x + (step - 6) / 2)\" y=\"\(plotHeight + 38)\" text-anchor=\"middle\">\(h(monthLabel(item.month, first: i == 0)))</text>"
            }
            svg += "\n"
        }
        return svg + "</svg>"
    }

    /// `1月`, or `2021年1月` for the first month and each January.
    static func monthLabel(_ key: String, first: Bool) -> String {
        let month = Int(key.suffix(2)) ?? 0
        return first || month == 1 ? "\(key.prefix(4))年\(month)月" : "\(month)月"
    }
}
