"""Fixed demo catalogue and a seeded generator of certificate holders (names, valid 居民身份证 numbers)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from bot.rules.cert_numbers import format_k2
from bot.rules.id_numbers import make_resident_id

SEED = 20261123
ANCHOR = date(2026, 11, 23)  # certificates are issued up to this date, so the data never depends on "today"
CERTIFICATE_COUNT = 300

# K2 prefix parts of the demo body: 社会培训评价组织 category, filed with the province (0000), 江西 (36).
CATEGORY, EVALUATOR_CODE, PROVINCE, SITE_SERIAL = "S", "0000", "36", "010027"
INSTITUTION_CODE = f"{CATEGORY}{EVALUATOR_CODE}{PROVINCE}{SITE_SERIAL}"
INSTITUTION_NAME = "南昌赣江技工学校"
INSTITUTION_KIND = "技工院校"
INSTITUTION_REGION = "江西省南昌市"


@dataclass(frozen=True)
class DemoOccupation:
    """A filed occupation (工种) with the levels the demo body may certify (L5)."""

    code: str
    name: str
    work_type: str
    levels: tuple[int, ...]


OCCUPATIONS = (
    DemoOccupation("6-31-01-03", "电工", "", (5, 4, 3)),
    DemoOccupation("6-18-01-01-02", "车工", "数控车床", (5, 4)),
    DemoOccupation("6-18-02-04", "焊工", "", (5, 4, 3)),
    DemoOccupation("4-10-01-02", "育婴员", "", (5, 4, 3)),
)

ANNOUNCEMENT_TITLE = "电工职业技能等级认定报名公告（五级/四级/三级）"
ANNOUNCEMENT_LEVELS = (5, 4, 3)
ANNOUNCEMENT_FEE_YUAN = 200
ANNOUNCEMENT_SITES = (
    "南昌赣江技工学校 实训楼A座二楼 电工实训室（南昌市青山湖区）",
    "南昌赣江技工学校 教学楼三楼 计算机理论考场（南昌市青山湖区）",
)
# Per-level conditions (R3): the published text plus its machine-checkable parts.
ANNOUNCEMENT_CONDITIONS = {
    "5": {
        "text": "年满16周岁，累计从事本职业或相关职业工作1年（含）以上；或本职业或相关职业学徒期满；或本校全日制在籍学生。",
        "min_years": 1,
        "students_exempt": True,
        "subjects": ["theory", "practical"],
    },
    "4": {
        "text": "取得本职业五级证书后累计从事本职业工作4年（含）以上；或累计从事本职业工作6年（含）以上；"
        "或本校本专业全日制在籍学生（含应届毕业生）。",
        "min_years": 4,
        "prior_level": 5,
        "alternative_years": 6,
        "students_exempt": True,
        "subjects": ["theory", "practical"],
    },
    "3": {
        "text": "取得本职业四级证书后累计从事本职业工作5年（含）以上；或取得四级证书并具有高级技工学校、技师学院"
        "本专业毕业证书（含应届毕业生）。",
        "min_years": 5,
        "prior_level": 4,
        "students_exempt": False,
        "subjects": ["theory", "practical"],
    },
}
BATCH_NAME = "2026年第12批 电工四级"
BATCH_LEVEL = 4

STAFF = (
    (7000000001, "admin", "周主任"),
    (7000000002, "staff", "吴老师"),
    (7000000003, "proctor", "郑老师"),
    (7000000004, "assessor", "冯工程师"),
    (7000000005, "supervisor", "陈督导"),
    (7000000006, "proctor", "褚老师"),
)
# Approved applicants of the demo batch (made-up Telegram ids): name, gender, birth date, sequence of the ID number.
APPLICANTS = (
    (7100000001, "刘建国", "male", "1988-03-12", 211),
    (7100000002, "黄晓燕", "female", "1993-07-25", 222),
    (7100000003, "杨帆", "male", "1996-11-02", 233),
    (7100000004, "何丽娟", "female", "1990-01-18", 244),
)
APPLICANT_REGION = "360102"
APPLICANT_UNIT = "南昌电力维修有限公司"
# The demo batch's sittings (local times on the exam day) and rooms: (subject, start, end, site), (subject, room, kind, capacity).
BATCH_SESSIONS = (
    ("theory", "09:00", "10:30", "南昌技师学院 教学楼3楼"),
    ("practical", "14:00", "16:00", "南昌技师学院 实训楼A座2楼"),
)
BATCH_ROOMS = (
    ("theory", "301", "desk", 30),
    ("practical", "电工实训室", "station", 12),
)
BATCH_CHIEF, BATCH_DEPUTY, BATCH_ASSESSOR, BATCH_SUPERVISOR = 7000000003, 7000000006, 7000000004, 7000000005

# 县级行政区划代码 (GB/T 2260) of 江西 and two of 湖南, for plausible ID numbers.
REGIONS = (
    "360102", "360103", "360104", "360111", "360112", "360113", "360121", "360123", "360124",
    "360202", "360302", "360402", "360502", "360602", "360702", "360802", "360902", "361002",
    "361102", "430102", "430104",
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军勇杰涛明超辉刚平鹏华飞鑫波斌宇浩凯健俊峰建国志文博晨阳东海林"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英慧莹雪琳婷玲洁倩颖佳欣悦梅兰红燕萍琴云凤"
WORK_UNITS = (
    "江西洪都电气设备有限公司",
    "南昌青山湖机械制造有限公司",
    "南昌赣江技工学校（在籍学生）",
    "江西昌北建设工程有限公司",
    "南昌红谷滩家政服务有限公司",
    "个体从业",
)


@dataclass(frozen=True)
class DemoCertificate:
    """One generated certificate record in plain text (encrypted by the loader)."""

    number: str
    holder_name: str
    id_number: str
    work_unit: str
    occupation: DemoOccupation
    level: int
    issue_date: date


def _name(rng: random.Random, male: bool) -> str:
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def _issue_date(rng: random.Random) -> date:
    """A batch day (the 15th or the 28th) in 2023-01 … the anchor month."""
    months = (ANCHOR.year - 2023) * 12 + ANCHOR.month
    index = rng.randrange(months)
    day = date(2023 + index // 12, index % 12 + 1, rng.choice((15, 28)))
    return min(day, ANCHOR)


def generate_certificates(count: int = CERTIFICATE_COUNT, seed: int = SEED) -> list[DemoCertificate]:
    """Deterministic certificates with unique, valid ID numbers and K2 numbers numbered per year and level."""
    rng = random.Random(seed)
    drafts: list[tuple[date, int, DemoOccupation, str, str, str]] = []
    seen_ids: set[str] = set()
    while len(drafts) < count:
        occupation = rng.choice(OCCUPATIONS)
        level = rng.choice(occupation.levels)
        issued = _issue_date(rng)
        male = rng.random() < (0.15 if occupation.name == "育婴员" else 0.85)
        born = issued - timedelta(days=rng.randint(18 * 366, 52 * 365))
        sequence = rng.randrange(0, 1000, 2) + (1 if male else 0)
        if sequence > 999:
            sequence -= 2
        id_number = make_resident_id(rng.choice(REGIONS), born, sequence)
        if id_number in seen_ids:
            continue
        seen_ids.add(id_number)
        drafts.append((issued, level, occupation, _name(rng, male), id_number, rng.choice(WORK_UNITS)))
    drafts.sort(key=lambda d: (d[0], d[1], d[4]))
    serials: dict[tuple[int, int], int] = {}
    out = []
    for issued, level, occupation, name, id_number, unit in drafts:
        serial = serials.get((issued.year, level), 0) + 1
        serials[(issued.year, level)] = serial
        number = format_k2(CATEGORY, EVALUATOR_CODE, PROVINCE, SITE_SERIAL, issued.year, level, serial)
        out.append(DemoCertificate(number, name, id_number, unit, occupation, level, issued))
    return out
