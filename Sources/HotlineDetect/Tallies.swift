import HotlineCore
import HotlineStore

/// What the signals count over every order, made in one pass over `detect_orders` in its stored
/// order, instead of a sort and group-by of the whole table for each: the district's orders per
/// day (overall and per category) and what the signals of one thread ask for besides.
///
/// Memory grows with the days, places, categories and communities, never with the orders.
struct Tallies {
    /// The signals whose counts a pass makes: each thread asks for its own.
    struct Needs: OptionSet {
        let rawValue: Int
        /// The district's orders per day in each category (`DistrictRates`), for baselines by category.
        static let district = Needs(rawValue: 8)
        /// Hotspots' typical rates per place grouping.
        static let hotspot = Needs(rawValue: 1)
        /// Stuck orders' troubled orders per day, and each place's first troubled day.
        static let stuck = Needs(rawValue: 2)
        /// Surges' orders per community, category and month.
        static let surge = Needs(rawValue: 4)
    }

    /// A hotspot member (a place) in its grouping: `key2` is its category, or "" for a place from a text.
    struct Member: Hashable {
        var place: Bytes
        var key2: Bytes
    }

    /// One category's orders in one community's month (street "" when the export has none).
    struct Cell: Hashable {
        var street: Bytes
        var community: Bytes
        var category: Bytes
        var month: Bytes

        init(street: String, community: String, category: String, month: String) {
            (self.street, self.community) = (Bytes(street), Bytes(community))
            (self.category, self.month) = (Bytes(category), Bytes(month))
        }
    }

    var volume: DayCounts
    var byCategory: [String: DayCounts] = [:]
    /// Hotspots: orders per grouping and day, and each member's first day in each month it has orders.
    var groupingOrders: [String: DayCounts] = [:]
    var memberMonths: [Member: MonthFirsts] = [:]

    /// A member's first day in each month it has orders: (month, day) pairs packed in one word
    /// each, about 8 bytes a month against a dictionary's 30 or more (ten years of a place's
    /// categories add up).
    struct MonthFirsts {
        private(set) var packed: [UInt64] = []

        /// Notes an order on `day` of `month` (see `Tallies.monthNumber`). Orders come mostly in
        /// time order, so the month is looked for from the end.
        mutating func note(month: Int, day: Int) {
            let m = UInt64(UInt32(truncatingIfNeeded: month)) << 32
            let d = UInt64(UInt32(truncatingIfNeeded: day))
            if let i = packed.lastIndex(where: { $0 & 0xFFFF_FFFF_0000_0000 == m }) {
                if d < packed[i] & 0xFFFF_FFFF { packed[i] = m | d }
            } else {
                packed.append(m | d)
            }
        }

