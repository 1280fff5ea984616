#!/usr/bin/env bash
# django-scim2 (PyPI, 15five, MIT) served by a minimal Django project.
#   start.sh PORT TOKEN   -> http://127.0.0.1:PORT/scim/v2  (Authorization: Bearer TOKEN)
#   start.sh --install    installs and exits (a first install can take longer than a start is given)
# Installs pinned versions into $JCSIM_INTEROP_DIR/django-scim2/venv on first run (idempotent). Fresh sqlite DB each start.
# Glue (ours, minimal; follows the library's own tests/models.py pattern):
#   User  = AbstractSCIMUserMixin + django AbstractUser, M2M scim_groups -> Group (related_name user_set)
#   Group = AbstractSCIMGroupMixin + unique name
#   default adapters (django_scim.adapters.SCIMUser/SCIMGroup), default User filter parser;
#   Group filter parser: the library ships an empty attr map, we map displayName -> name only.
#   Bearer-token middleware sets request.user; django_scim's SCIMAuthCheckMiddleware answers 401 otherwise.
set -euo pipefail
if [ "${1:-}" = --install ]; then INSTALL_ONLY=1; else INSTALL_ONLY=
  PORT=${1:?usage: start.sh PORT TOKEN}; TOKEN=${2:?usage: start.sh PORT TOKEN}
fi
HERE=$(cd "$(dirname "$0")" && pwd)
# The venv, project and database live under the interop work directory.
D="${JCSIM_INTEROP_DIR:-$HERE/../../target/interop}/django-scim2"; mkdir -p "$D"
DJANGO_SCIM2=0.23.0; DJANGO=5.2.20; FILTER_PARSER=0.7.0
if ! "$D/venv/bin/python" -c "import importlib.metadata as m,sys; sys.exit(0 if m.version('django-scim2')=='$DJANGO_SCIM2' and m.version('django')=='$DJANGO' else 1)" 2>/dev/null; then
  python3 -m venv "$D/venv" >/dev/null
  "$D/venv/bin/pip" install -q "django-scim2==$DJANGO_SCIM2" "django==$DJANGO" "scim2-filter-parser==$FILTER_PARSER" >/dev/null
fi
[ -n "$INSTALL_ONLY" ] && exit 0
P="$D/project"; mkdir -p "$P/app"
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
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django_scim", "app"]
MIDDLEWARE = ["app.auth.BearerTokenMiddleware"]
ROOT_URLCONF = "urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["SCIM_DB"]}}
AUTH_USER_MODEL = "app.User"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SCIM_SERVICE_PROVIDER = {
    "NETLOC": "127.0.0.1:" + os.environ["SCIM_PORT"],
    "SCHEME": "http",
    "GROUP_MODEL": "app.models.Group",
    "GROUP_FILTER_PARSER": "app.filters.GroupFilterQuery",
    "AUTHENTICATION_SCHEMES": [{"type": "oauthbearertoken", "name": "Bearer token",
        "description": "static bearer token", "specUri": "https://www.rfc-editor.org/info/rfc6750", "documentationUri": ""}],
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="django-scim2"',
}
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "loggers": {"django_scim": {"handlers": ["console"], "level": "WARNING"},
                       "django.request": {"handlers": ["console"], "level": "ERROR"}}}
PY
cat > "$P/urls.py" <<'PY'
from django.urls import include, path
urlpatterns = [path("scim/v2/", include("django_scim.urls", namespace="scim"))]
PY
touch "$P/app/__init__.py"
cat > "$P/app/models.py" <<'PY'
from django.contrib.auth.models import AbstractUser
from django.db import models
from django_scim.models import AbstractSCIMGroupMixin, AbstractSCIMUserMixin

class Group(AbstractSCIMGroupMixin):
    name = models.CharField("name", max_length=254, unique=True)

class User(AbstractSCIMUserMixin, AbstractUser):
    scim_groups = models.ManyToManyField(Group, related_name="user_set")
PY
cat > "$P/app/filters.py" <<'PY'
from django_scim.filters import FilterQuery
from django_scim.utils import get_group_model

class GroupFilterQuery(FilterQuery):
    model_getter = get_group_model
    attr_map = {("displayName", None, None): "name"}
PY
cat > "$P/app/auth.py" <<'PY'
import os
from types import SimpleNamespace
from django.contrib.auth.models import AnonymousUser
TOKEN = os.environ["SCIM_TOKEN_VALUE"]

class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
    def __call__(self, request):
        ok = request.headers.get("Authorization", "") == "Bearer " + TOKEN
        request.user = SimpleNamespace(is_authenticated=True) if ok else AnonymousUser()
        return self.get_response(request)
PY
mkdir -p "$D/run"; rm -f "$D/run/db.sqlite3"
export SCIM_DB="$D/run/db.sqlite3" SCIM_PORT="$PORT" SCIM_TOKEN_VALUE="$TOKEN" PYTHONUNBUFFERED=1
cd "$P"
"$D/venv/bin/python" manage.py makemigrations app -v0 >/dev/null
"$D/venv/bin/python" manage.py migrate -v0 >/dev/null
echo "django-scim2 $DJANGO_SCIM2 on http://127.0.0.1:$PORT/scim/v2" >&2
exec "$D/venv/bin/python" manage.py runserver "127.0.0.1:$PORT" --noreload --skip-checks
