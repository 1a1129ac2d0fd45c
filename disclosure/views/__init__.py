"""Pages of the disclosure app: citizen portal, institution queries, reports, public lists."""
