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

.PHONY: demo serve superuser test check lint bench bench-smoke sync

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

# The benchmarks (README, Benchmarks), each in scratch databases of its own that it drops
# after, so the state of DATABASE_URL's database does not matter.
BENCH := $(RUN) --group bench python
bench: sync
	$(BENCH) bench/seed_tickets.py
	$(BENCH) bench/regenerate_tokens.py
	$(BENCH) bench/rotation_repeat.py
	$(BENCH) bench/scale.py
	$(BENCH) bench/serve.py
	$(BENCH) bench/admin.py
	$(BENCH) bench/api.py
	$(BENCH) bench/tiqets.py

# Every benchmark at a smoke size, its figures not judged: CI runs this so that none can rot.
bench-smoke: sync
	$(BENCH) bench/seed_tickets.py --count=2000
	$(BENCH) bench/regenerate_tokens.py --count=2000
	$(BENCH) bench/rotation_repeat.py --count=2000 --rotations=2
	$(BENCH) bench/scale.py --steps=2 --step=1000 --buffer-pool=256M --plot=/dev/null
	$(BENCH) bench/serve.py --seconds=1 --rounds=1
	$(BENCH) bench/admin.py --tickets=2000 --requests=2 --rounds=1 --buffer-pool=256M
	$(BENCH) bench/api.py --tickets=2000 --seconds=1 --rounds=1 --stats-requests=2 \
		--buffer-pool=256M
	$(BENCH) bench/tiqets.py --barcodes=2000 --rounds=1

# Bytecode compiled at install: where Python may not write it (PYTHONDONTWRITEBYTECODE, a
# read-only tree) each command would compile Django and the rest from source, 1.15 s of
# start-up instead of 0.5 s here.
sync: $(UV)
	$(UV) sync --frozen --inexact --compile-bytecode $(EXTRAS)

# uv from pip where Python has it, else from its official installer.
$(UV):
	@if python3 -m pip --version >/dev/null 2>&1; then \
		PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --user --quiet uv; \
	else \
		curl -LsSf https://astral.sh/uv/install.sh | sh; \
	fi
