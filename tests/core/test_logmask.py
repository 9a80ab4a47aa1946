"""R4: application logs never carry a whole ID or mobile number."""

import logging

from sunshine_credit.logmask import MaskPersonalData, mask_text


def test_ids_and_phones_are_masked_in_log_text():
    text = "member 11010519491231002X (old 110105491231002) phone 13812345678 took 0.022963126923666s"
    masked = mask_text(text)
    assert "110105********002X" in masked and "110105*****1002" in masked and "138****5678" in masked
    assert "11010519491231002X" not in masked and "13812345678" not in masked
    assert "0.022963126923666s" in masked  # a duration is not an ID


def test_filter_rewrites_the_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "saved %s", ("440524188001010014",), None)
    assert MaskPersonalData().filter(record) is True
    assert record.getMessage() == "saved 440524********0014"
