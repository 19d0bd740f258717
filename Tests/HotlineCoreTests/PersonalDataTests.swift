import HotlineCore
import Testing

@Suite struct PersonalDataTests {
    /// Every form in the table, every example: the secret part does not survive.
    @Test func everyFormIsMasked() {
        var missed: [String] = []
        for form in PersonalData.forms {
            for (text, secret) in form.examples {
                let masked = PersonalData.mask(text)
                if masked.contains(secret) { missed.append("\(form.name): \(text) → \(masked)") }
            }
        }
        #expect(missed == [])
        #expect(PersonalData.forms.count >= 9)
    }

    @Test(arguments: [
        ("电话13812345678", "电话***********"),
        ("+86-139-5518-0018", "+**-***-****-****"),
        ("李澄芳女士来电", "某女士来电"),
        ("王先生说", "某先生说"),
        ("我叫张三，路灯坏了", "我叫**，路灯坏了"),
        ("车牌粤B55123", "车牌粤******"),
        ("QQ号550910", "QQ号******"),
        ("邮箱a.b@x.cn", "邮箱********"),
        ("横岗六约翠竹苑王澄宇家门口", "横岗六约翠竹苑***家门口"),
    ])
    func masksAsExpected(text: String, masked: String) {
        #expect(PersonalData.mask(text) == masked)
    }

    @Test(arguments: [
        "2021-03-05 14:22:01 受理", "2021年3月5日", "停了3天，第12栋", "金额 1,234,567 元", "张家港市", "王家村委会", "学校老师不作为",
        "12345热线", "物业公司的电梯坏了", "一二三四五", "第一二三期工程", "京东快递", "业主委员会", "B座1203室", "Room 402, 2021",
        "编号 GD2021-03-05",
    ])
    func ordinaryTextIsLeftAlone(text: String) {
        #expect(PersonalData.mask(text) == text)
    }

    @Test(arguments: [
        ("联系我13812345678谢谢", "联系我***********谢谢"),
        ("电话 138-1234-5678", "电话 ***-****-****"),
        ("座机0755-28881234", "座机****-********"),
        ("电话：１３８１２３４５６７８", "电话：***********"),
        ("身份证440301199001011234", "身份证******************"),
        ("2021-06-20 19:30 停水", "2021-06-20 19:30 停水"),
        ("欠薪46000元，3个月", "欠薪46000元，3个月"),
    ])
    func phonesButNotDatesOrAmounts(text: String, expected: String) {
        #expect(PersonalData.mask(text) == expected)
    }

    @Test func theCallersOwnNameIsMaskedWherever() {
        #expect(PersonalData.mask("我叫张三,张三家门口路灯坏了", names: ["张三"]) == "我叫**,**家门口路灯坏了")
        #expect(PersonalData.mask("业主王先生和李女士反映") == "业主某先生和某女士反映")
        // A one-character name would mask every occurrence of that character: skipped.
        #expect(PersonalData.mask("王王", names: ["王"]) == "王王")
        #expect(PersonalData.mask("联系张三丰，张三丰说", names: ["张三丰"]) == "联系***，***说")
        #expect(PersonalData.mask("没有名字", names: ["张三丰"]) == "没有名字")
    }

    @Test func phonesNormalizeForKeys() {
        #expect(PersonalData.normalizedPhone("+86 139-5503-0003") == "13955030003")
        #expect(PersonalData.normalizedPhone("１３９５５０３０００３") == "13955030003")
        #expect(PersonalData.normalizedPhone("123") == nil)
    }
}
