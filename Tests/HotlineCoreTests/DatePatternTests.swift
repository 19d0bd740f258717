import HotlineCore
import Testing

@Suite struct DatePatternTests {
    func date(_ pattern: String, _ text: String) -> String? {
        DatePattern(pattern)?.match(text)?.description
    }

    @Test func usDatesWithAndWithoutSecondsAndAMPM() {
        #expect(date("MM/dd/yyyy hh:mm:ss a", "03/14/2025 01:20:00 PM") == "2025-03-14 13:20:00")
        #expect(date("MM/dd/yyyy hh:mm:ss a", "01/22/2025 12:05:00 AM") == "2025-01-22 00:05:00")
        #expect(date("MM/dd/yyyy hh:mm:ss a", "01/31/2025 12:45:10 pm") == "2025-01-31 12:45:10")
        #expect(date("M/d/yyyy H:mm", "3/14/2025 1:20") == "2025-03-14 01:20:00")
        #expect(date("M/d/yyyy H:mm", "12/31/2025 23:59") == "2025-12-31 23:59:00")
        // Two-digit fields need two digits; a 12-hour hour needs 1 to 12.
        #expect(date("MM/dd/yyyy hh:mm:ss a", "3/14/2025 01:20:00 PM") == nil)
        #expect(date("MM/dd/yyyy hh:mm:ss a", "03/14/2025 13:20:00 PM") == nil)
    }

    @Test func dayFirstMonthNamesLiteralsAndChineseAMPM() {
        #expect(date("dd.MM.yyyy", "05.03.2021") == "2021-03-05 00:00:00")
        #expect(date("d MMM yyyy", "5 Mar 2021") == "2021-03-05 00:00:00")
        #expect(date("d MMM yyyy", "5 september 2021") == "2021-09-05 00:00:00")
        #expect(date("yyyy'T'HH:mm", "2021-01-02T03:04") == nil)  // the '-' must be written too
        #expect(date("yyyy-MM-dd'T'HH:mm", "2021-01-02T03:04") == "2021-01-02 03:04:00")
        #expect(date("yy/M/d a h:mm", "21/3/5 下午 2:05") == "2021-03-05 14:05:00")
    }

    @Test func impossibleDatesAndBadPatterns() {
        #expect(date("dd/MM/yyyy", "31/02/2021") == nil)
        #expect(date("dd/MM/yyyy", "13/13/2021") == nil)
        #expect(date("dd/MM/yyyy", "01/02/2021 extra") == nil)
        for bad in ["MM/dd", "dd/MM/yyyy hh:mm", "qq/MM/yyyy", "dd/MM/yyyy 'T"] {
            #expect(DatePattern(bad) == nil, "\(bad)")
        }
    }

    @Test func twoReadingsAreAmbiguousNeverGuessed() throws {
        let reader = DateReader(patterns: ["dd/MM/yyyy HH:mm", "MM/dd/yyyy HH:mm"].compactMap(DatePattern.init))
        #expect(
            reader.read("03/04/2021 09:00")
                == .ambiguous([
                    LocalDateTime(year: 2021, month: 4, day: 3, hour: 9),
                    LocalDateTime(year: 2021, month: 3, day: 4, hour: 9),
                ]))
        #expect(
            reader.read("13/04/2021 10:15") == .date(LocalDateTime(year: 2021, month: 4, day: 13, hour: 10, minute: 15))
        )
        #expect(reader.read("04/04/2021 09:00") == .date(LocalDateTime(year: 2021, month: 4, day: 4, hour: 9)))
        #expect(reader.read("2021-04-03 09:00") == .date(LocalDateTime(year: 2021, month: 4, day: 3, hour: 9)))
        #expect(reader.read("soon") == .unreadable)
        // Without patterns only year-first forms are read: month and day are never swapped silently.
        #expect(DateReader().read("3/14/2025 1:20") == .unreadable)
    }

    @Test func thePatternSettingChecksEveryPattern() {
        let s = Setting("ingest", "date_formats", .datePatterns, "")
        #expect(s.problem(with: "MM/dd/yyyy hh:mm:ss a | M/d/yyyy H:mm") == nil)
        #expect(s.problem(with: "MM/dd/yyyy, d.M.yyyy") == nil)
        #expect(s.problem(with: "MM/dd/yyyy | nonsense") != nil)
        #expect(Setting.patterns("MMM d, yyyy | d MMM yyyy") == ["MMM d, yyyy", "d MMM yyyy"])
    }
}
