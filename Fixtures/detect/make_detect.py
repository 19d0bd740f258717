#!/usr/bin/env python3
"""Writes the detect fixtures: orders.csv (a district export) and messages.csv (web messages, text only).

Deterministic. What is planted, and what must and must not be found, is in EXPECTED.md.
Rerun only to change the fixtures; the tests read the files as committed.
"""
import csv, datetime as dt, random

rng = random.Random(20240601)
STREETS = {"园岭街道": ["园岭社区", "南园社区"], "华强街道": ["华强社区", "荔村社区"]}
ESTATES = ["翠竹苑", "阳光花园", "金色家园", "海景大厦", "松柏新村", "百花公寓"]
UNITS = {"物业管理": "区住房和建设局", "噪音扰民": "区生态环境分局", "劳资纠纷": "区人力资源局", "学位紧缺": "区教育局",
         "供水供电": "区水务局", "环境卫生": "区城管和综合执法局", "交通出行": "区交通运输局", "市政设施": "区城管和综合执法局"}
# Varied texts per category, so background orders are not near-identical to each other.
OPEN = ["反映", "市民来电反映", "来电人称", "投诉", "业主反映", "居民反映"]
TEXT = {
    "物业管理": ["{e}物业服务差，{x}", "{e}物业乱收物业费，{x}", "{e}楼道灯坏了物业不修，{x}"],
    "噪音扰民": ["{e}楼下商铺音响噪音大，{x}", "{e}附近夜间施工噪音，{x}", "{e}广场舞音响扰民，{x}"],
    "劳资纠纷": ["在{e}附近工地做工被拖欠工资，{x}", "公司拖欠工资{n}个月，{x}"],
    "学位紧缺": ["孩子今年上小一，{e}片区学位紧张，{x}", "咨询{e}所属学区的入学政策，{x}"],
    "供水供电": ["{e}{n}栋突然停水，{x}", "{e}水压低，{x}"],
    "环境卫生": ["{e}附近垃圾没人清运，{x}", "{e}旁边河道发臭，{x}"],
    "交通出行": ["{e}门口车辆乱停，{x}", "{e}路口红绿灯时间太短，{x}"],
    "市政设施": ["{e}门口路灯坏了，{x}", "{e}旁边井盖缺失，{x}"],
}
TAILS = ["希望尽快处理", "请相关部门核实", "已经持续一段时间", "影响日常生活", "请予以解决", "望跟进", "谢谢",
         "希望有关部门重视", "多次沟通无果", "请尽快安排人员查看", "给生活带来不便", "请督促整改"]
START = dt.datetime(2024, 1, 1)
DAYS = 274  # 2024-01-01 .. 2024-09-30

rows = []
seq = 0


def phone():
    return "139%08d" % rng.randrange(10 ** 8)


def add(t, street, comm, estate, cat, text, caller=None, status="已办结", sat="满意", label=None):
    global seq
    seq += 1
    oid = "DT%s%04d" % (t.strftime("%Y%m%d"), seq)
    close = t + dt.timedelta(days=2, hours=3)
    rows.append([oid, t.strftime("%Y-%m-%d %H:%M:%S"), "12345电话", "投诉", rng.choice("王李张刘陈") + "先生",
                 caller or phone(), "福田区", street, comm, f"{street[:-2]}{comm[:-2]}{estate}{rng.randint(1, 20)}栋",
                 label or cat, text, UNITS.get(cat, "街道办事处"), "5",
                 close.strftime("%Y-%m-%d %H:%M:%S") if status == "已办结" else "", status, sat if status == "已办结" else ""])


def text_for(cat, estate):
    return rng.choice(OPEN) + rng.choice(TEXT[cat]).format(e=estate, n=rng.randint(2, 9), x=rng.choice(TAILS))


# Background: 2 orders a day spread over places and categories, 学位 rare except in August.
places = [(s, c) for s, cs in STREETS.items() for c in cs]
for day in range(DAYS):
    for _ in range(2):
        s, c = rng.choice(places)
        cat = rng.choice([k for k in TEXT if k != "学位紧缺"])
        t = START + dt.timedelta(days=day, seconds=rng.randint(8 * 3600, 21 * 3600))
        add(t, s, c, rng.choice(ESTATES), cat, text_for(cat, rng.choice(ESTATES)),
            sat=rng.choice(["满意"] * 18 + ["基本满意", "不满意"]))
    if rng.random() < 0.1:
        s, c = rng.choice(places)
        t = START + dt.timedelta(days=day, seconds=rng.randint(8 * 3600, 21 * 3600))
        e = rng.choice(ESTATES)
        add(t, s, c, e, "学位紧缺", text_for("学位紧缺", e))


