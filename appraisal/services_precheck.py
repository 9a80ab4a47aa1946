"""A6: the pre-check (数据核查). (Filled in by the pre-check work.)"""


def precheck_panel(panel) -> None:
    """Compute the pre-check hits of the panel's households and record the flags on their decisions."""
    return None
