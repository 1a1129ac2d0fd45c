"""Settings of the page benchmark: the portal's own, with the bare baseline view added
to the URLs and the per-client rate limits lifted (every benchmark request comes from
one loopback address and one account; the limits would answer 429 after a minute).
The staff second factor is on, as in production (``DJANGO_ENV=production`` turns it on
there): every signed-in request pays for it, so the benchmark must too. The staff
accounts of bench/pages.py have a confirmed authenticator and sessions verified with it."""

from credit_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DISCLOSURE_PUBLIC_PER_IP_MINUTE = 10**9
DISCLOSURE_VERIFY_PER_IP_WINDOW = 10**9
DISCLOSURE_QUERIES_PER_USER_HOUR = 10**9
DISCLOSURE_REFUSALS_PER_USER_HOUR = 10**9
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
STAFF_OTP_REQUIRED = True
