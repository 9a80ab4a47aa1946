from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Household archive")

    def ready(self):
        from sunshine_credit import audit

        audit.register(self.get_model("Household"), mask_fields=["phone"], exclude_fields=["updated_at", "version"])
        audit.register(self.get_model("Member"), mask_fields=["id_number", "phone"])
        audit.register(self.get_model("ExistingLoan"))
        audit.register(self.get_model("ArchiveExport"))
        audit.register_subject("household", household_audit_rows)


def household_audit_rows(scope, code: str):
    """The audit log's reader searching by a household's code (R4): the household's own rows and its members'
    and their existing loans', if the household is in `scope`; None otherwise."""
    from .models import ExistingLoan, Household, Member

    household = (Household.objects.filter(code=code, village_id__in=scope.village_ids,
                                          head_office_id=scope.head_office_id).values_list("pk", flat=True).first())
    if household is None:
        return None
    members = list(Member.objects.filter(household_id=household).values_list("pk", flat=True))
    loans = list(ExistingLoan.objects.filter(member__household_id=household).values_list("pk", flat=True))
    return {Household: [household], Member: members, ExistingLoan: loans}
