from archives.models.records import (
    AnnualFinding,
    Archive,
    ArchiveGroupObjectPermission,
    ArchiveUserObjectPermission,
    CreditRecord,
    DisplayRule,
    Education,
    Evidence,
    Gender,
    Notice,
    PoliticalStatus,
    RecordChange,
    Subject,
    Tier,
    evidence_upload_to,
)

__all__ = [
    "AnnualFinding", "Archive", "ArchiveGroupObjectPermission", "ArchiveUserObjectPermission", "CreditRecord",
    "DisplayRule", "Education", "Evidence", "Gender", "Notice", "PoliticalStatus", "RecordChange", "Subject", "Tier",
    "evidence_upload_to",
]
