#!/usr/bin/env bash
# Serve the development site on http://127.0.0.1:$PORT (default 5000) with the scheduled jobs
# (mail queue, reminders, billing reconciliation...) running in the background, localstripe on
# $STRIPE_PORT (default 8420) and, when installed, a RAM-only redis-server on $REDIS_PORT
# (default 6380). Ctrl+C stops all of them.
set -euo pipefail
VENV=${VENV:-.venv}
export WNWA_CONFIG=${WNWA_CONFIG:-development}
port=${PORT:-5000}
url="http://127.0.0.1:$port"
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-$url}
stripe_port=${STRIPE_PORT:-8420}
export STRIPE_API_BASE=${STRIPE_API_BASE:-http://127.0.0.1:$stripe_port}
export STRIPE_SECRET_KEY=${STRIPE_SECRET_KEY:-sk_test_localstripe}
export STRIPE_WEBHOOK_SECRET=${STRIPE_WEBHOOK_SECRET:-whsec_localstripe_dev}

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if "$VENV/bin/python" -c "import localstripe" 2>/dev/null; then
  "$VENV/bin/python" -m wnwa.billing.localstripe_server "$stripe_port" >/dev/null 2>&1 &
  pids+=($!)
  # Registers the webhook with localstripe and puts a few demo departments under contract.
  "$VENV/bin/flask" --app wsgi billing setup-dev --webhook-url "$url/billing/stripe/webhook" \
    || echo "billing demo setup skipped" >&2
fi
# Several gunicorn workers share used codes, signed-out sessions and throttles through a
# RAM-only Redis (nothing written to disk); without redis-server, one worker keeps them itself.
if [ -z "${REDIS_URL:-}" ] && command -v redis-server >/dev/null 2>&1; then
  redis_port=${REDIS_PORT:-6380}
  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --loglevel warning >/dev/null 2>&1 &
  pids+=($!)
  export REDIS_URL="redis://127.0.0.1:$redis_port/0"
elif [ -z "${REDIS_URL:-}" ]; then
  echo "redis-server not found: serving with one worker (apt-get install redis-server)" >&2
  export WEB_CONCURRENCY=1
fi
# What cron runs every few minutes in production (docs/DEPLOY.md), every 10 s here.
"$VENV/bin/flask" --app wsgi jobs run-due --loop 10 &
pids+=($!)
cat <<EOT

  WeNeverWalkAlone demo: $url
  Mail goes to ${MAIL_OUTBOX:-instance/outbox/} (one .eml file per message).
  Demo logins:
EOT
"$VENV/bin/flask" --app wsgi demo logins
cat <<EOT

  Press Ctrl+C to stop (the jobs loop, localstripe and redis-server stop with it).
  Other ports: PORT=8000 STRIPE_PORT=8421 REDIS_PORT=6381 make run

EOT
"$VENV/bin/gunicorn" -c gunicorn.conf.py --bind "127.0.0.1:$port" wsgi:app