def at(month, day, hour=10):
    return dt.datetime(2024, month, day, hour, rng.randint(0, 59), rng.randint(0, 59))


# A. Hotspot: 园岭社区 翠竹苑, elevator out, 9 callers in 10 days of June.
for i in range(9):
    add(at(6, 3 + i, 9 + i), "园岭街道", "园岭社区", "翠竹苑", "物业管理",
        rng.choice(OPEN) + f"翠竹苑{rng.randint(1, 9)}栋电梯坏了{rng.randint(2, 9)}天物业不修，" + rng.choice(TAILS))
# B. Near miss: 阳光花园 in two communities, 3 noise orders each in one week of March.
for comm in ["园岭社区", "华强社区"]:
    street = "园岭街道" if comm == "园岭社区" else "华强街道"
    for i in range(3):
        add(at(3, 11 + 2 * i, 20), street, comm, "阳光花园", "噪音扰民", text_for("噪音扰民", "阳光花园"))
# C. Repeat caller: one phone, 5 calls on unpaid wages within 20 days of April.
loud = phone()
for i, d in enumerate([2, 6, 11, 15, 20]):
    add(at(4, d), "华强街道", "荔村社区", rng.choice(ESTATES), "劳资纠纷",
        f"再次反映公司拖欠工资{i + 3}个月，老板一直推脱，" + rng.choice(TAILS), caller=loud,
        sat="不满意" if i < 4 else "满意")
# D. Near miss: another phone, 6 calls in 20 days of May, each on a different matter.
other = phone()
for i, cat in enumerate(["物业管理", "噪音扰民", "交通出行", "市政设施", "环境卫生", "供水供电"]):
    add(at(5, 3 + 3 * i), "华强街道", "华强社区", ESTATES[i], cat, text_for(cat, ESTATES[i]), caller=other)
