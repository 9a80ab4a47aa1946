"""P4: the public objection form the board's QR code opens, and the look-up by reference (no login)."""

app_name = "public"

urlpatterns = []
