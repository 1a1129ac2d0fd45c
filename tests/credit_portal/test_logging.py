from __future__ import annotations

import logging

from credit_portal.logging import RedactingFormatter, redact


def test_formatter_masks_id_numbers_and_phones_in_output():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "id %s phone %s", ("11010519491231002X", "13812345678"), None)
    output = RedactingFormatter("%(message)s").format(record)
    assert output == "id [ID] phone [PHONE]"
    # The record itself is left alone for other handlers.
    assert record.getMessage() == "id 11010519491231002X phone 13812345678"


def test_longer_digit_runs_are_not_mistaken_for_numbers():
    assert redact("order 1234567890123456789012") == "order 1234567890123456789012"


def test_durations_are_not_mistaken_for_numbers():
    assert redact("succeeded in 0.012345678901234567s") == "succeeded in 0.012345678901234567s"
    assert redact("phone 13812345678.") == "phone [PHONE]."  # a sentence end is not a fraction
