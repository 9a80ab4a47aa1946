from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SunshineCreditConfig(AppConfig):
    name = "sunshine_credit"
    verbose_name = _("Organisation and staff")

    def ready(self):
        # The audit machinery (R4); each app registers its own models from its ready(), as below.
        from . import audit

        audit.register(self.get_model("BlacklistEntry"), mask_fields=["id_number"], exclude_fields=["version"])
        audit.register(self.get_model("Approval"))
        audit.register(self.get_model("CalendarDay"))
        audit.register(self.get_model("StaffProfile"), mask_fields=["phone"])
        audit.register(self.get_model("RoleChange"))
        # The staff role change's approval kind (R2), and the session clocks of the login gate (R9).
        from django.contrib.auth.signals import user_logged_in

        from .staff import services  # noqa: F401  (registers "staff_role_change")
        from .staff.login import stamp_login

        user_logged_in.connect(stamp_login, dispatch_uid="sunshine_credit.staff.login.stamp_login")
