import HotlineCore

/// A row that could not be stored, with why.
public struct Reject: Error, Sendable, Equatable {
    public var line: Int
    public var reason: RejectReason
    public var message: String
    /// The row as read, personal fields blanked and phone numbers masked.
    public var raw: String
}

/// An order made from one row, and the coded values in it that neither the built-in spellings nor
/// the pipeline's value maps cover.
public struct Normalized: Sendable {
    public var order: Order
    public var unknown: [(field: Field, value: String)]
}

/// Turns one decoded row into an `Order`, or a `Reject` saying what is wrong with it.
public struct RowNormalizer: Sendable {
    public let map: HeaderMap
    public let file: String
    public let key: CallerKey
    /// How each date field is read: the built-in forms, the pipeline's patterns, Excel serials.
    public var dates: [Field: DateReader] = [:]
    /// The pipeline's value maps, by field, keyed by the folded export value.
    public var valueMaps: [Field: [String: String]] = [:]
    /// Received and closed times outside this are rejected as implausible.
    public var plausible: ClosedRange<LocalDateTime>

    public init(
        map: HeaderMap, file: String, key: CallerKey, settings: IngestSettings = IngestSettings(),
        dateSystem: ExcelDateSystem? = nil
    ) {
        self.map = map
        self.file = file
        self.key = key
        for field in [Field.receivedAt, .closedAt, .deadlineAt] {
            dates[field] = DateReader(patterns: settings.datePatterns[field] ?? [], excel: dateSystem)
        }
        valueMaps = settings.valueMaps
        plausible = settings.plausible
    }

    public func normalize(_ fields: [String], line: Int) -> Result<Normalized, Reject> {
        func reject(_ reason: RejectReason, _ message: String) -> Result<Normalized, Reject> {
            .failure(Reject(line: line, reason: reason, message: message, raw: maskedRaw(fields)))
        }
        let expected = map.headers.count
        if fields.count < expected || fields[expected...].contains(where: { !$0.trimmed.isEmpty }) {
            return reject(.fields, "expected \(expected) fields, found \(fields.count)")
        }
        func value(_ field: Field) -> String? {
            guard let i = map[field] else { return nil }
            let v = fields[i].trimmed
            return v.isEmpty ? nil : v
        }
        let names = [value(.callerName)].compactMap { $0 }
        /// A date field's value, or a reject saying it is missing, unreadable, implausible or ambiguous
        /// (the text it quotes cut to what a date can hold: a name written there must not reach a page).
        func date(_ field: Field, _ text: String) -> Result<LocalDateTime, Reject> {
            var quoted: String { Self.quote(text, names: names) }
            switch dates[field]?.read(text) ?? DateReader().read(text) {
            case .date(let d) where field == .deadlineAt || plausible.contains(d): return .success(d)
            case .date(let d):
                let side =
                    d < plausible.lowerBound
                    ? "before \(plausible.lowerBound.description.prefix(10))"
                    : "after \(plausible.upperBound.description.prefix(10))"
                return .failure(
                    Reject(
                        line: line, reason: .date,
                        message: "implausible \(field.label) \(d.description): \(side) ([ingest] earliest and latest)",
                        raw: maskedRaw(fields)))
            case .unreadable:
                return .failure(
                    Reject(
                        line: line, reason: .date, message: "unreadable \(field.label) \(quoted)",
                        raw: maskedRaw(fields)))
            case .ambiguous(let readings):
                let read = readings.map { $0.description }.joined(separator: " or ")
                return .failure(
                    Reject(
                        line: line, reason: .date, message: "ambiguous \(field.label) \(quoted): \(read)",
                        raw: maskedRaw(fields)))
            }
        }
        guard let id = value(.id) else { return reject(.id, "no order id (\(Field.id.label))") }
        guard let receivedText = value(.receivedAt) else { return reject(.date, "no \(Field.receivedAt.label)") }
        let received: LocalDateTime
        switch date(.receivedAt, receivedText) {
        case .success(let d): received = d
        case .failure(let r): return .failure(r)
        }
        var order = Order(id: id, receivedAt: received, sourceFile: file, sourceLine: line)
        for (field, path) in [(Field.closedAt, \Order.closedAt), (.deadlineAt, \Order.deadlineAt)] {
            guard let text = value(field) else { continue }
            switch date(field, text) {
            case .success(let d): order[keyPath: path] = d
            case .failure(let r): return .failure(r)
            }
        }
        var unknown: [(Field, String)] = []
        func masked(_ field: Field) -> String? {
            value(field).map { PersonalData.mask($0.replacingAll("\r\n", with: "\n"), names: names) }
        }
        /// A coded field's value: the pipeline's map first, then the built-in spellings; a value
        /// neither knows is kept as written and reported.
        func coded(_ field: Field, _ normalize: (String) -> String?, known: (String) -> Bool) -> String? {
            guard let raw = value(field) else { return nil }
            if let mapped = valueMaps[field]?[IngestSettings.fold(raw)] { return mapped }
            guard let v = normalize(raw) else { return nil }
            guard known(v) else {
                let kept = PersonalData.mask(raw, names: names)
                unknown.append((field, kept))
                return kept
            }
            return v
        }
        func flag(_ field: Field) -> Bool? {
            guard let raw = value(field) else { return nil }
            if let mapped = valueMaps[field]?[IngestSettings.fold(raw)] { return mapped == "是" }
            guard let v = Values.yesNo(raw) else {
                unknown.append((field, PersonalData.mask(raw, names: names)))
                return nil
            }
            return v
        }
        // Every text that is stored is masked, the names of places and units too.
        order.channel = value(.channel).map { valueMaps[.channel]?[IngestSettings.fold($0)] ?? $0 }
            .map { PersonalData.mask($0, names: names) }
        order.kind = coded(.kind, Values.kind) { OrderKind(rawValue: $0) != nil }
        order.district = masked(.district)
        order.street = masked(.street)
        order.community = masked(.community)
        order.address = masked(.address)
        order.title = masked(.title)
        order.content = masked(.content)
        order.unit = masked(.unit)
        order.status = coded(.status, Values.status) { OrderStatus(rawValue: $0) != nil }
        order.satisfaction = coded(.satisfaction, Values.satisfaction) { Satisfaction(rawValue: $0) != nil }
        order.deadlineDays = value(.deadlineDays).flatMap(leadingNumber)
        order.support = value(.support).flatMap(leadingNumber)
        order.opposition = value(.opposition).flatMap(leadingNumber)
        order.contacted = flag(.contacted)
        order.resolved = flag(.resolved)
        order.satisfiedFlag = flag(.satisfiedFlag)
        let levels = [Field.category1, .category2, .category3].compactMap(masked)
        order.operatorCategory = masked(.category) ?? (levels.isEmpty ? nil : levels.joined(separator: " / "))
        if let phone = value(.phone).flatMap(PersonalData.normalizedPhone) {
            order.callerKey = key.callerKey(phone: phone)
        } else if let account = value(.account), !account.isEmpty {
            order.callerKey = key.callerKey(account: account)
        }
        return .success(Normalized(order: order, unknown: unknown))
    }

