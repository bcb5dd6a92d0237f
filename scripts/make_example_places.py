#!/usr/bin/env python3
"""Writes the example city's place hierarchy and map outlines (deterministic):

    surveys/civility-2026.places.csv        streets, communities, grids, poster points
    surveys/civility-2026.boundaries.geojson  one outline per district and community

江川市 is fictional. Its 48 communities tile a jittered 8 x 6 grid of cells; a district
is the union of its communities' cells, so the outlines share their edges and the
populations add up to the districts' adults in the census. Each community's share of
residents aged 60+ and of women varies around its district's census share (the
covariates of the small-area model).

    python3 scripts/make_example_places.py
"""
import csv
import json
import math
import random
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
rng = random.Random(2026)

# The 8 x 6 layout of cells (row 0 is the north); letters are districts.
LAYOUT = [
    "BBBBGGJJ",
    "DBBGGGJJ",
    "DDXXXXJJ",
    "DDXXXXJJ",
    "DDXXXXNJ",
    "DNNNNNNJ",
]
DISTRICT = {"X": "XC", "J": "JY", "D": "DH", "N": "NG", "B": "BS", "G": "GX"}

# Streets and their communities, in the order their cells are taken (row-major within
# the district). Existing community codes of earlier examples are kept.
STREETS = {
    "XC": [
        ("xc-xinhua", "新华街道", "Xinhua Subdistrict", [
            ("xinhua-xfl", "幸福里社区", "Xingfuli Community"),
            ("xinhua-hpl", "和平路社区", "Hepinglu Community"),
            ("xinhua-wcy", "文昌苑社区", "Wenchangyuan Community"),
            ("xinhua-jm", "建民社区", "Jianmin Community")]),
        ("xc-chengguan", "城关街道", "Chengguan Subdistrict", [
            ("chengguan-gl", "鼓楼社区", "Gulou Community"),
            ("chengguan-dm", "东门社区", "Dongmen Community"),
            ("chengguan-xm", "西门社区", "Ximen Community"),
            ("chengguan-fq", "府前社区", "Fuqian Community")]),
        ("xc-wenhua", "文化街道", "Wenhua Subdistrict", [
            ("wenhua-sy", "书院社区", "Shuyuan Community"),
            ("wenhua-jf", "解放社区", "Jiefang Community"),
            ("wenhua-ty", "体育路社区", "Tiyulu Community"),
            ("wenhua-yh", "友好社区", "Youhao Community")]),
    ],
    "JY": [
        ("jy-binjiang", "滨江街道", "Binjiang Subdistrict", [
            ("binjiang-bjhy", "滨江花园社区", "Binjiang Garden Community"),
            ("binjiang-wt", "望亭社区", "Wangting Community"),
            ("binjiang-mt", "码头新村社区", "Matou New Village"),
            ("binjiang-lz", "柳洲社区", "Liuzhou Community")]),
        ("jy-jinqiao", "金桥街道", "Jinqiao Subdistrict", [
            ("jinqiao-jq1", "金桥一村社区", "Jinqiao No.1 Village"),
            ("jinqiao-sg", "石港社区", "Shigang Community"),
            ("jinqiao-xy", "新苑社区", "Xinyuan Community")]),
        ("jy-jiangyuan", "江源街道", "Jiangyuan Subdistrict", [
            ("jiangyuan-yq", "源泉社区", "Yuanquan Community"),
            ("jiangyuan-dp", "大坪社区", "Daping Community"),
            ("jiangyuan-hs", "后山村", "Houshan Village")]),
    ],
    "DH": [
        ("dh-hubin", "湖滨街道", "Hubin Subdistrict", [
            ("hubin-hb", "湖滨社区", "Hubin Community"),
            ("hubin-lh", "莲花社区", "Lianhua Community"),
            ("hubin-yd", "渔渡社区", "Yudu Community"),
            ("hubin-hx", "湖心社区", "Huxin Community")]),
        ("dh-dongshan", "东山街道", "Dongshan Subdistrict", [
            ("dongshan-ds", "东山社区", "Dongshan Community"),
            ("dongshan-yl", "杨柳社区", "Yangliu Community"),
            ("dongshan-qs", "青山村", "Qingshan Village"),
            ("dongshan-tz", "桃子湾村", "Taoziwan Village")]),
    ],
    "NG": [
        ("ng-gangkou", "港口街道", "Gangkou Subdistrict", [
            ("gangkou-mt", "码头社区", "Matou Community"),
            ("gangkou-hy", "海员社区", "Haiyuan Community"),
            ("gangkou-cy", "船厂社区", "Chuanchang Community"),
            ("gangkou-hd", "航道社区", "Hangdao Community")]),
        ("ng-nanyuan", "南苑街道", "Nanyuan Subdistrict", [
            ("nanyuan-ny", "南苑社区", "Nanyuan Community"),
            ("nanyuan-ql", "青龙社区", "Qinglong Community"),
            ("nanyuan-hl", "荷塘社区", "Hetang Community")]),
    ],
    "BS": [
        ("bs-kuangqu", "矿区街道", "Kuangqu Subdistrict", [
            ("kuangqu-kq", "矿区社区", "Kuangqu Community"),
            ("kuangqu-xc2", "新村社区", "Xincun Community"),
            ("kuangqu-gy", "工业社区", "Gongye Community")]),
        ("bs-beishan", "北山镇", "Beishan Town", [
            ("beishan-bs", "北山村", "Beishan Village"),
            ("beishan-ss", "松树村", "Songshu Village"),
            ("beishan-ls", "林场村", "Linchang Village")]),
    ],
    "GX": [
        ("gx-keji", "科技城街道", "Science City Subdistrict", [
            ("keji-rc", "人才公寓社区", "Talent Apartments Community"),
            ("keji-ky", "科苑社区", "Keyuan Community"),
            ("keji-cx", "创新社区", "Chuangxin Community"),
            ("keji-zh", "智汇社区", "Zhihui Community"),
            ("keji-yg", "云谷社区", "Yungu Community")]),
    ],
}

