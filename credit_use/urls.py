"""P5: credit lines (授信额度) and their history."""

app_name = "credit_use"

urlpatterns = []
