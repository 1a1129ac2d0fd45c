"""People, their archives, credit records, yearly findings and evidence (DESIGN §3).

Nothing published is edited in place or deleted: a change is a new version of the
record (``lineage`` + ``version``), withdrawal, repair and expiry are states. Every
state change goes through ``archives.services``.

One module per subject; import from here: ``from archives.models import CreditRecord``.
The migrations name ``archives.models.evidence_upload_to``, so it stays importable here.
"""

# Imported in the order the models were defined when this was one module, so the app
# registry keeps its model order: reverse relations, the deletion collector's order and
# the permissions created at migrate are what they were.
# isort: off
from archives.models.subjects import Archive, Education, Gender, PoliticalStatus, Subject
from archives.models.records import CreditRecord, DisplayRule, Tier
from archives.models.findings import AnnualFinding
from archives.models.evidence import Evidence, evidence_upload_to
from archives.models.changes import RecordChange
from archives.models.notices import Notice
from archives.models.grants import ArchiveGroupObjectPermission, ArchiveUserObjectPermission
# isort: on

__all__ = [
    "AnnualFinding", "Archive", "ArchiveGroupObjectPermission", "ArchiveUserObjectPermission", "CreditRecord",
    "DisplayRule", "Education", "Evidence", "Gender", "Notice", "PoliticalStatus", "RecordChange", "Subject", "Tier",
    "evidence_upload_to",
]