# Grids (网格) under some communities: (community, code, zh, en, share of its adults).
GRIDS = [
    ("xinhua-xfl", "xfl-g1", "幸福里第1网格", "Xingfuli Grid 1", 0.34),
    ("xinhua-xfl", "xfl-g2", "幸福里第2网格", "Xingfuli Grid 2", 0.33),
    ("xinhua-xfl", "xfl-g3", "幸福里第3网格", "Xingfuli Grid 3", 0.33),
    ("xinhua-hpl", "hpl-g1", "和平路第1网格", "Hepinglu Grid 1", 0.5),
    ("xinhua-hpl", "hpl-g2", "和平路第2网格", "Hepinglu Grid 2", 0.5),
    ("binjiang-bjhy", "bjhy-g1", "滨江花园第1网格", "Binjiang Garden Grid 1", 0.4),
    ("binjiang-bjhy", "bjhy-g2", "滨江花园第2网格", "Binjiang Garden Grid 2", 0.3),
    ("binjiang-bjhy", "bjhy-g3", "滨江花园第3网格", "Binjiang Garden Grid 3", 0.3),
    ("hubin-hb", "hb-g1", "湖滨第1网格", "Hubin Grid 1", 0.5),
    ("hubin-hb", "hb-g2", "湖滨第2网格", "Hubin Grid 2", 0.5),
]
# Residential community posters (a 小区 gate); the rest hang at community offices.
RESIDENTIAL = {"xinhua-wcy", "binjiang-wt", "hubin-lh", "keji-rc"}
# Public poster points: (code, parent community, zh, en).
POINTS = [
    ("renmin-square", "chengguan-gl", "人民广场", "People's Square"),
    ("city-hospital", "wenhua-jf", "市第一人民医院", "City No.1 Hospital"),
    ("jy-service-hall", "jinqiao-jq1", "江源区政务服务中心", "Jiangyuan Government Service Hall"),
]

census = defaultdict(lambda: defaultdict(int))
for r in csv.DictReader(open(ROOT / "surveys/civility-2026.census.csv")):
    census[r["district"]][(r["age_band"], r["sex"])] += int(r["population"])


def split(total, parts):
    """Random shares of `total` (each 0.6–1.6 of equal) that add up exactly."""
    w = [0.6 + rng.random() for _ in range(parts)]
    s = sum(w)
    out = [int(total * x / s) for x in w]
    out[0] += total - sum(out)
    return out


