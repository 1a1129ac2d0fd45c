"""Settings for the container build's own steps (collectstatic, compilemessages).

The build has no production secrets and must not need any: it loads the embedded
profile (its throwaway keys go to a temporary CREDIT_PORTAL_LOCAL_DIR the Dockerfile
deletes) with production's static storage, so the image holds the hashed, compressed
files and the manifest that production serves. Never used to run the portal.
"""

from __future__ import annotations

from credit_portal.settings import *  # noqa: F403
from credit_portal.settings import PRODUCTION, STORAGES

if PRODUCTION:
    raise RuntimeError("credit_portal.settings_build is for the image build only; unset DJANGO_ENV.")

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
