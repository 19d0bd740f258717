/// Removes citizens' names, phone numbers and other identifiers from text before it is stored or
/// shown. Every kind it finds is listed in `forms`, each with examples a test masks.
///
/// One pass over the text's scalars looks for what starts each form: a digit (ASCII, full-width or
/// a Chinese numeral), `@`, an IM keyword (QQ, 微信), a province's one-character name followed by a
/// plate letter, a phrase that introduces a name (我叫, 联系人, 姓名：…), an honorific (先生, 女士 …),
/// or a name followed by 家 and a word for where (a person's home is no place name).
public enum PersonalData {
    /// One kind of personal data, with texts that hold it and the part that must not survive.
    public struct Form: Sendable {
        public let name: String
        public let examples: [(text: String, secret: String)]
    }

    /// Every form `mask` finds, for documentation and for the test that masks each example.
    public static let forms: [Form] = [
        Form(
            name: "phone number, unbroken or in groups (mobiles, landlines, with a country code, ID numbers)",
            examples: [
                ("电话13955030003", "13955030003"), ("+86 13955030003", "13955030003"),
                ("86 13955190019", "13955190019"), ("+86-139-5518-0018", "5518-0018"),
                ("139.5512.0012", "5512.0012"), ("139 - 5513 - 0013", "5513"), ("139－5523－0023", "5523"),
                ("（0755）2888 1234", "2888"), ("14:22 13955170017", "13955170017"),
                ("身份证44030119900101123X", "44030119900101123"), ("手机号１３９５５０３０００３", "１３９５５０３０００３"),
            ]),
        Form(
            name: "phone number written digit by digit",
            examples: [("号码是 1 3 9 5 5 0 3 0 0 0 3", "1 3 9 5 5 0 3"), ("电话1-3-9-5-5-0-3-0-0-0-3", "1-3-9-5-5-0-3")]),
        Form(
            name: "phone number in Chinese numerals",
            examples: [("电话一三九五五零三零零零三", "一三九五五零三零零零三"), ("幺三九五五〇三〇〇〇三", "三九五五〇三〇〇〇三")]),
        Form(name: "e-mail address", examples: [("邮箱 zhang.chengwei+x@example.com.cn", "zhang.chengwei")]),
        Form(
            name: "licence plate", examples: [("车牌粤B55123乱停", "B55123"), ("京A·12345", "12345"), ("沪ＡD1234Z", "D1234Z")]),
        Form(
            name: "instant-messaging account (QQ, 微信)",
            examples: [
                ("QQ号550910", "550910"), ("qq：7788990", "7788990"), ("微信号zcw_2021", "zcw_2021"),
                ("加VX: abc12345", "abc12345"),
            ]),
        Form(
            name: "a name introduced by 我叫, 我是, 本人, 姓名, 联系人, 来电人, 反映人, 投诉人, 举报人",
            examples: [
                ("我叫张澄伟，住在", "张澄伟"), ("联系人王小澈", "王小澈"), ("姓名：赵澄明", "赵澄明"), ("本人刘澄思反映", "刘澄思"),
                ("我是陈澄亮的邻居", "陈澄亮"),
            ]),
        Form(
            name: "a name before an honorific (先生, 女士, 小姐, 老师, 师傅, 阿姨)",
            examples: [("李澄芳女士来电", "澄芳"), ("反映人周先生", "周先生"), ("孙澄老师说", "孙澄")]),
        Form(
            name: "a person's home in an address (王澄宇家门口; not 张家港 or 王家村)",
            examples: [("横岗六约翠竹苑王澄宇家门口", "王澄宇"), ("小区张澄家楼下噪音", "张澄家")]),
    ]

