"""R7: the archive export, 农户贷款家庭授信信息档案表, one row per member.

The sheet is a fixed Chinese form (like the roster template), so its headers and data labels are
Chinese whatever the interface language. ID and phone numbers are whole only for households the user
may edit (R5), and always text; amounts and counts are numbers.
"""

import dataclasses
import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sunshine_credit.lib.excel import write_xlsx
from sunshine_credit.scoping import Scope

from .models import Member
from .rules import age_on, mask_id, mask_phone

TITLE = "农户贷款家庭授信信息档案表"
HEADER = ["支行", "村", "村民小组", "户号代码", "姓名", "与户主关系", "身份证号码", "性别", "出生日期", "年龄", "务工",
          "联系电话", "家庭住址", "承包土地亩数", "类别", "公示同意", "建档状态", "存量贷款笔数", "存量贷款余额(元)"]
TEXT_COLUMNS = frozenset({3, 6, 11})  # 户号代码, 身份证号码, 联系电话
SEX = {"M": "男", "F": "女"}
CATEGORY = {"farmer": "农户", "sole_trader": "个体工商户", "small_business": "小微企业主", "resident": "社区居民",
            "public_employee": "机关事业单位人员"}
STATUS = {"roster": "待建档", "archived": "已建档", "excluded": "不予建档"}


def archive_members(*, scope: Scope, village_id: int | None = None, group_id: int | None = None) -> QuerySet:
    """Members of the households the user may read, with their loan count and balance, in one query."""
    members = Member.objects.filter(household__village_id__in=scope.village_ids)
    if village_id:
        members = members.filter(household__village_id=village_id)
    if group_id:
        members = members.filter(household__group_id=group_id)
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))
    return (members.select_related("household__village__branch", "household__group")
            .annotate(loan_count=Count("loans"), loan_balance=Coalesce(Sum("loans__balance"), zero))
            .order_by("household__village__branch__code", "household__village__code", "household__code", "id"))


def archive_rows(members, *, scope: Scope, today: datetime.date | None = None):
    today = today or timezone.localdate()
    for member in members.iterator(chunk_size=2000):
        household = member.household
        full = scope.can_edit_village(household.village_id)
        phone = member.phone or (household.phone if member.relation == "户主" else "")
        yield [household.village.branch.name, household.village.name,
               household.group.name if household.group else "", household.code, member.name, member.relation,
               member.id_number if full else mask_id(member.id_number), SEX.get(member.sex, ""),
               member.birth_date, age_on(member.birth_date, today), "是" if member.works_away else "否",
               phone if full else mask_phone(phone), household.address, household.land_area,
               CATEGORY.get(household.category, household.category), "是" if household.publicity_consent else "否",
               STATUS.get(household.archive_status, household.archive_status), member.loan_count,
               member.loan_balance]


def archive_export(out, *, scope: Scope, village_id: int | None = None, group_id: int | None = None,
                   full_numbers: bool = True) -> int:
    """Write the archive of the user's scope (optionally one village or group) as .xlsx into `out`; returns the
    number of rows. Without `full_numbers` every ID and phone number is masked (R5)."""
    members = archive_members(scope=scope, village_id=village_id, group_id=group_id)
    count = 0

    def counted():
        nonlocal count
        for row in archive_rows(members, scope=scope if full_numbers else _read_only(scope)):
            count += 1
            yield row

    write_xlsx(out, TITLE, HEADER, counted(), text_columns=TEXT_COLUMNS)
    return count


def _read_only(scope: Scope) -> Scope:
    """The same scope with nothing editable: archive_rows then masks every number."""
    return dataclasses.replace(scope, editable_village_ids=())
