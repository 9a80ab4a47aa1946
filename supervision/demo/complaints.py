"""The demo's complaints, evaluation cards (V4) and a suggestion-box opening (V5), so that audit's list, a complaint's
page, the public look-up and the openings have rows:

- 城关支行 (BR01): a complaint about officer1 written down at the counter by teller1, an evaluation card "有问题" about
  officer1 from his card's QR code (both escalated, with their due dates), a "满意" card about officer3 from hers;
  an opening of the suggestion box recorded by teller1 and signed by officer3, its two cards entered.
- 王庄支行 (BR02): a complaint from the branch board's QR code, handled by the auditor (result and reply).

Everything goes through supervision.services.complaints (the QR codes' tokens, the routing to head-office audit, the
due dates, the two signatures, the audit with each actor). Idempotent: a complaint or card is found by its text, the
opening by its note; what exists is left alone."""

import datetime

from auditlog.context import set_actor
from django.utils import timezone

from sunshine_credit.models import Branch
from sunshine_credit.scoping import scope_for_profile

from ..models import Complaint, ComplaintChannel, SuggestionBoxOpening
from ..services import complaints as services

COUNTER = "客户经理张伟办理用信时让我跑了三趟，每次只说缺一样材料，没有一次告知需要哪些资料。"
PROBLEM = "客户经理到村里走访时态度生硬，问他授信额度怎么定的也不解释。"
SATISFIED = "吴经理上门服务，讲解耐心，办事很快。"
HANDLED = "周六上午到网点办理还款，贷款窗口无人值班，等了一个多小时。"
HANDLED_RESULT = "经调阅监控和值班表核实，当日值班客户经理临时外出未安排替岗，情况属实；已对网点负责人进行约谈，并通报批评。"
HANDLED_REPLY = "您反映的情况属实，我行已责令网点落实周末值班替岗制度，给您带来不便深表歉意。感谢您的监督！"
OPENING_NOTE = "演示：意见箱月度开箱"
BOX_CARDS = [
    {"officer": "officer3", "kind": Complaint.Kind.EVALUATION, "rating": Complaint.Rating.FAIR,
     "content": "服务还可以，希望放款再快一些。"},
    {"officer": None, "kind": Complaint.Kind.COMPLAINT, "rating": "",
     "content": "营业厅没有老花镜和便民座椅，老年人填单不方便。"},
]


def seed_complaints(office, users: dict) -> dict:
    created = {"complaint_channels": 0, "complaints": 0, "openings": 0}
    admin, auditor = users["admin"], users["auditor"]
    created["complaint_channels"] = services.channels_ensure(scope=scope_for_profile(admin.staff_profile))
    branches = {branch.code: branch for branch in Branch.objects.filter(head_office=office)}
    have = set(Complaint.objects.filter(head_office=office).values_list("content", flat=True))
    br01 = branches["BR01"]

    if COUNTER not in have:
        teller = users["teller1"]
        with set_actor(teller):
            services.complaint_enter_counter(
                scope=scope_for_profile(teller.staff_profile), actor=teller, branch_id=br01.pk,
                officer_id=users["officer1"].pk, kind=Complaint.Kind.COMPLAINT, content=COUNTER, name="王德顺",
                phone="13803931234")
        created["complaints"] += 1
    for officer, rating, text, name in (("officer1", Complaint.Rating.PROBLEM, PROBLEM, ""),
                                        ("officer3", Complaint.Rating.SATISFIED, SATISFIED, "刘桂英")):
        if text not in have:
            token = _token(br01, users[officer])
            services.complaint_file_public(officer_token=token, kind=Complaint.Kind.EVALUATION, rating=rating,
                                           content=text, name=name)
            created["complaints"] += 1
    if HANDLED not in have:
        complaint = services.complaint_file_public(branch_token=_token(branches["BR02"], None),
                                                   kind=Complaint.Kind.COMPLAINT, content=HANDLED, name="杨春生",
                                                   phone="0393-6355123")
        with set_actor(auditor):
            services.complaint_handle(scope=scope_for_profile(auditor.staff_profile), actor=auditor,
                                      complaint_id=complaint.pk, version=complaint.version, result=HANDLED_RESULT,
                                      reply=HANDLED_REPLY)
        created["complaints"] += 1
    made = _opening(br01, users)
    created["openings"] += made
    created["complaints"] += made * len(BOX_CARDS)
    return created


def _token(branch, officer) -> str:
    return ComplaintChannel.objects.get(branch=branch, officer=officer).token


def _opening(branch, users: dict) -> int:
    """V5: teller1 records the opening three days ago, officer3 signs as the second person, teller1 enters the cards."""
    if SuggestionBoxOpening.objects.filter(branch=branch, note=OPENING_NOTE).exists():
        return 0
    first, second = users["teller1"], users["officer3"]
    scope = scope_for_profile(first.staff_profile)
    with set_actor(first):
        opening = services.opening_record(scope=scope, actor=first, card_count=len(BOX_CARDS), note=OPENING_NOTE,
                                          opened_on=timezone.localdate() - datetime.timedelta(days=3))
    with set_actor(second):
        services.opening_confirm(scope=scope_for_profile(second.staff_profile), actor=second, opening_id=opening.pk)
    with set_actor(first):
        for card in BOX_CARDS:
            officer = users[card["officer"]].pk if card["officer"] else None
            services.opening_card_enter(scope=scope, actor=first, opening_id=opening.pk, officer_id=officer,
                                        kind=card["kind"], rating=card["rating"], content=card["content"])
    return 1
