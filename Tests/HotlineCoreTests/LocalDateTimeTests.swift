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
