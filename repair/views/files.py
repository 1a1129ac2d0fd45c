"""Case files: only to someone who may see the case, audited, always as an attachment
with nosniff so a browser never renders an uploaded file as a page (DESIGN §8)."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from credit_portal.exceptions import NotFound
from repair import selectors


@require_GET
@login_required
@never_cache
def case_file(request: HttpRequest, file_id: uuid.UUID) -> HttpResponse:
    try:
        row = selectors.get_file_for_view(request.user, file_id, request=request)
    except NotFound:
        raise Http404 from None
    response = FileResponse(row.file.open("rb"), as_attachment=True, filename=row.original_name,
                            content_type=row.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
