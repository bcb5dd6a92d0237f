#!/usr/bin/env python3
"""Writes tests/fixtures/privacy/corpus.tsv: sentences as residents write them, each with
the text minyi must store (input<TAB>expected). The expected text is made by
construction here, slot by slot, from the rules the README states (which digits of a
number stay, what of an address or name is hidden), not by running minyi, so the test
that reads it checks minyi against an independent statement of the rules. Sentences
without personal data (years, routes, prices, counts, hotlines, a stairwell) expect
themselves. Seeded: a rerun writes the same file.

    python3 scripts/make_privacy_corpus.py
"""
import random

rng = random.Random(20261207)
FW = {str(d): chr(0xFF10 + d) for d in range(10)}
CN = dict(zip("0123456789", "零一二三四五六七八九"))


def hide(s, head, tail):
    """Hides the digits of s but the first `head` and last `tail` (separators kept)."""
    total = sum(c.isalnum() and c.isascii() or c in FW.values() or c in CN.values() for c in s)
    out, k = [], 0
    for c in s:
        if (c.isascii() and c.isalnum()) or c in FW.values() or c in CN.values():
            k += 1
            out.append(c if (k <= head or k > total - tail) else "*")
        else:
            out.append(c)
    return "".join(out)


def mobile():
    d = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    style = rng.choice(["plain", "space", "hyphen", "dot", "fullwidth", "numerals", "plus86"])
    if style == "plain":
        s = d
    elif style == "space":
        s = f"{d[:3]} {d[3:7]} {d[7:]}"
    elif style == "hyphen":
        s = f"{d[:3]}-{d[3:7]}-{d[7:]}"
    elif style == "dot":
        s = f"{d[:3]}.{d[3:7]}.{d[7:]}"
    elif style == "fullwidth":
        s = "".join(FW[c] for c in d)
    elif style == "numerals":
        s = "".join(CN[c] for c in d)
    else:
        return "+86 " + d, "+86 " + hide("86" + d, 5, 4)[2:]
    return s, hide(s, 3, 4)


def landline():
    code = rng.choice(["010", "021", "020", "0755", "0571", "0731", "0898"])
    n = "".join(rng.choice("0123456789") for _ in range(7)) 
    n = rng.choice("2345678") + n
    s = f"{code}-{n}" if rng.random() < 0.7 else f"({code}){n}"
    head = 3 if code.startswith(("01", "02")) else 4
    return s, hide(s, head, 2)


def id18():
    area = rng.choice(["110105", "310104", "440305", "330106", "420102"])
    birth = f"{rng.randint(1940, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    seq = f"{rng.randint(0, 999):03d}"
    body = area + birth + seq
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * x for c, x in zip(body, w)) % 11]
    s = body + check
    return s, hide(s, 3, 4)


def id15():
    area = rng.choice(["110105", "310104", "440305"])
    s = area + f"{rng.randint(30, 89):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + f"{rng.randint(0, 999):03d}"
    return s, hide(s, 3, 3)


def email():
    local = rng.choice(["zhang.san", "liwei88", "wang_fang", "chen.jie2020", "xiaoming"])
    dom = rng.choice(["163.com", "qq.com", "126.com", "sina.com", "gmail.com"])
    return f"{local}@{dom}", local[0] + "*" * (len(local) - 1) + "@" + dom


def qq():
    n = str(rng.randint(10000, 99999999999))
    cue = rng.choice(["QQ", "qq", "QQ号", "扣扣", "ＱＱ"])
    sep = rng.choice(["", " ", "：", ":", "是"])
    masked = hide(n, 2, 2) if len(n) >= 6 else hide(n, 1, 0)
    return f"{cue}{sep}{n}", f"{cue}{sep}{masked}"


def wechat():
    wid = rng.choice(["zhangsan_1988", "wxid_abc123", "li-ming2020", "Happy_Home8", "oldwang66"])
    cue = rng.choice(["微信", "微信号", "vx", "VX", "wx", "v信"])
    sep = rng.choice([" ", "：", ":", "是"])
    return f"{cue}{sep}{wid}", f"{cue}{sep}{wid[0]}" + "*" * (len(wid) - 1)


def plate():
    prov = rng.choice("京津沪渝冀豫云辽黑湘皖鲁苏浙赣鄂桂粤川闽")
    letter = rng.choice("ABCDEFGH")
    rest = "".join(rng.choice("0123456789") for _ in range(4)) + rng.choice("0123456789ABCDE")
    sep = rng.choice(["", "·"])
    return f"{prov}{letter}{sep}{rest}", f"{prov}{letter}{sep}" + "*" * len(rest)


