#!/usr/bin/env bash
# django-scim2-server (PyPI, Bruno Alla / browniebroke, MIT) in a minimal Django project.
#   start.sh PORT TOKEN   -> http://127.0.0.1:PORT/scim/v2  (Authorization: Bearer TOKEN)
#   start.sh --install    installs and exits (a first install can take longer than a start is given)
# Installs pinned versions into $JCSIM_INTEROP_DIR/django-scim2-server/venv on first run (idempotent). Fresh sqlite DB each start.
# Glue (ours): only SCIM2_SERVER_AUTH_CHECK = a callable comparing the bearer token.
# Everything else is the package's defaults (auth.User / auth.Group, default adapters).
set -euo pipefail
if [ "${1:-}" = --install ]; then INSTALL_ONLY=1; else INSTALL_ONLY=
  PORT=${1:?usage: start.sh PORT TOKEN}; TOKEN=${2:?usage: start.sh PORT TOKEN}
fi
HERE=$(cd "$(dirname "$0")" && pwd)
# The venv, project and database live under the interop work directory.
D="${JCSIM_INTEROP_DIR:-$HERE/../../target/interop}/django-scim2-server"; mkdir -p "$D"
PKG=1.1.0; DJANGO=5.2.20
if ! "$D/venv/bin/python" -c "import importlib.metadata as m,sys; sys.exit(0 if m.version('django-scim2-server')=='$PKG' and m.version('django')=='$DJANGO' else 1)" 2>/dev/null; then
  python3 -m venv "$D/venv" >/dev/null
  # constraints.txt pins the transitive deps (scim2-models 0.12.3, pydantic 2.14.4, ...)
  "$D/venv/bin/pip" install -q "django-scim2-server==$PKG" "django==$DJANGO" \
     $( [ -f "$HERE/django-scim2-server.constraints.txt" ] && echo -c "$HERE/django-scim2-server.constraints.txt" ) >/dev/null
fi
[ -n "$INSTALL_ONLY" ] && exit 0
P="$D/project"; mkdir -p "$P"
cat > "$P/manage.py" <<'PY'
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
PY
cat > "$P/settings.py" <<'PY'
import os
SECRET_KEY = "interop-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django_scim2_server"]
MIDDLEWARE = []
ROOT_URLCONF = "urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["SCIM_DB"]}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SCIM2_SERVER_AUTH_CHECK = "tokenauth.check"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "loggers": {"django_scim2_server": {"handlers": ["console"], "level": "WARNING"},
                       "django.request": {"handlers": ["console"], "level": "ERROR"}}}
PY
cat > "$P/tokenauth.py" <<'PY'
import os
TOKEN = os.environ["SCIM_TOKEN_VALUE"]
def check(request):
    return request.headers.get("Authorization", "") == "Bearer " + TOKEN
PY
cat > "$P/urls.py" <<'PY'
from django.urls import include, path
urlpatterns = [path("scim/v2/", include("django_scim2_server.urls"))]
PY
mkdir -p "$D/run"; rm -f "$D/run/db.sqlite3"
export SCIM_DB="$D/run/db.sqlite3" SCIM_TOKEN_VALUE="$TOKEN" PYTHONUNBUFFERED=1
cd "$P"
"$D/venv/bin/python" manage.py migrate -v0 >/dev/null
echo "django-scim2-server $PKG on http://127.0.0.1:$PORT/scim/v2" >&2
exec "$D/venv/bin/python" manage.py runserver "127.0.0.1:$PORT" --noreload --skip-checks