    /// How long a rejected row is kept, in characters.
    public static let rawLimit = 500

    /// The row for the rejects table: personal columns blanked, every cell masked, CSV-joined and cut
    /// to `rawLimit` characters.
    public func maskedRaw(_ fields: [String]) -> String {
        let personal = Set([Field.callerName, .phone, .account].compactMap { map[$0] })
        let names = map[.callerName].flatMap { $0 < fields.count ? [fields[$0]] : nil } ?? []
        let dates = Set([Field.receivedAt, .closedAt, .deadlineAt].compactMap { map[$0] })
        let joined = fields.enumerated().map { i, f in
            // Cut before masking: a 4 MiB cell costs no more than a short one.
            let masked = PersonalData.mask(Self.cut(f, to: Self.rawLimit + 40), names: names)
            let cell = personal.contains(i) ? "***" : dates.contains(i) ? Self.dateOnly(masked) : masked
            return cell.contains(",") || cell.contains("\"") || cell.contains("\n")
                ? "\"" + cell.replacingAll("\"", with: "\"\"") + "\"" : cell
        }.joined(separator: ",")
        return Self.cut(joined, to: Self.rawLimit)
    }

    /// A line that could not be read as a row (an unclosed quote, an over-long row): split on its
    /// commas as best it can be, so the caller's columns can still be blanked, then masked and cut.
    public func maskedRaw(line: String) -> String {
        maskedRaw(
            Self.cut(line, to: Self.rawLimit * 4).split(separator: ",", omittingEmptySubsequences: false).map(
                String.init))
    }

    /// A date field's `text` quoted for a message: only what can be part of a date is shown (digits,
    /// separators, 年月日时分秒, AM/PM); anything else, a name written there say, becomes `*`.
    static func quote(_ text: String, names: [String]) -> String {
        "'" + cut(dateOnly(PersonalData.mask(text, names: names)), to: 40) + "'"
    }

    private static let dateCharacters = Set("0123456789０１２３４５６７８９-/.:： T年月日时分秒点AaPpMm*")

    static func dateOnly(_ text: String) -> String {
        String(text.map { dateCharacters.contains($0) ? $0 : "*" })
    }

    static func cut(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}

/// `15`, `15个工作日`, `5.0` → the whole number of days; nil when there is no number.
func leadingNumber(_ text: String) -> Int? {
    let digits = text.prefix { $0.isASCII && $0.isNumber }
    return digits.isEmpty ? nil : Int(digits)
}
