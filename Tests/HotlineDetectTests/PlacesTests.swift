import Testing

@testable import HotlineDetect

@Suite struct PlacesTests {
    @Test func addressLosesItsAdministrativePrefixAndBuilding() {
        let p = Places.place(
            address: "横岗六约翠竹苑12栋", district: "龙岗区", street: "横岗街道", community: "六约社区", title: nil, content: nil)
        #expect(p?.name == "翠竹苑")
        #expect(p?.key == "c:六约社区|翠竹苑")
        #expect(p?.fromText == false)
        #expect(p?.label == "横岗街道 六约社区 翠竹苑")
        let full = Places.place(
            address: "广东省深圳市龙岗区横岗街道六约社区翠竹苑小区3栋2单元501", district: nil, street: nil, community: nil,
            title: nil, content: nil)
        #expect(full?.name == "翠竹苑小区")
        #expect(full?.key == "t:翠竹苑")
    }

    @Test func textNamesThePlaceWhenTheAddressDoesNot() {
        #expect(Places.estate(inText: "A市A5区魅力之城小区临街餐饮店油烟扰民") == "魅力之城小区")
        #expect(Places.estate(inText: "西地省A市伊景园滨河苑捆绑销售车位") == "伊景园滨河苑")
        #expect(Places.estate(inText: "我住在丽发新城，附近搅拌站噪音很大") == "丽发新城")
        #expect(Places.estate(inText: "A市经济学院强制学生外出实习") == "经济学院")
        #expect(Places.estate(inText: "城管执法不文明，本小区无人管") == nil)
        #expect(Places.estate(inText: "公司拖欠工资三个月") == nil)
        // Words of government and asking are no places, though 府 ends estates (华润城润府).
        for text in ["请人民政府管一管", "求政府帮帮我们", "希望政府重视", "相关政府部门不作为", "业主家园群的问题"] {
            #expect(Places.estate(inText: text) == nil, "\(text)")
        }
        #expect(Places.estate(inText: "希望政府管管华润城润府的噪音") == "华润城润府")
        let p = Places.place(
            address: nil, district: nil, street: nil, community: nil, title: "魅力之城小区油烟扰民", content: "")
        #expect(p?.key == "t:魅力之城")
        #expect(p?.fromText == true)
    }
}
