"""Varied ticket views for the tickets benchmark: both locales, with and without photo, 1-3 sittings, long sites.

A few given names use rarer characters (琦 is level-2 GB2312, 玥 and 堃 are outside GB2312), as real rosters do,
so the PDF figures include documents that need a bigger font face.
"""

from __future__ import annotations

import base64
import io
import random

from PIL import Image, ImageDraw

from bot.rendering.ticket_view import TicketSessionView, TicketView

SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "欧阳", "司马", "诸葛", "上官"]
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "琦", "玥", "堃"]
PINYIN = ["Wang Wei", "Li Fang", "Zhang Na", "Liu Xiuying", "Chen Min", "Yang Jing", "Ouyang Lei", "Zhuge Ming"]
OCCUPATIONS = [
    ("电工（维修电工）", "Electrician (maintenance)"),
    ("焊工", "Welder"),
    ("车工", "Lathe operator"),
    ("育婴员", "Infant care worker"),
    ("中式烹调师", "Chinese cuisine chef"),
    ("企业人力资源管理师", "Enterprise human resources manager"),
    ("计算机程序设计员", "Computer programmer"),
    ("汽车维修工（汽车机械维修工）", "Automobile repair worker (mechanical)"),
]
LEVELS = [("五级/初级工", "Level 5 / Junior"), ("四级/中级工", "Level 4 / Intermediate"), ("三级/高级工", "Level 3 / Senior")]
SITES = [
    "常州技师学院",
    "常州市技师学院（武进校区）实训楼三楼东侧计算机机房",
    "江苏省常州市新北区职业技能等级认定考试中心A座",
    "武进职业教育中心校",
]
SUBJECTS = [("理论知识", "Theory"), ("技能操作", "Practical skills"), ("综合评审", "Overall review")]
TIMES = ["09:00–10:30", "13:30–15:30", "15:00–17:00"]


def _photos(rng: random.Random) -> list[bytes]:
    """A few JPEG "ID photos" of camera-like sizes (white background, head and shoulders)."""
    out: list[bytes] = []
    for size in ((413, 579), (900, 1260), (1200, 1600)):
        image = Image.new("RGB", size, (250, 250, 250))
        draw = ImageDraw.Draw(image)
        w, h = size
        tone = tuple(rng.randint(150, 220) for _ in range(3))
        draw.ellipse([w * 0.28, h * 0.15, w * 0.72, h * 0.58], fill=tone)
        draw.rectangle([w * 0.12, h * 0.62, w * 0.88, h], fill=(30, 40, 90))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        out.append(buffer.getvalue())
    return out


def sample_views(count: int, seed: int = 20261123) -> list[TicketView]:
    """`count` different tickets: about 70% Chinese, half with a photo, each with its own QR token and number."""
    rng = random.Random(seed)
    photos = _photos(rng)
    views: list[TicketView] = []
    for n in range(count):
        zh = rng.random() < 0.7
        pick = 0 if zh else 1
        occupation, level = rng.choice(OCCUPATIONS)[pick], rng.choice(LEVELS)[pick]
        sessions = []
        for s in range(rng.randint(1, 3)):
            site = rng.choice(SITES)
            subject = SUBJECTS[s][pick]
            date = f"2026年12月{5 + s}日" if zh else f"{5 + s} Dec 2026"
            room = f"第{rng.randint(1, 20)}考场" if zh else f"Room {rng.randint(1, 20)}"
            sessions.append(TicketSessionView(subject, date, rng.choice(TIMES), site, room, str(rng.randint(1, 40))))
        token = base64.urlsafe_b64encode(rng.randbytes(18)).decode("ascii")
        views.append(
            TicketView(
                locale="zh_CN" if zh else "en",
                number=f"2026{rng.randint(32000000, 32999999)}{n % 10}",
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) if zh else rng.choice(PINYIN),
                gender=rng.choice(["男", "女"]) if zh else rng.choice(["Male", "Female"]),
                id_type="居民身份证" if zh else "Resident ID card",
                id_number=f"{rng.randint(1100, 6599)}**********{rng.randint(1000, 9999)}",
                occupation=occupation,
                level=level,
                batch="2026年第四批职业技能等级认定" if zh else "2026 batch 4 skill level certification",
                institution="常州市职业技能鉴定指导中心" if zh else "Changzhou Vocational Skill Testing Centre",
                sessions=tuple(sessions),
                qr_link=f"https://t.me/skillbot_test_bot?start=tk_{token}",
                issued="2026年11月23日" if zh else "23 Nov 2026",
                photo=photos[n % len(photos)] if n % 2 == 0 else None,
            )
        )
    return views
