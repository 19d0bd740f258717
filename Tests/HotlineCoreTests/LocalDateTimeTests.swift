import HotlineCore
import Testing

@Suite struct LocalDateTimeTests {
    @Test(
        arguments: [
            ("2021-03-05 14:22:01", "2021-03-05 14:22:01"),
            ("2021/3/5 14:22", "2021-03-05 14:22:00"),
            ("2021年3月5日 14:22", "2021-03-05 14:22:00"),
            ("2021年3月5日14时22分", "2021-03-05 14:22:00"),
            ("2021-03-05", "2021-03-05 00:00:00"),
            ("2021-03-05T14:22:01.000", "2021-03-05 14:22:01"),
            ("2021.3.5", "2021-03-05 00:00:00"),
            ("  2020-02-29 23:59:59 ", "2020-02-29 23:59:59"),
            ("２０２１－03-05", nil),
            ("２０２１/３/５", "2021-03-05 00:00:00"),
        ] as [(String, String?)])
    func parsesExportForms(text: String, expected: String?) {
        #expect(LocalDateTime.parse(text)?.description == expected)
    }

    @Test(arguments: [
        "2021-13-45 99:99", "2021-02-29", "2021-04-31", "2021-03-05 24:00", "3/5/2021", "44261.5", "", "明天",
        "2021-03/05", "21-03-05", "2021-03-05 14:60",
    ])
    func refusesImpossibleOrAmbiguous(text: String) {
        #expect(LocalDateTime.parse(text) == nil)
    }

    @Test func monthKeyAndDayNumber() {
        let t = LocalDateTime(year: 2021, month: 3, day: 5, hour: 14)
        #expect(t.monthKey == "2021-03")
        #expect(LocalDateTime(year: 1970, month: 1, day: 1).dayNumber == 0)
        #expect(
            LocalDateTime(year: 2021, month: 3, day: 1).dayNumber
                - LocalDateTime(year: 2021, month: 2, day: 28).dayNumber == 1)
        #expect(LocalDateTime(year: 2000, month: 3, day: 1).dayNumber == 11_017)
        #expect(LocalDateTime(year: 2021, month: 1, day: 1) < LocalDateTime(year: 2021, month: 1, day: 1, second: 1))
    }
}

@Suite struct ExcelSerialTests {
    @Test(arguments: [
        (1.0, "1900-01-01 00:00:00"), (59.0, "1900-02-28 00:00:00"), (61.0, "1900-03-01 00:00:00"),
        (44_197.0, "2021-01-01 00:00:00"), (44_260.5, "2021-03-05 12:00:00"),
        (44_260.598622685185, "2021-03-05 14:22:01"), (44_196.99998, "2020-12-31 23:59:58"),
        (44_196.999999, "2021-01-01 00:00:00"),
    ])
    func windowsSerials(serial: Double, expected: String) {
        #expect(LocalDateTime.fromExcelSerial(serial, system: .from1900)?.description == expected)
    }

    @Test func theFictitiousLeapDayAndNonsenseAreRefused() {
        #expect(LocalDateTime.fromExcelSerial(60, system: .from1900) == nil)
        #expect(LocalDateTime.fromExcelSerial(0.5, system: .from1900) == nil)
        #expect(LocalDateTime.fromExcelSerial(-3, system: .from1900) == nil)
        #expect(LocalDateTime.fromExcelSerial(.nan, system: .from1900) == nil)
        #expect(LocalDateTime.fromExcelSerial(9_999_999, system: .from1900) == nil)
    }

    @Test func macSerialsAre1462DaysBehind() {
        #expect(LocalDateTime.fromExcelSerial(0, system: .from1904)?.description == "1904-01-01 00:00:00")
        #expect(LocalDateTime.fromExcelSerial(42_798.5, system: .from1904)?.description == "2021-03-05 12:00:00")
    }

    @Test func dayNumberRoundTrips() {
        for days in stride(from: -30_000, through: 80_000, by: 997) {
            #expect(LocalDateTime(dayNumber: days).dayNumber == days)
        }
        #expect(LocalDateTime(dayNumber: 0, seconds: 3_661).description == "1970-01-01 01:01:01")
    }

    @Test func secondsSinceEpochRoundTrips() {
        for t in stride(from: -3_000_000_000, through: 3_000_000_000, by: 86_399_997) {
            #expect(LocalDateTime(secondsSinceEpoch: t).secondsSinceEpoch == t)
        }
        #expect(LocalDateTime(secondsSinceEpoch: -1).description == "1969-12-31 23:59:59")
        #expect(LocalDateTime(secondsSinceEpoch: 86_400 + 3_661).description == "1970-01-02 01:01:01")
    }
}

@Suite struct StoredFormTests {
    @Test func readsTheStoresOwnFormAndFallsBack() {
        #expect(
            LocalDateTime.stored("2021-03-05 14:22:01")
                == LocalDateTime(year: 2021, month: 3, day: 5, hour: 14, minute: 22, second: 1))
        #expect(
            LocalDateTime.stored("2021/3/5 14:22") == LocalDateTime(year: 2021, month: 3, day: 5, hour: 14, minute: 22))
        #expect(LocalDateTime.stored("2021-03-05 14:2x:01") == nil)
    }
}
