"""P4 at the counter and reconsideration (复议): included by publicity/urls.py (namespace "publicity")."""

urlpatterns = []
