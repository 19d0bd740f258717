import HotlineAggregate
import HotlineCore

/// One cell of a period's counts: the district (all nil), a street, a community, each optionally
/// narrowed to one category.
struct Slice: Hashable {
    var street: String?
    var community: String?
    var category: String?

    static let district = Slice()
    static func category(_ c: String) -> Slice { Slice(category: c) }
    static func street(_ s: String, category: String? = nil) -> Slice { Slice(street: s, category: category) }
    static func community(_ s: String, _ c: String, category: String? = nil) -> Slice {
        Slice(street: s, community: c, category: category)
    }
}

/// Orders by month and slice, summed from `agg_month_area_category`; periods are sums of months.
///
/// Its size is bounded by months × communities × categories, whatever the number of orders.
struct PeriodCube {
    private(set) var byMonth: [String: [Slice: Int]] = [:]
    let firstMonth: String
    let lastMonth: String
    private var cache: [Period: [Slice: Int]] = [:]

    init(_ rows: [MonthAreaCategoryCount]) {
        for r in rows {
            var m = byMonth[r.month, default: [:]]
            for slice in [
                Slice.district, .category(r.category), .street(r.street), .street(r.street, category: r.category),
                .community(r.street, r.community), .community(r.street, r.community, category: r.category),
            ] {
                m[slice, default: 0] += r.n
            }
            byMonth[r.month] = m
        }
        firstMonth = byMonth.keys.min() ?? ""
        lastMonth = byMonth.keys.max() ?? ""
    }

    /// The period's counts by slice (a slice without orders is absent).
    func counts(_ p: Period) -> [Slice: Int] {
        if let c = cache[p] { return c }
        var out: [Slice: Int] = [:]
        for month in p.months {
            for (slice, n) in byMonth[month] ?? [:] { out[slice, default: 0] += n }
        }
        return out
    }

    /// Fills the cache for `periods`, so pages that share them sum each once.
    mutating func prepare(_ periods: [Period]) {
        for p in periods where cache[p] == nil { cache[p] = counts(p) }
    }

    /// Whether the data reaches back to `p` (a period before the first month has nothing to compare with).
    func known(_ p: Period) -> Bool { !firstMonth.isEmpty && p.months.last! >= firstMonth }

    /// One slice month by month over `months`.
    func series(_ slice: Slice, months: [String]) -> [(month: String, n: Int)] {
        months.map { ($0, byMonth[$0]?[slice] ?? 0) }
    }

    /// Every month from the first to the last in the data.
    var allMonths: [String] { Self.months(from: firstMonth, to: lastMonth) }

    /// Month keys from `first` to `last`, both included.
    static func months(from first: String, to last: String) -> [String] {
        guard !first.isEmpty, !last.isEmpty else { return [] }
        var out: [String] = []
        var p = Period.containing(month: first, kind: .month)
        while let m = p, m.key <= last {
            out.append(m.key)
            p = m.next
        }
        return out
    }

    /// The `count` months ending with `last`.
    static func months(ending last: String, count: Int) -> [String] {
        guard var p = Period.containing(month: last, kind: .month) else { return [] }
        var out: [String] = []
        for _ in 0..<count {
            out.append(p.key)
            p = p.previous
        }
        return out.reversed()
    }
}

/// File names of the pages of places, units and candidates: stable from night to night, plain ASCII.
enum PageLink {
    static func street(_ name: String) -> String { "street-\(slug(name)).html" }
    static func community(_ street: String, _ name: String) -> String {
        "community-\(slug(street + "\u{1}" + name)).html"
    }
    static func unit(_ name: String) -> String { "unit-\(slug(name)).html" }
    static func period(_ p: Period) -> String { "period-\(p.key).html" }
    static func candidate(_ id: String) -> String { "candidate-\(id).html" }

    /// Twelve hex digits of the name's FNV-1a hash.
    static func slug(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String((String(repeating: "0", count: 16 - hex.count) + hex).prefix(12))
    }

    /// `<a href="file">text</a>`; text is HTML already.
    static func a(_ file: String, _ text: String) -> String { "<a href=\"\(file)\">\(text)</a>" }
}
