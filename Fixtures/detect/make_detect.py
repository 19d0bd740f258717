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
