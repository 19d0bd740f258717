import HotlineCore

/// The organisations a complaint is about: companies, platforms, schools, hospitals, shops, named
/// as they are in the text (58车贷, 经济学院, 西湖建筑集团).
///
/// A subject is a run of letters and digits ending in an organisation word (公司, 平台, 学院, 贷…),
/// starting after a word that cannot be part of a name, without its administrative prefix (A市,
/// A4区). Texts about one subject, worded however each caller words it, are a campaign when many
/// callers raise it within weeks (see `SignalScan.campaigns`).
public enum Subjects {
    /// Organisation words, longest first.
    static let suffixes: [[Character]] = [
        "有限公司", "职业技术学院", "公司", "集团", "平台", "学院", "大学", "学校", "中学", "小学", "幼儿园", "医院", "银行", "超市",
        "商场", "酒店", "工厂", "驾校", "车贷", "网贷", "理财", "金融", "物流", "快递", "贷",
    ].map { Array($0) }.sorted { $0.count > $1.count }

    static let lastCharacters = Set(suffixes.compactMap(\.last))
    /// The same as scalars: testing every character of every text against a `Set<Character>`
    /// hashes each one with Unicode normalization.
    static let lastScalars = Set(lastCharacters.compactMap { $0.unicodeScalars.first?.value })

    /// Whether `c` may end an organisation word (`lastCharacters`), by its scalar where that is
    /// the whole of it and no compatibility ideograph (which equals a unified one as a `Character`).
    static func mayEnd(_ c: Character) -> Bool {
        let scalars = c.unicodeScalars
        if scalars.count == 1, let v = scalars.first?.value, !(0xF900...0xFAFF).contains(v), v < 0x2F800 {
            return lastScalars.contains(v)
        }
        return lastCharacters.contains(c)
    }

    /// Name parts that name nothing in particular: 该公司, 这家超市, 物业公司 of no estate.
    static let vague: Set<String> = [
        "物业", "该", "这家", "那家", "本", "某", "一家", "我们", "我", "你们", "他们", "所在", "附近", "相关", "有关", "其他", "各",
        "这个", "那个", "建筑", "培训", "教育", "网络", "民办", "公办", "私立", "公立", "附属", "人民", "上市", "国有", "开发",
    ]

    /// Characters that end a name when reading backwards from its organisation word.
    static let stops = Places.stops

    /// The subjects of `text`, each once, in order.
    public static func names(in text: String) -> [String] {
        let chars = Array(text)
        var out: [String] = []
        var lastEnd = -1
        var lastStart = -1
        var i = 0
        while i < chars.count {
            guard mayEnd(chars[i]) else {
                i += 1
                continue
            }
            // The longest organisation word ending at i.
            guard
                let suffix = suffixes.first(where: { s in i + 1 >= s.count && Array(chars[(i + 1 - s.count)...i]) == s }
                )
            else {
                i += 1
                continue
            }
            let wordStart = i + 1 - suffix.count
            var start = wordStart
            while start > 0 && wordStart - start < 10 && isNamePart(chars[start - 1]) { start -= 1 }
            // Without an administrative prefix: A市, A4区, 西地省.
            if let cut = (start..<wordStart).last(where: { "市区县省州".contains(chars[$0]) }) { start = cut + 1 }
            let part = String(chars[start..<wordStart])
            // 58车贷平台 after 58车贷 is the same subject.
            let continues = start == lastStart && wordStart <= lastEnd + 1
            if part.count >= 2 && !vague.contains(part) && !continues && !Places.isGeneric(chars[start...i]) {
                let name = String(chars[start...i])
                if !out.contains(name) { out.append(name) }
                lastStart = start
                lastEnd = i
            }
            i += 1
        }
        // A name never carries a person's name.
        return out.filter { PersonalData.mask($0) == $0 }
    }

    /// Han characters that are no stop, Latin letters and digits.
    static func isNamePart(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value, c.unicodeScalars.count == 1 else { return false }
        if stops.contains(c) { return false }
        return (v >= 0x4E00 && v <= 0x9FFF) || (0x30...0x39).contains(v) || (0x41...0x5A).contains(v)
            || (0x61...0x7A).contains(v)
    }
}
