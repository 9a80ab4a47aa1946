"""R4: application logs never carry a whole ID or mobile number."""

import logging
import re

ID_RE = re.compile(r"(?<![\d.])(\d{6})\d{8}(\d{3}[\dXx])(?![\d.])|(?<![\d.])(\d{6})\d{5}(\d{4})(?![\d.])")
PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    def id_sub(m):
        if m.group(1):
            return f"{m.group(1)}********{m.group(2)}"
        return f"{m.group(3)}*****{m.group(4)}"

    return PHONE_RE.sub(r"\1****\2", ID_RE.sub(id_sub, text))


class MaskPersonalData(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
