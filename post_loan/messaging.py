"""C2: the pluggable text-message sender. settings.POST_LOAN_MESSAGE_BACKEND names the class (a dotted path,
loaded with import_string), so the bank's SMS gateway is plugged in by configuration, without code changes:
write a subclass of MessageBackend whose send() calls the gateway and raises when it refuses.

Whatever the backend, every message is recorded as a post_loan.Message row by the caller
(services.reminders), with its status and error; the backends only deliver.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from sunshine_credit.lib.masking import mask_phone, mask_text

logger = logging.getLogger("post_loan.messaging")


class MessageBackend:
    """Deliver one text message. `send` returns None when the message was handed over and raises (any exception,
    its text becomes the Message's error) when it was not."""

    def send(self, phone: str, body: str) -> None:
        raise NotImplementedError


class DatabaseBackend(MessageBackend):
    """Records only: the Message row is the message (development, and banks without a gateway yet)."""

    def send(self, phone: str, body: str) -> None:
        return None


class ConsoleBackend(MessageBackend):
    """Writes each message to the application log, with the phone and any ID or phone number in it masked (R4)."""

    def send(self, phone: str, body: str) -> None:
        logger.info("text message to %s: %s", mask_phone(phone), mask_text(body))


def backend_path() -> str:
    return settings.POST_LOAN_MESSAGE_BACKEND


def get_backend() -> MessageBackend:
    """An instance of the configured backend."""
    return import_string(backend_path())()
