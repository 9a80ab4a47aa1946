"""A county roster in the SPEC §11 template: N households of 1–7 members (about 4 on average)."""

import datetime
import random
from pathlib import Path

from openpyxl import Workbook
from stdnum.cn import ric

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉玉兰春梅海燕红梅德福永贵"
RELATIONS = ["配偶", "子", "女", "父亲", "母亲", "儿媳", "孙子", "孙女"]
BRANCHES, VILLAGES_PER_BRANCH = 10, 30


def org_codes():
    for b in range(1, BRANCHES + 1):
        yield f"B{b:02d}", [f"B{b:02d}V{v:02d}" for v in range(1, VILLAGES_PER_BRANCH + 1)]


def person_id(i: int) -> str:
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=i % 20000)
    body = f"4203{(i // 20000) % 100:02d}{birth:%Y%m%d}{(i // 2000000) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def county_rows(households: int, seed: int = 7):
    rng = random.Random(seed)
    villages = [(b, v) for b, vs in org_codes() for v in vs]
    person = 0
    for h in range(households):
        branch, village = villages[h % len(villages)]
        code = f"{village}-{h:06d}"
        group = f"{rng.randint(1, 9)}组"
        address = f"{village}村{group}{rng.randint(1, 200)}号"
        size = min(7, max(1, int(rng.gauss(4.6, 1.4))))
        for m in range(size):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < .6 else "")
            head = m == 0
            yield [branch, village, f"{village}村", group, code, name, person_id(person),
                   "户主" if head else RELATIONS[(m - 1) % len(RELATIONS)], address,
                   f"1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}" if head else "",
                   round(rng.uniform(0, 12), 1) if head else None, ("是" if rng.random() < .9 else "否") if head else None]
            person += 1


def write_workbook(path: Path, title: str, header: list, rows) -> Path:
    """Write a (large) workbook once, streaming; an existing file is reused between runs."""
    if path.exists():
        return path
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    workbook.save(tmp)
    tmp.rename(path)  # a run cut short never leaves a half-written workbook to be reused
    return path


def write_roster(path: Path, households: int) -> Path:
    from households.imports import COLUMNS

    return write_workbook(path, "roster", list(COLUMNS.values()), county_rows(households))
