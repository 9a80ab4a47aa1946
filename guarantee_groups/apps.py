from django.apps import AppConfig


class GuaranteeGroupsConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'guarantee_groups'

    def ready(self):
        from sunshine_credit import audit

        # G1–G7: groups and their members.
        audit.register(self.get_model("GuaranteeGroup"), exclude_fields=["version", "checked_at"])
        audit.register(self.get_model("GroupMember"))
