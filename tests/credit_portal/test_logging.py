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


def test_a_uuid_is_not_mistaken_for_a_phone():
    task = "Task credit_portal.tasks.deliver_sms[3fbe3dd0-5842-41d0-86a1-c13812345678] succeeded"
    assert redact(task) == task
    # A phone next to a UUID is still masked.
    assert redact("3fbe3dd0-5842-41d0-86a1-c13812345678 13812345678") == "3fbe3dd0-5842-41d0-86a1-c13812345678 [PHONE]"
    assert redact("id 11010519491231002X, job 3fbe3dd0-5842-41d0-86a1-c13812345678") == (
        "id [ID], job 3fbe3dd0-5842-41d0-86a1-c13812345678")
