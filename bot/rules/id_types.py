"""ID document types of the application form and the certificate roster (DOMAIN R4, R5, K1).

Codes and their order follow seed 004 附件5 说明1 (南昌市技工学校职业技能等级认定合格人员花名册):
"201=居民身份证；227=中国护照；210=港澳居民来往内地通行证；237=港澳居民居住证；213=台湾居民来往大陆通行证；
238=台湾居民居住证；208=外国护照；233=外国人永久居留身份证；239/240/241=外国人工作许可证（A/B/C类）；
299=其他个人证件". That list has 12 codes (not 13). Display names live in the locales, keyed by `key`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IdType:
    """One ID document type: the R5 numeric code and a stable ASCII key for locales and storage."""

    code: str
    key: str


RESIDENT_ID = "201"

ID_TYPES: tuple[IdType, ...] = (
    IdType("201", "resident_id"),  # 居民身份证
    IdType("227", "cn_passport"),  # 中国护照
    IdType("210", "hk_mo_permit"),  # 港澳居民来往内地通行证
    IdType("237", "hk_mo_residence"),  # 港澳居民居住证
    IdType("213", "tw_permit"),  # 台湾居民来往大陆通行证
    IdType("238", "tw_residence"),  # 台湾居民居住证
    IdType("208", "foreign_passport"),  # 外国护照
    IdType("233", "foreign_permanent"),  # 外国人永久居留身份证
    IdType("239", "work_permit_a"),  # 外国人工作许可证（A类）
    IdType("240", "work_permit_b"),  # 外国人工作许可证（B类）
    IdType("241", "work_permit_c"),  # 外国人工作许可证（C类）
    IdType("299", "other"),  # 其他个人证件
)

_BY_CODE = {t.code: t for t in ID_TYPES}
_BY_KEY = {t.key: t for t in ID_TYPES}


def by_code(code: str) -> IdType | None:
    """The ID type with this R5 code, or None."""
    return _BY_CODE.get(code)


def by_key(key: str) -> IdType | None:
    """The ID type with this ASCII key, or None."""
    return _BY_KEY.get(key)