    /// Masks `text`; `names` are the caller's own names from the export, masked wherever they occur.
    public static func mask(_ text: String, names: [String] = []) -> String {
        var scalars: [Unicode.Scalar]?
        var edits: [Edit] = []
        if mayHoldPersonalData(text) {
            let s = Array(text.unicodeScalars)
            edits = find(in: s)
            scalars = s
        }
        for name in names {
            let n = Array(name.trimmed.unicodeScalars)
            guard n.count >= 2, text.utf8Contains(name.trimmed) else { continue }
            let s = scalars ?? Array(text.unicodeScalars)
            scalars = s
            var i = 0
            while i + n.count <= s.count {
                if s[i] == n[0] && s[i..<(i + n.count)].elementsEqual(n) {
                    edits.append(Edit(range: i..<(i + n.count), style: .stars))
                    i += n.count
                } else {
                    i += 1
                }
            }
        }
        guard let scalars, !edits.isEmpty else { return text }
        return apply(edits, to: scalars)
    }

    /// A stretch to mask: each scalar by `*` (digits only, when `.digits`), or the whole by one `某`.
    struct Edit {
        enum Style { case stars, digits, mou }
        var range: Range<Int>
        var style: Style
    }

    private static func apply(_ edits: [Edit], to s: [Unicode.Scalar]) -> String {
        var out = String.UnicodeScalarView()
        let sorted = edits.sorted { $0.range.lowerBound < $1.range.lowerBound }
        var i = 0
        var k = 0
        while i < s.count {
            while k < sorted.count && sorted[k].range.upperBound <= i { k += 1 }
            guard k < sorted.count, sorted[k].range.lowerBound <= i else {
                out.append(s[i])
                i += 1
                continue
            }
            let e = sorted[k]
            switch e.style {
            case .mou:
                // Whatever of the stretch is left, as one 某.
                out.append("某")
                i = e.range.upperBound
            case .stars:
                out.append("*")
                i += 1
            case .digits:
                out.append(digitValue(s[i]) != nil || s[i] == "X" || s[i] == "x" ? "*" : s[i])
                i += 1
            }
        }
        return String(out)
    }

