import Foundation
import HotlineCore

/// The thresholds of each detection signal, read from `[detect]` in the pipeline file.
///
/// Counts are orders; days are calendar days; `alpha` is the chance, under the baseline, of a count
/// at least as high arising by accident, below which a count is called unusual.
public struct DetectSettings: Sendable {
    /// Hotspot: at least `hotspotMin` orders in one category on one place within `hotspotDays`.
    public var hotspotDays = 30
    public var hotspotMin = 5
    /// Repeat caller: at least `repeatMin` calls from one caller on one matter within `repeatDays`.
    public var repeatDays = 30
    public var repeatMin = 3
    /// Mass complaint: near-identical texts from at least `massMinCallers` callers within `massDays`.
    public var massDays = 7
    public var massMinCallers = 5
    /// SimHash bits (of 64) two texts may differ in and still count as near-identical.
    public var massDistance = 3
    /// Texts shorter than this (in characters, digits and punctuation left out) are not compared.
    public var massMinChars = 10
    /// Mass complaints are linked into one text cluster through texts at most this many days apart,
    /// so that a stock phrase heard all year is one cluster with its own, high, baseline.
    public var massLinkDays = 60
    /// Campaign: texts about one subject (a company, platform, school) from at least
    /// `massMinCallers` callers within `campaignDays`, however each is worded.
    public var campaignDays = 60
    /// Surge: a category's month in one community at least `surgeMin` orders and far above its own
    /// seasonally adjusted baseline, judged only with `surgeHistory` other months to go by.
    public var surgeMin = 10
    public var surgeHistory = 3
    /// Stuck: at least `stuckMin` orders unsatisfied after closure, or reopened, in one category on
    /// one place within `stuckDays`, more than that place's orders at the district's rate make likely.
    public var stuckDays = 90
    public var stuckMin = 3
    /// Stuck orders are judged by the binomial chance of so many troubled among the window's orders
    /// at the district's share, at this level shared among every place and category tested.
    public var stuckAlpha = 0.01
    /// Significance of the hotspot, mass, surge and stuck tests against each one's own baseline; low,
    /// because every place, category and window is tested.
    public var alpha = 0.000001
    /// And a count must be at least this many times its baseline.
    public var minRatio = 2.0
    /// A candidate with no order in the last `quietDays` of the data has gone quiet.
    public var quietDays = 30
    /// Every baseline is taken over the `baselineDays` before a window; where the store holds less
    /// history than `baselineMinDays` before it, the days after the window make up the difference.
    public var baselineDays = 365
    public var baselineMinDays = 90
    /// Weights from which a candidate is suggested for the street, and for the district.
    public var streetLevel = 10.0
    public var districtLevel = 30.0

    static let hotspotDaysSetting = Setting(
        "detect", "hotspot_days", .whole(1...3_650), default: "30",
        "Hotspot: the window, in days, for one category on one place.")
    static let hotspotMinSetting = Setting(
        "detect", "hotspot_min", .whole(2...1_000_000), default: "5", "Hotspot: the fewest orders in the window.")
    static let repeatDaysSetting = Setting(
        "detect", "repeat_days", .whole(1...3_650), default: "30", "Repeat caller: the window, in days.")
    static let repeatMinSetting = Setting(
        "detect", "repeat_min", .whole(2...1_000_000), default: "3",
        "Repeat caller: the fewest calls from one caller on one matter in the window.")
    static let massDaysSetting = Setting(
        "detect", "mass_days", .whole(1...3_650), default: "7", "Mass complaint: the window, in days.")
    static let massMinCallersSetting = Setting(
        "detect", "mass_min_callers", .whole(2...1_000_000), default: "5",
        "Mass complaint: the fewest distinct callers with near-identical texts in the window.")
    static let massDistanceSetting = Setting(
        "detect", "mass_distance", .whole(0...15), default: "3",
        "Mass complaint: SimHash bits (of 64) two texts may differ in and still be near-identical.")
    static let massMinCharsSetting = Setting(
        "detect", "mass_min_chars", .whole(1...10_000), default: "10",
        "Mass complaint: texts with fewer letters (digits and punctuation left out) are not compared.")
    static let massLinkDaysSetting = Setting(
        "detect", "mass_link_days", .whole(1...3_650), default: "60",
        "Mass complaint: texts at most this many days apart are linked into one cluster.")
    static let campaignDaysSetting = Setting(
        "detect", "campaign_days", .whole(1...3_650), default: "60",
        "Mass complaint, reworded: the window, in days, for texts from many callers about one company, platform or school."
    )
    static let surgeMinSetting = Setting(
        "detect", "surge_min", .whole(1...1_000_000), default: "10",
        "Surge: the fewest orders of a category in one community's month.")
    static let surgeHistorySetting = Setting(
        "detect", "surge_history", .whole(1...120), default: "3", "Surge: judged only with this many other months.")
    static let stuckDaysSetting = Setting(
        "detect", "stuck_days", .whole(1...3_650), default: "90", "Stuck: the window, in days.")
    static let stuckMinSetting = Setting(
        "detect", "stuck_min", .whole(1...1_000_000), default: "3",
        "Stuck: the fewest orders unsatisfied after closure, or reopened, on one place and category.")
    static let stuckAlphaSetting = Setting(
        "detect", "stuck_alpha", .number(0...1), default: "0.01",
        "Stuck: the chance that any one place and category of the district would be this troubled by accident, at the district's share of troubled orders."
    )
    static let alphaSetting = Setting(
        "detect", "alpha", .number(0...1), default: "0.000001",
        "The chance, under the baseline, below which a count is called unusual (hotspot, mass, surge).")
    static let minRatioSetting = Setting(
        "detect", "min_ratio", .number(1...1_000), default: "2",
        "And a count must be at least this many times its baseline.")
    static let quietDaysSetting = Setting(
        "detect", "quiet_days", .whole(1...3_650), default: "30",
        "A candidate with no order in the last this many days of the data has gone quiet.")
    static let baselineDaysSetting = Setting(
        "detect", "baseline_days", .whole(28...3_650), default: "365",
        "Each window is compared with this many days before it (its place's, text's and community's own rates, and the district's); data further away never changes its verdict."
    )
    static let baselineMinDaysSetting = Setting(
        "detect", "baseline_min_days", .whole(7...3_650), default: "90",
        "Where the store holds fewer days than this before a window (its first months), the days after the window make up the difference."
    )
    static let streetLevelSetting = Setting(
        "detect", "street_level", .number(0...1_000_000), default: "10",
        "The weight from which a candidate is suggested for the street.")
    static let districtLevelSetting = Setting(
        "detect", "district_level", .number(0...1_000_000), default: "30",
        "The weight from which a candidate is suggested for the district.")
    public static let all = [
        hotspotDaysSetting, hotspotMinSetting, repeatDaysSetting, repeatMinSetting, massDaysSetting,
        massMinCallersSetting, massDistanceSetting, massMinCharsSetting, massLinkDaysSetting, campaignDaysSetting,
        surgeMinSetting,
        surgeHistorySetting, stuckDaysSetting, stuckMinSetting, stuckAlphaSetting, alphaSetting, minRatioSetting,
        quietDaysSetting, baselineDaysSetting, baselineMinDaysSetting, streetLevelSetting, districtLevelSetting,
    ]

