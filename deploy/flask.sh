#!/bin/sh
# Run a `flask` command on a node as the service runs the app: as user wnwa, with the settings
# in /etc/wnwa/env (mode 0640, group wnwa) and the production configuration. Extra settings
# for one command go before it, e.g.
#   sudo -u wnwa env MIGRATION_DATABASE_URL=postgresql+psycopg://wnwa_owner:...@10.0.0.10/wnwa \
#     /srv/wnwa/deploy/flask.sh db upgrade
set -eu
set -a
. /etc/wnwa/env
set +a
export WNWA_CONFIG=production
cd /srv/wnwa
exec .venv/bin/flask --app wsgi "$@"