# E. Mass complaint: 7 callers, 4 communities, 3 days of February, the same text give or take.
base = "强烈反对在小区附近新建垃圾转运站，选址离住宅只有{m}米，臭味和噪音影响{n}多户居民，要求重新选址并公开环评"
for i in range(7):
    s, c = places[i % 4]
    text = base.format(m=rng.randint(30, 90), n=rng.randint(2, 5) * 1000)
    add(at(2, 5 + i // 3, 9 + i), s, c, ESTATES[i % 6], "环境卫生", text + ("！" if i % 3 == 0 else ""))
# F. Surge: 南园社区 noise in July, 14 orders over many estates (no single estate stands out).
for i in range(14):
    add(at(7, 1 + 2 * i), "园岭街道", "南园社区", ESTATES[i % 6], "噪音扰民", text_for("噪音扰民", ESTATES[i % 6]))
# G. Seasonal near miss: 学位 in August, 12 in every community (everyone asks then).
for s, c in places:
    for i in range(12):
        e = ESTATES[i % 6]
        add(at(8, 1 + 2 * i), s, c, e, "学位紧缺", text_for("学位紧缺", e))
# H. Stuck: 荔村社区 金色家园 water, 6 of 7 closed unsatisfied over two months.
for i in range(7):
    add(at(3 + i // 3, 5 + 9 * (i % 3)), "华强街道", "荔村社区", "金色家园", "供水供电",
        f"金色家园{i + 1}栋又停水了，上次处理后还是反复停水，" + rng.choice(TAILS), sat="不满意" if i != 2 else "满意")

rows.sort(key=lambda r: r[1])
header = ["工单编号", "受理时间", "诉求渠道", "诉求类型", "来电人", "联系电话", "所属区", "所属街道", "所属社区",
          "事发地址", "问题分类", "诉求内容", "承办单位", "办理时限", "办结时间", "办理状态", "回访满意度"]
with open("orders.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(header)
    w.writerows(rows)

# Web messages with no street, community, address or phone: the place is only in the text.
msgs = []
n = 0


def msg(user, t, title, body):
    global n
    n += 1
    msgs.append([str(100000 + n), user, title, t.strftime("%Y/%m/%d %H:%M:%S"), body])


for d in range(120):
    t = dt.datetime(2019, 5, 1) + dt.timedelta(days=d, hours=rng.randint(8, 20))
    e = rng.choice([a + b for a in ["星城", "月湖", "东塘", "湘江", "岳麓", "芙蓉", "天心", "雨花"] for b in ["花园", "家园", "新村", "公寓", "小区"]])
    msg("U%07d" % rng.randrange(10 ** 7), t, f"关于{e}的问题", text_for(rng.choice(list(TEXT)), e))
# The problem raised most: 魅力之城小区 street-front restaurants' fumes and noise, 10 users, 3 weeks.
for i in range(10):
    t = dt.datetime(2019, 7, 3) + dt.timedelta(days=2 * i, hours=rng.randint(8, 20))
    msg("U%07d" % rng.randrange(10 ** 7), t, "A市A5区魅力之城小区临街餐饮店油烟噪音扰民",
        rng.choice(["我是魅力之城小区业主，", "魅力之城小区居民反映，", ""]) + "小区临街商铺开餐馆，油烟直排，晚上噪音很大，" + rng.choice(TAILS))
# Second: 丽发新城 concrete plant, 8 users over 3 weeks.
for i in range(8):
    t = dt.datetime(2019, 8, 1) + dt.timedelta(days=3 * i, hours=rng.randint(8, 20))
    msg("U%07d" % rng.randrange(10 ** 7), t, "丽发新城小区附近搅拌站噪音扰民", "丽发新城附近的搅拌站日夜施工，噪音和粉尘严重，" + rng.choice(TAILS))
# Near miss: 3 messages on 东湖花园 (below the hotspot minimum).
for i in range(3):
    t = dt.datetime(2019, 6, 10) + dt.timedelta(days=3 * i, hours=10)
    msg("U%07d" % rng.randrange(10 ** 7), t, "东湖花园停车难", "东湖花园小区车位太少，" + rng.choice(TAILS))
msgs.sort(key=lambda r: r[3])
with open("messages.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情"])
    w.writerows(msgs)
print(len(rows), "orders,", len(msgs), "messages")

# campaigns.csv: web messages with support counts, in citizens' own words. Its own generator, so
# the files above do not change when this one does.
crng = random.Random(20190101)
camp = []


def cmsg(user, t, title, body, likes=None):
    camp.append([str(200000 + len(camp) + 1), user, title, t.strftime("%Y/%m/%d %H:%M:%S"), body,
                 str(crng.randint(0, 3) if likes is None else likes), str(crng.randint(0, 2))])


def user():
    return "A%09d" % crng.randrange(10 ** 9)


ESTATES2 = [a + b for a in ["星城", "月湖", "东塘", "湘江", "岳麓", "芙蓉", "天心", "雨花", "金星", "银杉"]
            for b in ["花园", "家园", "新村", "公寓", "小区", "雅苑"]]
TOPICS = ["{e}物业乱收费，业主意见很大", "{e}附近道路坑洼，下雨积水严重", "{e}楼下烧烤店油烟扰民",
          "{e}电梯经常故障，物业维修不及时", "{e}小区内违章搭建，请求查处", "{e}周边路灯不亮，夜间出行不安全",
          "孩子就近入学的问题，{e}附近学位紧张", "{e}垃圾清运不及时，气味难闻"]
# Background: two messages a day for six months, from different users, on many estates.
for d in range(181):
    for _ in range(2):
        t = dt.datetime(2019, 1, 1) + dt.timedelta(days=d, hours=crng.randint(8, 21), minutes=crng.randint(0, 59))
        e = crng.choice(ESTATES2)
        cmsg(user(), t, "关于" + e + "的问题", crng.choice(TOPICS).format(e=e) + "，" + crng.choice(TAILS))
# Near miss: government is no place. 12 users over three weeks ask the government for help on
# unrelated matters; 人民政府, 求政府, 希望政府 and 相关政府部门 must not become estates.
ASKS = ["希望政府重视{e}的停车问题", "求政府帮帮{e}的老人", "人民政府应该管一管{e}门口的摊贩", "相关政府部门对{e}的投诉不回复",
        "恳请政府解决{e}的噪音", "希望政府加快{e}旁边的修路进度"]
for i in range(12):
    t = dt.datetime(2019, 3, 4) + dt.timedelta(days=(i * 7) // 4, hours=crng.randint(8, 21))
    e = crng.choice(ESTATES2)
    cmsg(user(), t, crng.choice(["希望政府重视", "求政府帮忙", "人民政府管一管", "相关政府部门不作为"]),
         crng.choice(ASKS).format(e=e) + "，" + crng.choice(TAILS))
# A reworded campaign: 15 messages from 11 accounts over two months about one lending platform,
# each in its own words. Must be found as one mass complaint with 11 callers.
LOANS = ["A4区58车贷平台突然停止兑付，我投资的钱取不出来了，请求公安机关立案侦查",
         "关于58车贷案件的进展，受害人至今没有得到任何答复",
         "58车贷逾期三个月，平台负责人失联，我们这些出借人该怎么办",
         "请问58车贷非法集资案什么时候能退赔？家里积蓄都投进去了",
         "强烈要求尽快追缴58车贷涉案资产，保护投资人合法权益",
         "我在58车贷出借了五万元，现在血本无归，恳请领导关注",
         "58车贷爆雷后警方已立案，但是进展缓慢，希望公开案件信息",
         "58车贷的实际控制人转移资产，请有关部门尽快冻结",
         "作为58车贷的受害者，希望市里成立专班处理此案",
         "58车贷平台宣传高息诱导投资，监管部门为何不早发现",
         "58车贷投资人维权无门，请求市领导过问此事",
         "我父母在58车贷投了养老钱，现在拿不回来，天天睡不着觉",
         "再次反映58车贷案件，已经两个月了没有任何消息",
         "58车贷清退方案迟迟不出台，出借人损失谁来承担",
         "希望公安机关对58车贷案件早日侦破，追回投资款"]
lenders = [user() for _ in range(11)]
for i, body in enumerate(LOANS):
    t = dt.datetime(2019, 4, 2) + dt.timedelta(days=i * 4, hours=crng.randint(8, 21))
    who = lenders[i] if i < 11 else lenders[i - 11]
    cmsg(who, t, crng.choice(["关于58车贷的问题", "58车贷案件进展", "请求处理58车贷", "58车贷投资人求助"]), body,
         likes=crng.randint(5, 40))
# The problem of many: 14 students of one college on compulsory internships, in five weeks.
INTERN = ["A市经济学院强制学生外出实习，不去就不给毕业证", "经济学院要求我们去工厂实习，每天工作十二个小时",
          "我是A市经济学院的学生，学校安排的实习和专业无关", "经济学院实习单位克扣实习工资，学校不管",
          "A市经济学院强制实习还要交实习费，合理吗", "反映经济学院组织学生到外省电子厂顶岗实习的问题"]
for i in range(14):
    t = dt.datetime(2019, 5, 6) + dt.timedelta(days=(i * 5) // 2, hours=crng.randint(8, 21))
    cmsg(user(), t, crng.choice(["A市经济学院强制学生实习", "经济学院实习问题", "学校强制实习"]), INTERN[i % len(INTERN)],
         likes=crng.randint(0, 10))
# One loud account: 9 messages in six weeks about one logistics company, each worded differently.
# A repeat caller at most, below the problems of many, and no mass complaint.
loud = user()
LOUD = ["顺通物流公司丢了我的货，拒不赔偿", "再次投诉顺通物流公司，货物损坏无人负责", "顺通物流公司客服态度恶劣",
        "顺通物流公司至今没有处理我的投诉", "请市场监管部门查处顺通物流公司", "顺通物流公司的赔偿标准不合理",
        "顺通物流公司把我拉黑了", "顺通物流公司虚假承诺时效", "第九次反映顺通物流公司的问题"]
for i, body in enumerate(LOUD):
    t = dt.datetime(2019, 2, 11) + dt.timedelta(days=i * 5, hours=crng.randint(8, 21))
    cmsg(loud, t, "投诉顺通物流公司", body)
camp.sort(key=lambda r: r[3])
with open("campaigns.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"])
    w.writerows(camp)
print(len(camp), "campaign messages")