        /// The first day of each month.
        var days: [Int] { packed.map { Int(Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF)) } }
    }
    /// Stuck orders: troubled orders per day, and the first troubled day of each place and category.
    var troubled: DayCounts
    var firstTroubled: [Member: Int] = [:]
    /// Surges: orders per cell.
    var cells: [Cell: Int] = [:]

    init(db: Database, firstDay: Int, lastDay: Int, needs: Needs) throws {
        volume = DayCounts(first: firstDay, last: lastDay)
        troubled = DayCounts(first: firstDay, last: lastDay)
        let empty = DayCounts(first: firstDay, last: lastDay)
        var categories: [Bytes: Int] = [:]
        var categoryNames: [String: Int] = [:]
        var perCategory: [DayCounts] = []
        var groupings: [String: Int] = [:]
        var perGrouping: [DayCounts] = []
        // Each member's number, with its grouping's number and its first day in each month.
        var members: [Member: Int] = [:]
        var memberGrouping: [Int] = []
        var months: [MonthFirsts] = []
        // Columns no signal of this pass reads are read as NULL.
        func column(_ name: String, if wanted: Needs) -> String { needs.isDisjoint(with: wanted) ? "NULL" : name }
        let sql = """
            SELECT day, \(column("month", if: [.hotspot, .surge])) AS month,
                \(column("category", if: [.district, .hotspot, .stuck, .surge])) AS category,
                \(column("place_key", if: [.hotspot, .stuck])) AS place, \(column("street", if: .surge)) AS street,
                \(column("community", if: [.stuck, .surge])) AS community,
                \(column("unsatisfied = 1 OR reopened = 1", if: .stuck)) AS troubled
            FROM detect_orders
            """
        try db.forEach(Row.self, sql) { r in
            volume.add(1, on: r.day)
            let category = Bytes(r.category)
            if needs.contains(.district) {
                let c =
                    categories[category]
                    ?? {
                        // Names that Swift holds equal share their counts, as they share a dictionary key below.
                        let c =
                            categoryNames[r.category]
                            ?? {
                                categoryNames[r.category] = perCategory.count
                                perCategory.append(empty)
                                return perCategory.count - 1
                            }()
                        categories[category] = c
                        return c
                    }()
                perCategory[c].add(1, on: r.day)
            }
            if needs.contains(.hotspot), let place = r.place {
                let fromText = place.hasPrefix("t:")
                let member = Member(place: Bytes(place), key2: fromText ? Bytes("") : category)
                let m =
                    members[member]
                    ?? {
                        let grouping = Self.grouping(member)
                        let g =
                            groupings[grouping]
                            ?? {
                                groupings[grouping] = perGrouping.count
                                perGrouping.append(empty)
                                return perGrouping.count - 1
                            }()
                        members[member] = memberGrouping.count
                        memberGrouping.append(g)
                        months.append(MonthFirsts())
                        return memberGrouping.count - 1
                    }()
                perGrouping[memberGrouping[m]].add(1, on: r.day)
                let month = Self.monthNumber(r.month)
                months[m].note(month: month, day: r.day)
            }
            if needs.contains(.stuck) && r.troubled {
                troubled.add(1, on: r.day)
                if let key = r.place ?? r.community.map({ "c:" + $0 + "|" }) {
                    let k = Member(place: Bytes(key), key2: category)
                    firstTroubled[k] = min(firstTroubled[k] ?? r.day, r.day)
                }
            }
            if needs.contains(.surge), let community = r.community {
                cells[
                    Cell(street: r.street ?? "", community: community, category: r.category, month: r.month), default: 0
                ] +=
                    1
            }
        }
        for (member, m) in members { memberMonths[member] = months[m] }
        volume.finish()
        troubled.finish()
        for (name, i) in categoryNames {
            perCategory[i].finish()
            byCategory[name] = perCategory[i]
        }
        for (name, i) in groupings {
            perGrouping[i].finish()
            groupingOrders[name] = perGrouping[i]
        }
    }

    /// A hotspot member's grouping: its place's scope (the part of the key up to '|') and its `key2`.
    static func grouping(_ m: Member) -> String {
        let place = m.place.string
        let scope = place.firstIndex(of: "|").map { String(place[...$0]) } ?? ""
        return scope + "\u{1F}" + m.key2.string
    }

    /// `2021-03` as 2021 × 12 + 2, for keying months as integers.
    static func monthNumber(_ month: String) -> Int {
        let u = Array(month.utf8.prefix(7))
        guard u.count == 7 else { return 0 }
        func digit(_ i: Int) -> Int { Int(u[i]) - 48 }
        return (digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)) * 12 + digit(5) * 10 + digit(6) - 1
    }

    /// The hotspots' typical rates: each member counts from its first day in each regime.
    func hotspotRates(_ period: BaselinePeriod) -> TypicalRates {
        var firstDays: [String: [Int]] = [:]
        for (member, months) in memberMonths {
            let grouping = Self.grouping(member)
            var first: [Int: Int] = [:]
            // Every day with data in a month is in the same regime, so a regime's first day is the
            // least of its months' first days.
            for day in months.days {
                let regime = period.regimeStart(day)
                first[regime] = min(first[regime] ?? day, day)
            }
            for (regime, day) in first {
                firstDays[TypicalRates.key(grouping, regime: regime), default: []].append(day)
            }
        }
        return TypicalRates(period: period, orders: groupingOrders, firstDays: firstDays.mapValues { $0.sorted() })
    }

    private struct Row: FetchableRecord {
        enum Column: Int, ColumnSet { case day, month, category, place, street, community, troubled }
        var day: Int
        var month: String
        var category: String
        var place: String?
        var street: String?
        var community: String?
        var troubled: Bool

        init(_ row: RowReader<Column>) {
            day = row.int(.day)
            month = row.string(.month)
            category = row.string(.category)
            place = row.text(.place)
            street = row.text(.street)
            community = row.text(.community)
            troubled = row.bool(.troubled)
        }
    }
}
