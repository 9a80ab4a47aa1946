"""Message backends for the tests of the pluggable sender (settings.POST_LOAN_MESSAGE_BACKEND)."""

from post_loan.messaging import MessageBackend

SENT: list[tuple[str, str]] = []


class RecordingBackend(MessageBackend):
    """A stand-in for the bank's SMS gateway: keeps what it was given."""

    def send(self, phone: str, body: str) -> None:
        SENT.append((phone, body))


class FailingBackend(MessageBackend):
    def send(self, phone: str, body: str) -> None:
        raise ConnectionError("gateway refused: quota exceeded")
