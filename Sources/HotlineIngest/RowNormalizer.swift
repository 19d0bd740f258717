import HotlineCore

/// A row that could not be stored, with why.
public struct Reject: Error, Sendable, Equatable {
    public var line: Int
    public var reason: RejectReason
    public var message: String
    /// The row as read, personal fields blanked and phone numbers masked.
    public var raw: String
}

/// Turns one decoded row into an `Order`, or a `Reject` saying what is wrong with it.
public struct RowNormalizer: Sendable {
    public let map: HeaderMap
    public let file: String
    public let salt: String
    /// For workbooks: a date field holding a plain number is an Excel serial in this system.
    public var dateSystem: ExcelDateSystem?

    public init(map: HeaderMap, file: String, salt: String, dateSystem: ExcelDateSystem? = nil) {
        self.map = map
        self.file = file
        self.salt = salt
        self.dateSystem = dateSystem
    }

    /// A date field's value: text in any of the export forms, or in a workbook a serial number.
    func date(_ text: String) -> LocalDateTime? {
        if let date = LocalDateTime.parse(text) { return date }
        guard let dateSystem, let serial = Double(text) else { return nil }
        return LocalDateTime.fromExcelSerial(serial, system: dateSystem)
    }

    public func normalize(_ fields: [String], line: Int) -> Result<Order, Reject> {
        func reject(_ reason: RejectReason, _ message: String) -> Result<Order, Reject> {
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
        guard let id = value(.id) else { return reject(.id, "no order id (\(Field.id.label))") }
        guard let receivedText = value(.receivedAt) else {
            return reject(.date, "no \(Field.receivedAt.label)")
        }
        guard let received = date(receivedText) else {
            return reject(.date, "unreadable \(Field.receivedAt.label) '\(receivedText)'")
        }
        var order = Order(id: id, receivedAt: received, sourceFile: file, sourceLine: line)
        for (field, path) in [(Field.closedAt, \Order.closedAt), (.deadlineAt, \Order.deadlineAt)] {
            guard let text = value(field) else { continue }
            guard let value = date(text) else {
                return reject(.date, "unreadable \(field.label) '\(text)'")
            }
            order[keyPath: path] = value
        }
        let names = [value(.callerName)].compactMap { $0 }
        func masked(_ field: Field) -> String? {
            value(field).map { PersonalData.mask($0.replacingAll("\r\n", with: "\n"), names: names) }
        }
        order.channel = value(.channel)
        order.kind = value(.kind).flatMap(Values.kind)
        order.district = value(.district)
        order.street = value(.street)
        order.community = value(.community)
        order.address = masked(.address)
        order.title = masked(.title)
        order.content = masked(.content)
        order.unit = value(.unit)
        order.status = value(.status).flatMap(Values.status)
        order.satisfaction = value(.satisfaction).flatMap(Values.satisfaction)
        order.deadlineDays = value(.deadlineDays).flatMap(leadingNumber)
        order.contacted = value(.contacted).flatMap(Values.yesNo)
        order.resolved = value(.resolved).flatMap(Values.yesNo)
        order.satisfiedFlag = value(.satisfiedFlag).flatMap(Values.yesNo)
        let levels = [Field.category1, .category2, .category3].compactMap(value)
        order.operatorCategory = masked(.category) ?? (levels.isEmpty ? nil : levels.joined(separator: " / "))
        if let phone = value(.phone).flatMap(PersonalData.normalizedPhone) {
            order.callerKey = String(SHA256.hex(salt + phone).prefix(32))
        } else if let account = value(.account), !account.isEmpty {
            order.callerKey = String(SHA256.hex(salt + "account:" + account).prefix(32))
        }
        return .success(order)
    }

    /// The row for the rejects table: personal columns blanked, digit runs masked, CSV-joined.
    public func maskedRaw(_ fields: [String]) -> String {
        let personal = Set([Field.callerName, .phone, .account].compactMap { map[$0] })
        let names = map[.callerName].flatMap { $0 < fields.count ? [fields[$0]] : nil } ?? []
        return fields.enumerated().map { i, f in
            let cell = personal.contains(i) ? "***" : PersonalData.mask(f, names: names)
            return cell.contains(",") || cell.contains("\"") || cell.contains("\n")
                ? "\"" + cell.replacingAll("\"", with: "\"\"") + "\"" : cell
        }.joined(separator: ",")
    }
}

/// `15`, `15个工作日`, `5.0` → the whole number of days; nil when there is no number.
func leadingNumber(_ text: String) -> Int? {
    let digits = text.prefix { $0.isASCII && $0.isNumber }
    return digits.isEmpty ? nil : Int(digits)
}
