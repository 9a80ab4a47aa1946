"""The demo's eight disclosures (V3) for both branches, and the officers' board data (a work phone and a drawn
placeholder photo), so that the public page and the three boards have something to show. Idempotent: a section
or a profile that exists is left alone (the administrator may have edited it)."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from sunshine_credit.models import Branch, Role, StaffProfile

from ..models import Disclosure, DisclosureVersion, OfficerBoardProfile, Section

TEXTS = {
    Section.PRODUCTS: "农户小额信用贷款（阳光信贷预授信，随借随还）；农户联保贷款；个体工商户经营贷款；保证、抵押、质押贷款。",
    Section.CONDITIONS: "年满18周岁、具有完全民事行为能力的本地常住农户；有稳定收入来源、信用良好；"
                        "申请时提供户口簿、身份证，联保贷款另需联保小组协议。",
    Section.PROCESS: "走访建档、入户调查、评议小组评议、张榜公示后授信；授信有效期内凭身份证到网点申请用信。",
    Section.PRICING: "执行本行贷款利率定价办法：以贷款市场报价利率（LPR）为基础，按信用等级、担保方式和期限加点，"
                     "利率在借款合同中载明。",
    Section.FEES: "办理信用贷款不收取任何费用；抵押登记、评估等费用按国家规定由相关部门收取，本行不代收。",
    Section.OFFICERS: "客户经理实行包片负责制、首问负责制，为农户提供上门服务。",
    Section.CHANNELS: "监督电话见上；网点设有意见箱，每月开箱；可扫描客户经理名片二维码提交评价或投诉，"
                      "投诉由总行稽核部门受理，不转交被投诉人所在网点。",
    Section.COMMITMENTS: "廉洁办贷：不吃、拿、卡、要，不收受客户任何财物。优质服务：首问负责，一次告知所需资料。",
}
WORK_PHONES = {"officer1": "0393-6211812", "officer3": "0393-6211813", "officer2": "0393-6355822"}


def seed_disclosures(office, users) -> dict:
    created = {"disclosures": 0, "officer_profiles": 0}
    admin = users["admin"]
    for branch in Branch.objects.filter(head_office=office, code__in=["BR01", "BR02"]):
        for section, text in TEXTS.items():
            row, new = Disclosure.objects.get_or_create(branch=branch, section=section, defaults={
                "head_office": office, "text": text, "version": 1, "updated_by": admin})
            if new:
                DisclosureVersion.objects.create(disclosure=row, number=1, previous_text="", text=text,
                                                 changed_by=admin)
                created["disclosures"] += 1
    for profile in StaffProfile.objects.filter(head_office=office, role=Role.OFFICER, user__username__in=WORK_PHONES):
        username = profile.user.username
        board, new = OfficerBoardProfile.objects.get_or_create(user=profile.user, defaults={
            "head_office": office, "public_work_phone": WORK_PHONES[username], "photo_type": "image/png",
            "updated_by": admin})
        if new:
            board.photo.save("photo.png", ContentFile(_placeholder()), save=True)
            created["officer_profiles"] += 1
    return created


def _placeholder() -> bytes:
    """A plain portrait-sized picture (the demo has no real photos)."""
    picture = Image.new("RGB", (300, 400), (214, 228, 240))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((90, 60, 210, 180), fill=(120, 144, 170))
    draw.rounded_rectangle((50, 200, 250, 400), radius=60, fill=(120, 144, 170))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()
