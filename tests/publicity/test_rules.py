"""P1/P2 rules without a database: the batch words, name masking, the notice period."""

import datetime

import pytest

from publicity import rules


@pytest.mark.parametrize(("n", "words"), [(1, "拟第一批授信"), (2, "拟第二批授信"), (10, "拟第十批授信"),
                                          (12, "拟第十二批授信"), (20, "拟第二十批授信"), (99, "拟第九十九批授信")])
def test_batch_words(n, words):
    assert rules.batch_words(n) == words


def test_ordinal_out_of_range():
    with pytest.raises(ValueError):
        rules.chinese_ordinal(0)


@pytest.mark.parametrize(("name", "masked"), [("张小三", "张*三"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"),
                                              ("李", "李"), ("", "")])
def test_mask_name(name, masked):
    assert rules.mask_name(name) == masked
    assert rules.mask_name(name, full=True) == name


def test_notice_period_counts_its_first_day():
    assert rules.notice_period(datetime.date(2026, 12, 1), 3) == (datetime.date(2026, 12, 1),
                                                                   datetime.date(2026, 12, 3))
    assert rules.notice_period(datetime.date(2026, 12, 31), 3)[1] == datetime.date(2027, 1, 2)
    with pytest.raises(ValueError):
        rules.notice_period(datetime.date(2026, 12, 1), 0)