rows = []
cells = {}  # (row, col) -> community code
for letter, district in DISTRICT.items():
    positions = [(r, c) for r, line in enumerate(LAYOUT) for c, ch in enumerate(line) if ch == letter]
    communities = [c for s in STREETS[district] for c in s[3]]
    assert len(positions) == len(communities), district
    adults = sum(census[district].values())
    pop = split(adults, len(communities))
    old_share = sum(v for (a, _), v in census[district].items() if a == "a60") / adults
    female_share = sum(v for (_, s), v in census[district].items() if s == "f") / adults
    k = 0
    for code, zh, en, members in STREETS[district]:
        rows.append([code, district, "street", zh, en, "", "", "", ""])
        for (ccode, czh, cen) in members:
            n = pop[k]
            old = round(n * min(0.6, max(0.05, old_share + rng.uniform(-0.08, 0.08))))
            women = round(n * min(0.6, max(0.4, female_share + rng.uniform(-0.03, 0.03))))
            poster = "residential" if ccode in RESIDENTIAL else "public"
            rows.append([ccode, code, "community", czh, cen, n, poster, old, women])
            cells[positions[k]] = ccode
            k += 1
community_adults = {r[0]: r[5] for r in rows if r[2] == "community"}
for community, code, zh, en, share in GRIDS:
    rows.append([code, community, "grid", zh, en, round(community_adults[community] * share * 0.98), "residential", "", ""])
for code, parent, zh, en in POINTS:
    rows.append([code, parent, "point", zh, en, "", "public", "", ""])

# Households of each community (2.6 adults a household, as a census table would give
# them), for the household sample's random walk; no random draw, so the rest is as
# before.
for r in rows:
    r.append(round(r[5] / 2.6) if r[2] == "community" else "")

with open(ROOT / "surveys/civility-2026.places.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "parent", "level", "name_zh", "name_en", "adults", "poster", "adults[age_band=a60]", "adults[sex=f]", "households"])
    w.writerows(rows)

# Outlines: a jittered grid of vertices over the city.
NR, NC = len(LAYOUT), len(LAYOUT[0])
LON0, LAT0, DLON, DLAT = 112.90, 28.30, 0.026, 0.021
vertex = {}
for r in range(NR + 1):
    for c in range(NC + 1):
        jx = rng.uniform(-0.28, 0.28) * DLON
        jy = rng.uniform(-0.28, 0.28) * DLAT
        if r in (0, NR) or c in (0, NC):
            jx, jy = jx * 0.5, jy * 0.5
        vertex[(r, c)] = (round(LON0 + c * DLON + jx, 5), round(LAT0 - r * DLAT + jy, 5))


def ring_of(cellset):
    """The outline of a set of cells: its boundary edges chained into one ring."""
    edges = {}
    for (r, c) in cellset:
        corners = [(r, c), (r, c + 1), (r + 1, c + 1), (r + 1, c)]  # clockwise on screen
        for a, b in zip(corners, corners[1:] + corners[:1]):
            if (b, a) in edges:
                del edges[(b, a)]
            else:
                edges[(a, b)] = True
    nxt = {a: b for (a, b) in edges}
    start = next(iter(nxt))
    ring, p = [start], nxt[start]
    while p != start:
        ring.append(p)
        p = nxt[p]
    ring.append(start)
    # GeoJSON exterior rings run counter-clockwise in longitude/latitude.
    return [list(vertex[v]) for v in reversed(ring)]


features = []
for letter, district in DISTRICT.items():
    own = {pos for pos, code in cells.items() if LAYOUT[pos[0]][pos[1]] == letter}
    features.append({"type": "Feature", "properties": {"code": district, "level": "district"},
                     "geometry": {"type": "Polygon", "coordinates": [ring_of(own)]}})
for pos, code in sorted(cells.items()):
    features.append({"type": "Feature", "properties": {"code": code, "level": "community"},
                     "geometry": {"type": "Polygon", "coordinates": [ring_of({pos})]}})
with open(ROOT / "surveys/civility-2026.boundaries.geojson", "w", encoding="utf-8") as f:
    json.dump({"type": "FeatureCollection", "features": features}, f, ensure_ascii=False, indent=None, separators=(",", ":"))
    f.write("\n")
print(f"wrote {sum(1 for r in rows if r[2] == 'community')} communities, "
      f"{len(GRIDS)} grids, {len(POINTS)} points and {len(features)} outlines")
