"""Disclosure: who may read a person's credit record, and the trace every read leaves.

Seeds: personal credit records are queried only by the person or with the person's
authorization (001 §三(六); 003 item 4; 004 item 20); query use is registered and
reviewed (002 §二(三)1; 003 item 8; 004 item 14). Law: a third party needs the
person's consent for a stated purpose and may use the result for nothing else
(《征信业管理条例》 art. 18, 20). DESIGN §5 (authorization lifecycle), §6, §7.

Secrets (one-time codes, authorization codes) are stored only as keyed HMAC-SM3
digests; the clear value is shown once and never kept.

The models by subject: :mod:`.accounts` (citizens' accounts), :mod:`.institutions`,
:mod:`.authorizations`, :mod:`.queries` (the query log), :mod:`.reports`.
"""

from __future__ import annotations

from disclosure.models.accounts import CitizenProfile, PasswordReset, PendingRegistration
from disclosure.models.authorizations import Authorization, Purpose
from disclosure.models.institutions import Institution, InstitutionAPIKey, InstitutionStaff
from disclosure.models.queries import QueryLog
from disclosure.models.reports import CreditReport, MandatoryContent

__all__ = [
    "Authorization",
    "CitizenProfile",
    "CreditReport",
    "Institution",
    "InstitutionAPIKey",
    "InstitutionStaff",
    "MandatoryContent",
    "PasswordReset",
    "PendingRegistration",
    "Purpose",
    "QueryLog",
]
