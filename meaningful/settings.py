"""Settings for Meaningful, read from environment variables (see docs/configuration.md)."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from meaningful.config import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env_path("MEANINGFUL_DATA_DIR", BASE_DIR / "var", documented_default="var")

DEBUG = env_bool("MEANINGFUL_DEBUG", default=False)
ALLOWED_HOSTS = env_list("MEANINGFUL_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("MEANINGFUL_CSRF_TRUSTED_ORIGINS", "")


def _secret_key() -> str:
    """Use MEANINGFUL_SECRET_KEY, or a random key kept in the data folder for this installation."""
    configured = env_str("MEANINGFUL_SECRET_KEY")
    if configured:
        if len(configured) < 40:
            raise ImproperlyConfigured(
                "MEANINGFUL_SECRET_KEY is shorter than 40 characters. Generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
            )
        return configured
    key_file = DATA_DIR / "secret-key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "sqlite:///var/meaningful.sqlite3"), base_dir=BASE_DIR
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL: the role the application connects as, which must not own the tables; migrations
# grant it what it needs and keep the audit trail append-only for it (docs/deployment.md).
DB_APP_ROLE = env_str("MEANINGFUL_DB_APP_ROLE", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "meaningful.accounts",
    "meaningful.audit",
    "meaningful.people",
    "meaningful.frameworks",
    "meaningful.conversations",
    "meaningful.plans",
    "meaningful.demo",
    "meaningful.web",
    "meaningful.interop",
    "meaningful.reports",
    "meaningful.returns",
    "meaningful.api",
    "meaningful.coding",
    "meaningful.national",
    "meaningful.search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "meaningful.web.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "meaningful.audit.middleware.RequestOriginMiddleware",
]

ROOT_URLCONF = "meaningful.urls"
WSGI_APPLICATION = "meaningful.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "meaningful" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "meaningful.accounts.context.navigation",
                "meaningful.reports.context.navigation",
                "meaningful.returns.context.navigation",
                "meaningful.national.context.navigation",
                "meaningful.search.context.navigation",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A staff member's one-time sign-in link works for three days (meaningful.accounts.onboarding).
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Limits on what one request may send, besides an uploaded file (docs/deployment.md): a form or
# API body above 2.5 MB is refused with 413 before any of it is read into a form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger uploads are spooled to a temporary file

SESSION_COOKIE_AGE = 60 * env_int("MEANINGFUL_SESSION_MINUTES", 30, minimum=5)
# How long an administrator's break-glass access to one person's record lasts.
BREAK_GLASS_MINUTES = env_int("MEANINGFUL_BREAK_GLASS_MINUTES", 60, minimum=5)
# How long a person's record is kept after the last contact (docs/subject-access.md), and until
# what age when the person was a child at that contact.
RETENTION_YEARS_AFTER_LAST_CONTACT = env_int(
    "MEANINGFUL_RETENTION_YEARS_AFTER_LAST_CONTACT", 6, minimum=1
)
RETENTION_CHILD_UNTIL_AGE = env_int("MEANINGFUL_RETENTION_CHILD_UNTIL_AGE", 25, minimum=18)
# Every member of staff signs in with a code from an authenticator app as well as a password.
REQUIRE_TWO_FACTOR = env_bool("MEANINGFUL_REQUIRE_TWO_FACTOR", default=True)
SESSION_SAVE_EVERY_REQUEST = True  # the timeout counts from the last thing the user did
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("MEANINGFUL_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind a TLS-terminating proxy (docs/deployment.md): trust its X-Forwarded-Proto header, send
# plain-HTTP visitors to HTTPS and tell browsers to use HTTPS only from then on.
if env_bool("MEANINGFUL_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("MEANINGFUL_HTTPS_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("MEANINGFUL_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = False
# Putting a domain on the browsers' HSTS preload list is its owner's decision, made outside the
# software; the deployment check's reminder about it is therefore switched off.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("MEANINGFUL_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "meaningful" / "static"]
WHITENOISE_USE_FINDERS = True  # serve straight from the package; collectstatic is optional

# Key for the pseudonyms in analysts' extracts; keep it stable, or every pseudonym changes.
PSEUDONYM_KEY = env_str("MEANINGFUL_PSEUDONYM_KEY", "")

# The account that acts for command-line tools and imports, named as such in the audit.
SYSTEM_USERNAME = env_str("MEANINGFUL_SYSTEM_USERNAME", "system")

# National returns: the disclosure policy for national tables (NHS England style by default).
NATIONAL_THRESHOLD = env_int("MEANINGFUL_NATIONAL_THRESHOLD", 8, minimum=1)
NATIONAL_ROUNDING = env_int("MEANINGFUL_NATIONAL_ROUNDING", 5, minimum=1)
NATIONAL_METHOD = env_str("MEANINGFUL_NATIONAL_METHOD", "rounding")
if NATIONAL_METHOD not in ("rounding", "suppression"):
    raise ImproperlyConfigured(
        f"MEANINGFUL_NATIONAL_METHOD={NATIONAL_METHOD!r}: use rounding or suppression."
    )

# FHIR: the base of this installation's canonical URLs, and the identifier systems it writes.
FHIR_BASE_URL = env_str("MEANINGFUL_FHIR_BASE_URL", "https://outcomes.example.org/fhir").rstrip("/")
FHIR_CHI_SYSTEM = env_str("MEANINGFUL_FHIR_CHI_SYSTEM", "urn:oid:2.16.840.1.113883.2.1.3.2.4.16.53")
FHIR_NHS_SYSTEM = env_str("MEANINGFUL_FHIR_NHS_SYSTEM", "https://fhir.nhs.uk/Id/nhs-number")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MEANINGFUL_LOG_LEVEL", "WARNING")},
}
