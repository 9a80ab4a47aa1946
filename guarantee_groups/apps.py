from django.apps import AppConfig


class GuaranteeGroupsConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'guarantee_groups'

    def ready(self):
        from sunshine_credit import audit, sections

        from .selectors import household_groups_present, household_groups_section

        # Issue 15 item 3: the household's joint-guarantee group (reading order of the page: surveys/apps.py).
        sections.register(page="household", key="groups", order=50,
                          template="guarantee_groups/includes/household_groups.html", context=household_groups_section,
                          present=household_groups_present)

        # G1–G7: groups and their members.
        audit.register(self.get_model("GuaranteeGroup"), exclude_fields=["version", "checked_at"])
        audit.register(self.get_model("GroupMember"))
