"""The password backend of the staff: Django's ModelBackend, reading a session's user with their staff profile in
the same query. Every page reads both (the scope, the login gate, the menu): one query fewer on every request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("staff_profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
