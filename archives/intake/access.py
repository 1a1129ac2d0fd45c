"""Access to the intake pages: department staff only (DESIGN §6), the same rule as
the archives pages; ``NotFound`` becomes 404 so scope never leaks."""

from __future__ import annotations

from credit_portal.http import guarded
from departments.scope import department_ids, is_credit_office

staff_view = guarded(lambda user: bool(department_ids(user) or is_credit_office(user)))
