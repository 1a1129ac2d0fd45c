"""Evidence on S3-compatible object storage through django-storages, against a real
S3 endpoint on a loopback port (moto's server mode), not a mock of boto3."""

from __future__ import annotations

import socket
import uuid

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archives import services
from tests.archives.conftest import negative_data

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    try:
        from moto.server import ThreadedMotoServer

        port = _free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
    except Exception as exc:  # noqa: BLE001 - any failure to start is a visible skip
        pytest.skip(f"no local S3-compatible endpoint (moto[server]) could start: {exc}")
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def object_storage(s3_endpoint, settings):
    import boto3

    bucket = f"evidence-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")  # noqa: S106 - local endpoint
    client.create_bucket(Bucket=bucket)
    # The same options the settings build from OBJECT_STORAGE_* (credit_portal/settings.py).
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": bucket, "endpoint_url": s3_endpoint, "region_name": "us-east-1",
                    "access_key": "test", "secret_key": "test", "default_acl": None, "file_overwrite": False,
                    "querystring_auth": True, "addressing_style": "path", "location": ""},
    }}
    storages._storages.pop("default", None)
    yield client, bucket
    storages._storages.pop("default", None)


@pytest.mark.django_db
def test_evidence_is_stored_in_the_bucket_and_served_through_the_checked_view(object_storage, client, world):
    s3, bucket = object_storage
    record = services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world))
    evidence = services.attach_evidence(
        SimpleUploadedFile("张三的处罚决定书.pdf", PDF, "application/pdf"), record=record, by=world.edu_clerk
    )
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == [evidence.file.name]
    # The original name (personal data) stays in the database, never in the object key.
    assert "张三" not in keys[0]
    assert ".pdf" not in keys[0]
    assert s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read() == PDF

    client.force_login(world.edu_clerk)
    response = client.get(reverse("archives:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_out_of_scope_staff_cannot_read_the_object(object_storage, client, world):
    record = services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world))
    evidence = services.attach_evidence(SimpleUploadedFile("p.pdf", PDF, "application/pdf"), record=record,
                                        by=world.edu_clerk)
    client.force_login(world.health_clerk)
    assert client.get(reverse("archives:evidence_download", args=[evidence.pk])).status_code == 404


def test_settings_switch_to_object_storage_from_the_environment():
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.STORAGES['default']))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBJECT_STORAGE_")}
    env["DJANGO_SETTINGS_MODULE"] = "credit_portal.settings"
    root = Path(__file__).resolve().parents[2]

    def storage(**extra: str) -> dict:
        out = subprocess.run([sys.executable, "-c", probe], env={**env, **extra}, cwd=root,  # noqa: S603
                             capture_output=True, text=True, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    assert storage()["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    s3 = storage(OBJECT_STORAGE_BUCKET="evidence", OBJECT_STORAGE_ENDPOINT_URL="http://minio:9000",
                 OBJECT_STORAGE_ACCESS_KEY="k", OBJECT_STORAGE_SECRET_KEY="s")
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "evidence"
    assert s3["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert s3["OPTIONS"]["default_acl"] is None
