import HotlineCore
import HotlineStore

/// Where an order happened, reduced to a key that groups orders on the same estate or address.
public struct Place: Sendable, Equatable {
    /// Groups orders: the community (or street) when the export names one, then the estate.
    public var key: String
    /// The estate or place as people would name it: 翠竹苑, 魅力之城.
    public var name: String
    /// The street and community the export gave, if any.
    public var street: String?
    public var community: String?
    /// True when the place was found in the complaint's text rather than in an address column.
    public var fromText: Bool

    /// How the page names the place: street, community and estate, as far as they are known.
    public var label: String {
        [street, community, name].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// Finds the estate (小区, 花园, 苑…) an order is about, from its address or else its text.
///
/// An address loses its administrative prefix (district, street and community, written in full or
/// short, as in 横岗六约翠竹苑12栋) and everything from the building number on. In free text, a
/// place is a run of Chinese characters ending in an estate word (小区, 花园, 新城, 苑, 学院…) and
/// starting after a word that cannot be part of a name (我住在, 市, 区…). 小区 and 社区 at the end
/// are dropped from the key, so 魅力之城小区 and 魅力之城 are one place.
public enum Places {
    /// Estate words, longest first so that 花苑 wins over 苑.
    static let suffixes: [[Character]] = [
        "工业园", "工业区", "小区", "花园", "家园", "新村", "新城", "公寓", "山庄", "广场", "大厦", "花苑", "雅苑", "学院", "学校", "中学",
        "小学", "医院", "市场", "商城", "公馆", "名苑", "苑", "城", "园", "府", "湾", "庭", "居", "村",
    ].map { Array($0) }

    /// Characters that end a name when reading backwards from its estate word.
    static let stops = Set<Character>(
        "在住到于的了是我们你他她它和与及对向从为被把这那该本此其个各每有无也都就还又将给让使请要想映诉报询称说问管帮市区县镇省乡路街道号楼栋层室门口旁边附近周围内外前后上下里该与或、，。,.；;：:！!？?（）()《》“”\"' \t\n"
    )

    /// Words that make a run no place, however it ends: 人民政府, 希望政府, 相关部门 (政府 ends in
    /// the estate word 府), and words of asking or addressing.
    static let generic: [[Character]] = [
        "政府", "部门", "领导", "单位", "机关", "人民", "相关", "有关", "希望", "要求", "请求", "恳请", "呼吁", "求助", "帮忙",
        "市民", "群众", "百姓", "业主", "居民", "大家", "我们", "你们", "他们", "这个", "那个", "哪个", "什么",
    ].map { Array($0) }

    /// The end of the last generic word in `chars[from..<to]`, if there is one.
    static func lastGenericEnd(_ chars: [Character], from: Int, to: Int) -> Int? {
        var best: Int?
        for i in from..<to {
            for word in generic where i + word.count <= to && matches(word, chars, at: i) {
                best = max(best ?? 0, i + word.count)
            }
        }
        return best
    }

    /// Whether `name` holds a word that shows it is no place.
    static func isGeneric<C: Collection>(_ name: C) -> Bool where C.Element == Character {
        let chars = Array(name)
        return generic.contains { word in (0..<chars.count).contains { matches(word, chars, at: $0) } }
    }

    /// Characters that end an estate's name in an address: the building number's words, punctuation,
    /// and words for "next to".
    static let addressStops = Set<Character>("栋幢座号室期楼单#-—（()，,、。；;：:旁边附近对面门口楼下")

    /// Characters after a one-character estate word that show it is part of another word (城管, 村委).
    static let notAfter = Set<Character>("管市委民务中区乡林镇际里外内")

    /// The place of one order, or nil when neither its address nor its text names one.
    public static func place(
        address: String?, district: String?, street: String?, community: String?, title: String?, content: String?
    ) -> Place? {
        let street = street.flatMap { $0.isEmpty ? nil : $0 }
        let community = community.flatMap { $0.isEmpty ? nil : $0 }
        var name: String?
        var fromText = false
        if let address, !address.isEmpty {
            name = estate(fromAddress: address, names: [district, street, community].compactMap { $0 })
        }
        if name == nil {
            name = estate(inText: title ?? "") ?? estate(inText: content ?? "")
            fromText = name != nil
        }
        guard let name else { return nil }
        return place(named: name, street: street, community: community, fromText: fromText)
    }

    /// The place of an estate's name in its street and community.
    static func place(named name: String, street: String?, community: String?, fromText: Bool) -> Place? {
        // A place never carries a person's name: one that masking would change is no place.
        guard PersonalData.mask(name) == name else { return nil }
        let scope = community.map { "c:\($0)|" } ?? street.map { "s:\($0)|" } ?? "t:"
        return Place(key: scope + key(name), name: name, street: street, community: community, fromText: fromText)
    }

    /// The grouping form of a name: without a trailing 小区 or 社区.
    static func key(_ name: String) -> String {
        for suffix in ["小区", "社区"] where name.hasSuffix(suffix) && name.count > suffix.count + 1 {
            return String(name.dropLast(suffix.count))
        }
        return name
    }

    /// The names an address may start with: district, street and community in full and short, longest first.
    static func prefixes(_ names: [String]) -> [String] {
        var prefixes: [String] = []
        for name in names where name.count >= 2 {
            prefixes.append(name)
            for suffix in ["街道办事处", "街道办", "街道", "社区", "区", "市", "村"] where name.hasSuffix(suffix) {
                let short = String(name.dropLast(suffix.count))
                if short.count >= 2 { prefixes.append(short) }
            }
        }
        return prefixes.sorted { $0.count > $1.count }
    }

    /// The estate in an address, after its administrative prefix and before its building number.
    static func estate(fromAddress address: String, names: [String]) -> String? {
        estate(fromAddress: address, prefixes: prefixes(names))
    }

    static func estate(fromAddress address: String, prefixes: [String]) -> String? {
        var s = Substring(address.filter { !$0.isWhitespace })
        var progress = true
        while progress {
            progress = false
            if let p = prefixes.first(where: { s.hasPrefix($0) && s.count > $0.count }) {
                s = s.dropFirst(p.count)
                progress = true
            } else if let cut = administrativePrefix(s) {
                s = s.dropFirst(cut)
                progress = true
            }
        }
        var name: [Character] = []
        for c in s {
            if c.isASCII || isDigit(c) || addressStops.contains(c) { break }
            name.append(c)
        }
        // A place ends at its estate word: what follows (王某家门口) is no part of it.
        if let end = lastSuffixEnd(in: name) { name = Array(name[..<end]) }
        return name.count >= 2 ? String(name) : nil
    }

    /// Where the last estate word in `name` ends, if it holds one.
    static func lastSuffixEnd(in name: [Character]) -> Int? {
        var best: Int?
        var i = 0
        while i < name.count {
            if let suffix = suffixes.first(where: { matches($0, name, at: i) }) {
                best = i + suffix.count
                i += suffix.count
            } else {
                i += 1
            }
        }
        return best
    }

    /// The length of a leading 广东省, 深圳市, 龙岗区, 横岗街道 or 六约社区, if there is one.
    static func administrativePrefix(_ s: Substring) -> Int? {
        let chars = Array(s.prefix(8))
        guard chars.count > 2 else { return nil }
        for end in 2..<chars.count {
            let c = chars[end]
            let twoChar = String(chars[end - 1...end])
            if twoChar == "街道" || twoChar == "社区" {
                return end + 1 < chars.count || s.count > end + 1 ? end + 1 : nil
            }
            if "省市县镇".contains(c) || (c == "区" && !"小园片校工景城营".contains(chars[end - 1])) {
                return s.count > end + 1 ? end + 1 : nil
            }
        }
        return nil
    }

    /// The first estate-like name in a text, or nil.
    static func estate(inText text: String) -> String? {
        let chars = Array(text)
        var best: (start: Int, end: Int)?
        var i = 0
        while i < chars.count {
            guard let suffix = suffixes.first(where: { matches($0, chars, at: i) }) else {
                i += 1
                continue
            }
            let end = i + suffix.count
            if suffix.count == 1, end < chars.count, notAfter.contains(chars[end]) {
                i += 1
                continue
            }
            var start = i
            while start > 0 && i - start < 8 && isNamePart(chars[start - 1]) { start -= 1 }
            // A name starts after the last word that shows what comes before it is no place.
            if let cut = lastGenericEnd(chars, from: start, to: end) { start = cut }
            if i - start >= 2 && isGeneric(chars[start..<end]) {
                i = end
                continue
            }
            if i - start >= 2 {
                // A longer name ending later that contains this one (伊景园滨河苑 over 伊景园) wins.
                if let b = best, start <= b.start {
                    best = (b.start, end)
                } else if best == nil {
                    best = (start, end)
                } else {
                    break
                }
            } else if best != nil {
                break
            }
            i = end
        }
        guard let best else { return nil }
        return String(chars[best.start..<best.end])
    }

    private static func matches(_ word: [Character], _ chars: [Character], at i: Int) -> Bool {
        guard i + word.count <= chars.count else { return false }
        for (k, c) in word.enumerated() where chars[i + k] != c { return false }
        return true
    }

    /// ASCII and full-width digits (not 万 or 一, which Unicode also calls numbers).
    static func isDigit(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value else { return false }
        return (0x30...0x39).contains(v) || (0xFF10...0xFF19).contains(v)
    }

    private static func isNamePart(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value, c.unicodeScalars.count == 1 else { return false }
        return v >= 0x4E00 && v <= 0x9FFF && !stops.contains(c)
    }
}

/// `Places.place` with what repeats remembered: one finder per thread. Addresses repeat (one per
/// building, many orders each), and so do the district, street and community they start with.
final class PlaceFinder {
    // Keyed by bytes: addresses are long Chinese strings, which `String` hashes slowly.
    private var prefixes: [Bytes: [String]] = [:]
    private var places: [Bytes: Place?] = [:]
    private static let limit = 200_000

    func place(
        address: String?, district: String?, street: String?, community: String?, title: String?, content: String?
    ) -> Place? {
        let street = street.flatMap { $0.isEmpty ? nil : $0 }
        let community = community.flatMap { $0.isEmpty ? nil : $0 }
        if let address, !address.isEmpty {
            let names = [district, street, community].compactMap { $0 }
            let scope = Bytes(names.joined(separator: "\u{1F}"))
            let key = Bytes(scope.string + "\u{1E}" + address)
            if let known = places[key] {
                if let known { return known }
            } else {
                let p = prefixes[scope] ?? Places.prefixes(names)
                if prefixes.count > Self.limit { prefixes.removeAll() }
                prefixes[scope] = p
                let place = Places.estate(fromAddress: address, prefixes: p).flatMap {
                    Places.place(named: $0, street: street, community: community, fromText: false)
                }
                if places.count > Self.limit { places.removeAll() }
                places[key] = .some(place)
                if let place { return place }
            }
        }
        return Places.place(
            address: nil, district: district, street: street, community: community, title: title, content: content)
    }
}

extension Places {
    /// Joins the names texts use for one estate: where texts name a composite (伊景园滨河苑) whose
    /// two parts are also named alone (伊景园, 滨河苑), the parts are that composite. Only places
    /// found in texts are joined, within one community (or street, or export); a part that two
    /// composites share stays as it is.
    static func joinAliases(_ db: Database, table: String = "detect_orders") throws {
        var names: [String: Set<String>] = [:]
        try db.forEach(
            KeyValue.self,
            "SELECT DISTINCT place_key AS key, place_name AS value FROM temp.\(table) WHERE from_text = 1"
        ) { r in
            guard
                let bar = r.key.firstIndex(of: "|")
                    ?? (r.key.hasPrefix("t:") ? r.key.index(r.key.startIndex, offsetBy: 1) : nil)
            else { return }
            names[String(r.key[...bar]), default: []].insert(r.value)
        }
        let update = try db.prepare(
            """
            UPDATE temp.\(table) SET place_key = ?, place_name = ?, place_label = replace(place_label, ?, ?)
            WHERE place_key = ? AND from_text = 1
            """)
        for (scope, known) in names.sorted(by: { $0.key < $1.key }) {
            let keys = Set(known.map(key))
            var target: [String: String] = [:]
            var shared = Set<String>()
            for composite in known.sorted() {
                let chars = Array(composite)
                guard chars.count >= 4 else { continue }
                for cut in 2...(chars.count - 2) {
                    let parts = [String(chars[..<cut]), String(chars[cut...])]
                    guard parts.allSatisfy({ keys.contains(key($0)) && key($0) != key(composite) }) else { continue }
                    for part in parts {
                        if let other = target[part], other != composite { shared.insert(part) }
                        target[part] = composite
                    }
                }
            }
            for (part, composite) in target.sorted(by: { $0.key < $1.key }) where !shared.contains(part) {
                for name in known where key(name) == key(part) {
                    try update.run([scope + key(composite), composite, name, composite, scope + key(name)])
                }
            }
        }
    }
}