    /// A cheap first look: false when nothing in `text` can start any form.
    private static func mayHoldPersonalData(_ text: String) -> Bool {
        var digits = 0
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v >= 0x30 && v <= 0x39 {
                digits += 1
                if digits >= 5 { return true }
            } else if v < 0x80 {
                if v == 0x40 || v == 0x51 || v == 0x71 || v == 0x56 || v == 0x76 || v == 0x57 || v == 0x77 {
                    return true  // @ Q q V v W w
                }
            } else if starts[v] != nil {
                return true
            }
        }
        return false
    }

    /// What a non-ASCII scalar may start, as bits of `Start`.
    private enum Start {
        static let numeral: UInt8 = 1
        static let province: UInt8 = 2
        static let cue: UInt8 = 4
        static let surname: UInt8 = 8
    }

    private static let starts: [UInt32: UInt8] = {
        var table: [UInt32: UInt8] = [:]
        func mark(_ scalars: some Sequence<Unicode.Scalar>, _ bit: UInt8) {
            for s in scalars { table[s.value, default: 0] |= bit }
        }
        mark("０１２３４５６７８９〇零一二三四五六七八九幺".unicodeScalars, Start.numeral)
        mark(provinceSet, Start.province)
        mark((nameCues + honorifics + messagingCues).compactMap(\.first), Start.cue)
        mark(surnames, Start.surname)
        return table
    }()

    // MARK: Finding

    static func find(in s: [Unicode.Scalar]) -> [Edit] {
        var edits: [Edit] = []
        let hasHome = s.contains("家")
        var i = 0
        while i < s.count {
            let c = s[i]
            let v = c.value
            if v < 0x80 {
                if v >= 0x30 && v <= 0x39, let e = digitRun(s, at: i) {
                    edits.append(e)
                    i = e.range.upperBound
                    continue
                }
                if c == "@", let e = email(s, at: i) { edits.append(e) }
                if let e = messaging(s, at: i) {
                    edits.append(e)
                    i = e.range.upperBound
                    continue
                }
                i += 1
                continue
            }
            guard let kinds = starts[v] else {
                i += 1
                continue
            }
            if kinds & Start.numeral != 0, let e = digitRun(s, at: i) {
                edits.append(e)
                i = e.range.upperBound
                continue
            }
            if kinds & Start.province != 0, let e = plate(s, at: i) {
                edits.append(e)
                i = e.range.upperBound
                continue
            }
            if kinds & Start.cue != 0 {
                if let e = messaging(s, at: i) {
                    edits.append(e)
                    i = e.range.upperBound
                    continue
                }
                if let e = introducedName(s, at: i) ?? honorific(s, at: i) { edits.append(e) }
            }
            if hasHome && kinds & Start.surname != 0, let e = home(s, at: i) { edits.append(e) }
            i += 1
        }
        return edits
    }

    /// The digit a scalar stands for: ASCII and full-width digits, and in `chinese` Chinese numerals.
    static func digitValue(_ c: Unicode.Scalar, chinese: Bool = false) -> Int? {
        let v = c.value
        if v >= 0x30 && v <= 0x39 { return Int(v - 0x30) }
        if v >= 0xFF10 && v <= 0xFF19 { return Int(v - 0xFF10) }
        guard chinese else { return nil }
        return chineseDigits[c]
    }

    private static let chineseDigits: [Unicode.Scalar: Int] = [
        "〇": 0, "零": 0, "一": 1, "幺": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    ]

    private static let separators: Set<Unicode.Scalar> = [
        " ", "-", "－", ".", "．", "—", "–", "‐", "·", "(", ")", "（", "）", "\u{3000}",
    ]

    /// A run of digits that reads as a phone or ID number (see `forms`), starting at `i`.
    ///
    /// Groups joined by up to three separator characters; at least seven digits; and either one
    /// unbroken group, or groups of three or more digits after a first of any length (a country or
    /// area code, or the minutes of a time before it), or single digits throughout. Dates
    /// (`2021-03-05`) and times are not: their later groups have two digits.
    static func digitRun(_ s: [Unicode.Scalar], at i: Int) -> Edit? {
        if let e = chineseRun(s, at: i) { return e }
        guard digitValue(s[i]) != nil, i == 0 || digitValue(s[i - 1]) == nil else { return nil }
        var groups: [Int] = []
        var j = i
        var end = i
        while j < s.count {
            var n = 0
            while j < s.count, digitValue(s[j]) != nil {
                n += 1
                j += 1
            }
            guard n > 0 else { break }
            groups.append(n)
            end = j
            var k = j
            while k < s.count, k - j < 3, separators.contains(s[k]) { k += 1 }
            guard k > j, k < s.count, digitValue(s[k]) != nil else { break }
            j = k
        }
        let total = groups.reduce(0, +)
        guard total >= 7 else { return nil }
        let phoneLike = groups.count == 1 || groups.dropFirst().allSatisfy { $0 >= 3 } || groups.allSatisfy { $0 == 1 }
        guard phoneLike else { return nil }
        // An ID number ends in X.
        if total == 17, end < s.count, s[end] == "X" || s[end] == "x" { end += 1 }
        return Edit(range: i..<end, style: .digits)
    }

    /// Seven or more Chinese numerals in a row (with at most single separators): a number read out.
    private static func chineseRun(_ s: [Unicode.Scalar], at i: Int) -> Edit? {
        guard chineseDigits[s[i]] != nil, i == 0 || chineseDigits[s[i - 1]] == nil else { return nil }
        var j = i
        var count = 0
        var end = i
        while j < s.count {
            if chineseDigits[s[j]] != nil {
                count += 1
                j += 1
                end = j
            } else if separators.contains(s[j]), j + 1 < s.count, chineseDigits[s[j + 1]] != nil {
                j += 1
            } else {
                break
            }
        }
        return count >= 7 ? Edit(range: i..<end, style: .stars) : nil
    }

    private static func isEmailCharacter(_ c: Unicode.Scalar, local: Bool) -> Bool {
        let v = c.value
        let alnum = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        return alnum || c == "." || c == "-" || (local && (c == "_" || c == "+" || c == "%"))
    }

    /// `name@example.com`: both sides masked.
    private static func email(_ s: [Unicode.Scalar], at at: Int) -> Edit? {
        var start = at
        while start > 0, isEmailCharacter(s[start - 1], local: true) { start -= 1 }
        var end = at + 1
        while end < s.count, isEmailCharacter(s[end], local: false) { end += 1 }
        let domain = s[(at + 1)..<end]
        guard start < at, domain.contains("."), domain.last != "." else { return nil }
        return Edit(range: start..<end, style: .stars)
    }

    /// The provinces' one-character names that open a Chinese licence plate.
    static let provinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

    private static let provinceSet = Set(provinces.unicodeScalars)

    private static func asciiLetter(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (v >= 0x41 && v <= 0x5A) || (v >= 0xFF21 && v <= 0xFF3A)
    }

    private static func plateCharacter(_ c: Unicode.Scalar) -> Bool {
        asciiLetter(c) || digitValue(c) != nil
    }

    /// `粤B55123`, `京A·12345`: a province, a letter, then five or six letters and digits.
    private static func plate(_ s: [Unicode.Scalar], at i: Int) -> Edit? {
        guard provinceSet.contains(s[i]), i + 1 < s.count, asciiLetter(s[i + 1]) else { return nil }
        var j = i + 2
        if j < s.count, s[j] == "·" || s[j] == "•" || s[j] == " " { j += 1 }
        var n = 0
        while j + n < s.count, plateCharacter(s[j + n]) { n += 1 }
        guard n == 5 || n == 6 else { return nil }
        return Edit(range: (i + 1)..<(j + n), style: .stars)
    }

    private static let messagingCues: [[Unicode.Scalar]] = ["QQ", "qq", "Qq", "ＱＱ", "微信", "VX", "vx", "WX", "wx"].map {
        Array($0.unicodeScalars)
    }

    /// `QQ号550910`, `微信：abc123`: the account after the keyword.
    private static func messaging(_ s: [Unicode.Scalar], at i: Int) -> Edit? {
        guard let cue = messagingCues.first(where: { matches($0, s, at: i) }) else { return nil }
        var j = i + cue.count
        while j < s.count, j - i - cue.count < 3, "号：: 是为".unicodeScalars.contains(s[j]) { j += 1 }
        var n = 0
        while j + n < s.count, isEmailCharacter(s[j + n], local: true) || digitValue(s[j + n]) != nil { n += 1 }
        guard n >= 5 else { return nil }
        return Edit(range: j..<(j + n), style: .stars)
    }

    // MARK: Names

    /// The most common Chinese surnames (a name starts with one).
    static let surnames = Set(
        """
        王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝
        """.unicodeScalars)

    /// Characters that cannot be part of a name: they end one when reading forwards.
    private static let notInName = Set(
        "的是在住家先女老师阿说反映诉报来电打投请要想今昨明已曾和与及等们同也都就还又不没了着过被把给让向从对为很太非常"
            .unicodeScalars)

    private static func isHan(_ c: Unicode.Scalar) -> Bool { c.value >= 0x4E00 && c.value <= 0x9FFF }

    private static func nameLength(_ s: [Unicode.Scalar], from i: Int) -> Int {
        guard i < s.count, surnames.contains(s[i]) else { return 0 }
        var n = 1
        while i + n < s.count, n < 3, isHan(s[i + n]), !notInName.contains(s[i + n]) { n += 1 }
        return n >= 2 ? n : 0
    }

    private static let nameCues: [[Unicode.Scalar]] = ["我叫", "我是", "本人", "姓名", "名叫", "联系人", "来电人", "反映人", "投诉人", "举报人"]
        .map { Array($0.unicodeScalars) }

    /// 我叫张澄伟, 姓名：赵澄明: the two- or three-character name after the phrase.
    private static func introducedName(_ s: [Unicode.Scalar], at i: Int) -> Edit? {
        guard let cue = nameCues.first(where: { matches($0, s, at: i) }) else { return nil }
        var j = i + cue.count
        while j < s.count, j - i - cue.count < 2, "：: 为".unicodeScalars.contains(s[j]) { j += 1 }
        let n = nameLength(s, from: j)
        return n > 0 ? Edit(range: j..<(j + n), style: .stars) : nil
    }

    private static let honorifics: [[Unicode.Scalar]] = ["先生", "女士", "小姐", "老师", "师傅", "阿姨"].map {
        Array($0.unicodeScalars)
    }

    /// 李澄芳女士 → 某女士: the name before an honorific, from its surname, becomes one 某. Before
    /// 先生, 女士 and 小姐 a character that is no surname goes too, as before.
    private static func honorific(_ s: [Unicode.Scalar], at i: Int) -> Edit? {
        guard i > 0, let h = honorifics.first(where: { matches($0, s, at: i) }) else { return nil }
        for back in stride(from: 3, through: 1, by: -1) where i - back >= 0 {
            let stretch = s[(i - back)..<i]
            if surnames.contains(s[i - back]), stretch.allSatisfy({ isHan($0) && !notInName.contains($0) }) {
                return Edit(range: (i - back)..<i, style: .mou)
            }
        }
        let plain =
            h == Array("先生".unicodeScalars) || h == Array("女士".unicodeScalars) || h == Array("小姐".unicodeScalars)
        guard plain, isHan(s[i - 1]), s[i - 1] != "某" else { return nil }
        return Edit(range: (i - 1)..<i, style: .mou)
    }

    private static let placesAfterHome = ["门口", "门前", "楼下", "楼上", "附近", "旁边", "屋", "里", "院"].map {
        Array($0.unicodeScalars)
    }

    /// 王澄宇家门口: a name then 家 then a word for where; 张家港 and 王家村 are places and stay.
    private static func home(_ s: [Unicode.Scalar], at i: Int) -> Edit? {
        guard surnames.contains(s[i]) else { return nil }
        for n in [3, 2] where i + n < s.count && s[i + n] == "家" {
            let name = s[i..<(i + n)]
            guard name.allSatisfy({ isHan($0) && !notInName.contains($0) }) else { continue }
            let after = i + n + 1
            if after == s.count || placesAfterHome.contains(where: { matches($0, s, at: after) }) {
                return Edit(range: i..<(i + n), style: .stars)
            }
        }
        return nil
    }

    private static func matches(_ word: [Unicode.Scalar], _ s: [Unicode.Scalar], at i: Int) -> Bool {
        guard i + word.count <= s.count else { return false }
        for (k, c) in word.enumerated() where s[i + k] != c { return false }
        return true
    }

    // MARK: Phones as keys

    /// The phone number in a comparable form (digits only, no country code or leading 0
    /// of a trunk prefix), or nil when it has too few digits to be a number.
    public static func normalizedPhone(_ raw: String) -> String? {
        var digits = ""
        for scalar in raw.unicodeScalars {
            if let d = digitValue(scalar) { digits.unicodeScalars.append(Unicode.Scalar(UInt8(48 + d))) }
        }
        if digits.hasPrefix("86") && digits.count == 13 { digits.removeFirst(2) }
        return digits.count >= 7 ? digits : nil
    }
}

extension String {
    /// Whether `other`'s UTF-8 bytes occur in this string's (no Foundation, no allocation).
    public func utf8Contains(_ other: String) -> Bool {
        let needle = Array(other.utf8)
        guard let first = needle.first else { return true }
        let hay = utf8
        var i = hay.startIndex
        while let start = hay[i...].firstIndex(of: first) {
            if hay[start...].starts(with: needle) { return true }
            i = hay.index(after: start)
        }
        return false
    }

    /// Every occurrence of `target` replaced, compared by Unicode scalars (so `\r\n` is found
    /// even though Swift sees it as one Character).
    public func replacingAll(_ target: String, with replacement: String) -> String {
        let t = Array(target.unicodeScalars)
        guard let first = t.first, unicodeScalars.contains(first) else { return self }
        let s = Array(unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        var found = false
        while i < s.count {
            if s[i] == first && i + t.count <= s.count && s[i..<(i + t.count)].elementsEqual(t) {
                out.append(contentsOf: replacement.unicodeScalars)
                i += t.count
                found = true
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return found ? String(out) : self
    }
}
