import HotlineCore
import Testing

@Suite struct PersonalDataTests {
    @Test(arguments: [
        ("联系我13812345678谢谢", "联系我***********谢谢"),
        ("电话 138-1234-5678", "电话 ***-****-****"),
        ("座机0755-28881234", "座机****-********"),
        ("电话：１３８１２３４５６７８", "电话：***********"),
        ("身份证440301199001011234", "身份证******************"),
        ("2021-06-20 19:30 停水", "2021-06-20 19:30 停水"),
        ("欠薪46000元，3个月", "欠薪46000元，3个月"),
        ("12345热线", "12345热线"),
    ])
    func masksPhoneNumbersButNotDatesOrAmounts(text: String, expected: String) {
        #expect(PersonalData.mask(text) == expected)
    }

    @Test func masksCallerNameAndHonorifics() {
        #expect(PersonalData.mask("我叫张三,张三家门口路灯坏了", names: ["张三"]) == "我叫**,**家门口路灯坏了")
        #expect(PersonalData.mask("业主王先生和李女士反映") == "业主某先生和某女士反映")
        // A one-character name would mask every occurrence of that character: skipped.
        #expect(PersonalData.mask("王王", names: ["王"]) == "王王")
    }

    @Test func normalizesPhoneForHashing() {
        #expect(PersonalData.normalizedPhone("+86 138-1234-5678") == "13812345678")
        #expect(PersonalData.normalizedPhone("１３８１２３４５６７８") == "13812345678")
        #expect(PersonalData.normalizedPhone("无") == nil)
    }
}