    public init() {}

    /// Reads `[detect]` (its values were checked when the pipeline file was read).
    public init(config: PipelineConfig) {
        hotspotDays = config.whole(Self.hotspotDaysSetting)
        hotspotMin = config.whole(Self.hotspotMinSetting)
        repeatDays = config.whole(Self.repeatDaysSetting)
        repeatMin = config.whole(Self.repeatMinSetting)
        massDays = config.whole(Self.massDaysSetting)
        massMinCallers = config.whole(Self.massMinCallersSetting)
        massDistance = config.whole(Self.massDistanceSetting)
        massMinChars = config.whole(Self.massMinCharsSetting)
        massLinkDays = config.whole(Self.massLinkDaysSetting)
        campaignDays = config.whole(Self.campaignDaysSetting)
        surgeMin = config.whole(Self.surgeMinSetting)
        surgeHistory = config.whole(Self.surgeHistorySetting)
        stuckDays = config.whole(Self.stuckDaysSetting)
        stuckMin = config.whole(Self.stuckMinSetting)
        stuckAlpha = config.number(Self.stuckAlphaSetting)
        alpha = config.number(Self.alphaSetting)
        minRatio = config.number(Self.minRatioSetting)
        quietDays = config.whole(Self.quietDaysSetting)
        baselineDays = config.whole(Self.baselineDaysSetting)
        baselineMinDays = config.whole(Self.baselineMinDaysSetting)
        streetLevel = config.number(Self.streetLevelSetting)
        districtLevel = config.number(Self.districtLevelSetting)
    }

    /// The definition the page shows as a footnote: the statistics behind the plain words.
    public static let methodKey = "方法说明"

    /// The settings in words, for the page: what each signal means here; the last is the method.
    public var description: [(String, String)] {
        func pct(_ x: Double) -> String { x < 0.001 ? String(format: "%.0e", x) : String(x) }
        return [
            ("地点集中", "同一小区（地址或诉求内容中的地名）同类诉求 \(hotspotDays) 天内不少于 \(hotspotMin) 件，且明显多于该地点平时"),
            ("反复来电", "同一来电人（只比对加密后的号码，不保存号码）就同类诉求 \(repeatDays) 天内来电不少于 \(repeatMin) 次"),
            (
                "群体诉求",
                "\(massDays) 天内不少于 \(massMinCallers) 位来电人反映几乎相同的内容，或 \(campaignDays) 天内反映同一对象（公司、平台、学校等，说法可以不同），且明显多于平时"
            ),
            ("社区激增", "社区某类诉求当月不少于 \(surgeMin) 件，明显多于本社区前几个月（已考虑全区同类诉求的季节变化）"),
            ("久拖未决", "同一地点同类诉求 \(stuckDays) 天内不少于 \(stuckMin) 件办结后回访不满意或重新办理，明显多于全区比例"),
            ("平时", "该地点、内容或社区在此前 \(baselineDays) 天里的水平，按全区工单总量的变化折算；库中数据不足 \(baselineMinDays) 天时用之后的数据补足"),
            ("已平息", "最近 \(quietDays) 天（截至数据最后一天）没有新工单，或本次不再检出"),
            (
                "建议层级",
                "权重不低于 \(streetLevel) 或涉及多个社区、两个承办单位或办结后仍不满意：街道；权重不低于 \(districtLevel) 或涉及多个街道、三个以上承办单位：区；同一来电人反复反映或其余：社区"
            ),
            ("权重", "来电人数 + 0.25 × 同一来电人的重复工单 + 0.5 × 不满意或重新办理的工单 + 2 × （信号数 − 1） + 点赞或附议数每翻一番加 1"),
            (
                Self.methodKey,
                "“明显多于”指按泊松分布（平时水平由较少工单估计时按负二项分布）偶然达到该数量的概率低于 \(pct(alpha))（久拖未决按二项分布，全区所有地点合计低于 \(pct(stuckAlpha))），且至少是平时的 \(minRatio) 倍；“几乎相同”指去掉数字和标点后的 SimHash 指纹相差不超过 \(massDistance) 位"
            ),
        ]
    }
}
