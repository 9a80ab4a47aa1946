"""Loans for the post-loan tests (issue 16, C1/C2) on make_drawdown_world's county: `loan(county, i, ...)` writes a
disbursed drawdown of h[i] (东岭村, officer tina) straight to the table; `loan_b(county, ...)` one of 西河村's h_b
(officer bob). `png_data_url()` is a small real PNG as a phone's canvas posts it."""

import base64
import datetime
import io
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled
from PIL import Image, ImageDraw

from credit_use.models import Drawdown, GuaranteeKind
from households.models import Member, Relation

_numbers = iter(range(1, 100000))


def loan(county, i=None, *, household=None, line=None, due_in: int = 150, amount=20000, outstanding=None,
         status=Drawdown.Status.DISBURSED, created_by=None, today=None) -> Drawdown:
    today = today or timezone.localdate()
    household = household or county.h[i]
    line = line or county.lines[i]
    amount = Decimal(amount)
    with scopes_disabled():
        return Drawdown.objects.create(
            head_office=county.head_office, village=household.village, household=household, line=line,
            number=f"PL{next(_numbers):05d}", loan_number=f"JJ{next(_numbers):06d}", amount=amount, purpose="养殖",
            applied_on=today - datetime.timedelta(days=30), due_on=today + datetime.timedelta(days=due_in),
            annual_rate=Decimal("0.065"), guarantee=GuaranteeKind.GROUP, status=status,
            principal_outstanding=amount if outstanding is None else Decimal(outstanding),
            disbursed_at=timezone.now() - datetime.timedelta(days=30), created_by=created_by or county.tina,
            submitted_by=created_by or county.tina, decided_by=county.pat, decided_at=timezone.now(),
            disbursed_by=county.tom)


def loan_b(county, **kwargs) -> Drawdown:
    return loan(county, household=county.h_b, line=county.line_b, created_by=county.bob, **kwargs)


def set_phone(household, phone: str) -> None:
    """The head's phone (and the household's, which the borrower's phone falls back to)."""
    with scopes_disabled():
        Member.objects.filter(household=household, relation=Relation.HEAD).update(phone=phone)
        type(household).objects.filter(pk=household.pk).update(phone=phone)


def png_bytes(size=(300, 120)) -> bytes:
    picture = Image.new("RGB", size, "white")
    ImageDraw.Draw(picture).line([(10, 60), (120, 20), (250, 90)], fill="black", width=3)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def png_data_url(data: bytes | None = None) -> str:
    return "data:image/png;base64," + base64.b64encode(data if data is not None else png_bytes()).decode()
