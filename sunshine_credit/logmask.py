"""R4: application logs never carry a whole ID or mobile number (the masking itself: lib/masking.py)."""

import logging

from .lib.masking import mask_text


class MaskPersonalData(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
