"""Thin job interfaces of the credit-use app (STYLE §4): each calls one service."""

from celery import shared_task


@shared_task(name="credit_use.lines_take_effect", time_limit=3000)
def lines_take_effect() -> dict:
    """P5, on Celery beat ("lines-take-effect", hourly). Idempotent: a redelivery or an overlapping run finds
    nothing left to do (the service locks each board)."""
    from .services.lines import lines_take_effect as run

    return run()


@shared_task(name="credit_use.export_precredit", acks_late=True, time_limit=1800)
def export_precredit(job_id: int) -> None:
    """The core-banking batch template of a campaign (GeneratedFile job), in the asker's scope."""
    from sunshine_credit.services import run_file_job

    from .exports import precredit_render

    run_file_job(job_id, precredit_render)


@shared_task(name="credit_use.large_loan_registers", acks_late=True, time_limit=1800)
def large_loan_registers() -> dict:
    """P6: the villages' large-loan registers of last month (one per village and month; a rerun adds none)."""
    from .services.large_loans import large_loan_registers as publish

    return publish()


@shared_task(name="credit_use.overdue_sweep", time_limit=3000)
def overdue_sweep() -> dict:
    """U9, on Celery beat ("overdue-sweep", daily). Idempotent: a redelivery or an overlapping run opens no second
    case (one per drawdown and cause)."""
    from .services.overdue import overdue_sweep as run

    return run()
