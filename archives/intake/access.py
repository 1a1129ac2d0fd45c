"""Access to the intake pages: department staff only (DESIGN §6), the same rule as
the archives pages; ``NotFound`` becomes 404 so scope never leaks."""

from __future__ import annotations

from archives.intake import permissions
from credit_portal.http import guarded

staff_view = guarded(permissions.can_use_intake_pages)
