# `make demo` runs the main job on the embedded default; `make test` runs the tests.
# Both set up their environment first (installing uv if it is missing). The commands read
# `.env` themselves (python-dotenv), so make never parses it.

SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
# mysqlclient is only built when DATABASE_URL (in the environment or in .env) asks for
# MySQL/MariaDB; --inexact keeps it installed when a later run does not ask for it.
DATABASE_URL_ANYWHERE := $(DATABASE_URL) $(shell grep -s '^[[:space:]]*DATABASE_URL=' .env)
EXTRAS := $(if $(findstring mysql,$(DATABASE_URL_ANYWHERE)),--extra mysql,)
RUN := $(UV) run --frozen $(EXTRAS)

.PHONY: demo serve superuser test check lint bench sync

demo: sync
	$(RUN) python manage.py migrate --verbosity=0
	$(RUN) python manage.py seed_users --count=200 --resume
	$(RUN) python manage.py seed_orders --count=1000 --resume
	$(RUN) python manage.py seed_tickets --count=10000 --resume
	$(RUN) python manage.py regenerate_tokens --resume
	$(RUN) python manage.py stats

# The admin (and later the API) on a production server, over plain http on this machine.
# granian measured better than gunicorn here (bench/serve.py, README).
SERVE_HOST ?= 127.0.0.1
SERVE_PORT ?= 8000
SERVE_WORKERS ?= 2
serve: sync
	$(RUN) python manage.py migrate --verbosity=0
	$(RUN) python manage.py collectstatic --noinput --verbosity=0
	@echo "Serving http://$(SERVE_HOST):$(SERVE_PORT)/admin/ (Ctrl-C stops; make superuser adds a login)"
	$(RUN) granian --interface=wsgi --host=$(SERVE_HOST) --port=$(SERVE_PORT) \
		--workers=$(SERVE_WORKERS) --blocking-threads=4 core.wsgi:application

superuser: sync
	$(RUN) python manage.py migrate --verbosity=0
	$(RUN) python manage.py createsuperuser

test: sync
	$(RUN) pytest

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy .
	$(RUN) mypy bench/api.py

check: lint test

bench: sync
	$(RUN) --group bench python bench/seed_tickets.py
	$(RUN) --group bench python bench/regenerate_tokens.py
	$(RUN) --group bench python bench/scale.py
	$(RUN) --group bench python bench/serve.py
	$(RUN) --group bench python bench/admin.py
	$(RUN) --group bench python bench/api.py
	$(RUN) --group bench python bench/tiqets.py

sync: $(UV)
	$(UV) sync --frozen --inexact $(EXTRAS)

# uv from pip where Python has it, else from its official installer.
$(UV):
	@if python3 -m pip --version >/dev/null 2>&1; then \
		PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --user --quiet uv; \
	else \
		curl -LsSf https://astral.sh/uv/install.sh | sh; \
	fi