def address():
    place = rng.choice(["幸福里", "和平路社区", "文昌苑", "滨江花园", "金桥一村"])
    b, u = rng.randint(1, 30), rng.randint(1, 6)
    room = f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}"
    style = rng.choice(["栋", "号楼", "幢"])
    tail = rng.choice(["", "室"])
    s = f"{place}{b}{style}{u}单元{room}{tail}"
    m = f"{place}{'*' * len(str(b))}{style}{'*' * len(str(u))}单元{'*' * len(room)}{tail}"
    return s, m


def name():
    n = rng.choice(["李明", "王芳", "张伟", "刘洋", "陈静", "杨勇", "赵敏", "王小二", "李秀英", "张三"])
    cue = rng.choice(["我叫", "联系人：", "本人", "我叫"])
    return f"{cue}{n}", f"{cue}" + "*" * len(n)


SLOTS = [mobile, mobile, mobile, landline, id18, id15, email, qq, wechat, plate, address, name]

TEMPLATES = [
    "{x}，有事请联系",
    "希望尽快解决，{x}",
    "楼道灯坏了好久了，{x}",
    "反映过很多次没人管。{x}",
    "{x}，谢谢",
    "如需了解情况可以找我：{x}",
    "小区门口垃圾没人清理 {x}",
    "建议多安排巡逻，{x} 随时联系",
]

NEGATIVE = """2026年的创文活动很好
13路公交车太挤了
18路和K3路都不到我们小区
3号楼2单元的路灯坏了
3栋楼都没有路灯
垃圾桶1380元太贵了
价格 19.99 元不合理
每月物业费300元
有1000多户居民
打12345热线没人接
遇到事情打110
小区离地铁站500米
晚上8点以后很吵
2023年12月就反映过
第1期的活动没通知
房屋编号 2026 1201
订单号202612071234567
停车位只有50个
一二三四五六七都有志愿者值班
我是老党员，支持创文
王书记很负责
李主任经常来小区
本人认为应该多装路灯
满意度90%以上
7月到9月蚊子很多
3栋到5栋之间的路不平
1号楼门口的垃圾
二单元楼道很脏
幸福路12号的垃圾站很臭
我家住在幸福里，环境不错
邮箱写错了 zhang@
@小区物业 请看看
今年是第3次反映了
5号线开通后方便多了
两个垃圾桶不够用
K3路末班车太早
每天早上6点半扫地
A座的电梯经常坏
公园里有200多棵树
2栋的住户都说好
希望多搞文明宣传活动
志愿者服务很到位
夜市太吵，影响休息
共享单车乱停乱放
老旧小区改造进度太慢
希望增加公共厕所
社区医院排队要2小时
菜市场卫生需要加强
新能源车充电桩太少
广场舞音乐太响
学校门口接送孩子拥堵
路边摊占道经营
河道有异味
绿化带有垃圾
小区监控坏了3个
物业服务中心电话没人接
文明城市创建人人有责
垃圾分类做得不错
希望社区多组织活动
窗口服务态度变好了
办事大厅取号要等1小时
网格员经常上门
2号楼和3号楼之间没有路灯
12345热线反映过两次
每周三有义诊
楼下的早餐店很方便
第二届文明家庭评选
我们单元有8户人家
一楼的住户养鸡
30路公交改线了
交通信号灯时间太短
电动车充电不安全
小区停车费每月150元
物业费一年2400元
公交站牌上的字看不清
节假日人太多
下水道堵了3天""".split("\n")


def main():
    rows = []
    for k in range(320):
        slot = SLOTS[k % len(SLOTS)]
        x, m = slot()
        t = rng.choice(TEMPLATES)
        rows.append((t.format(x=x), t.format(x=m)))
    for s in NEGATIVE:
        rows.append((s, s))
    with open("tests/fixtures/privacy/corpus.tsv", "w", encoding="utf-8") as f:
        f.write("# input\texpected (made by scripts/make_privacy_corpus.py)\n")
        for a, b in rows:
            assert "\t" not in a and "\t" not in b
            f.write(f"{a}\t{b}\n")
    print(f"{len(rows)} sentences, {len(NEGATIVE)} without personal data")


if __name__ == "__main__":
    main()
