#!/usr/bin/env bash
# Fuzzes the HTTP API from its own OpenAPI document with schemathesis.
#
#   scripts/fuzz_api.sh [sqlite|postgres] [--examples N] [--max-time SECONDS] [--no-build]
#                       [-- EXTRA SCHEMATHESIS ARGS, e.g. --include-path-regex discounts]
#
# Starts `tessera serve` (debug build) on a free loopback port over a fresh
# database, seeds an admin, an attendee, a conference and its ticket types, then
# runs schemathesis against /api/openapi.json twice (admin token, attendee token)
# checking: no 5xx, every status documented, content types and response bodies
# as documented. Prints a summary; exits non-zero on a 500, an undocumented
# status or another failed check (a documented 503 of an unconfigured Stripe is listed).
# Never in CI: it installs schemathesis from PyPI into target/fuzz-venv.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

BACKEND=sqlite
EXAMPLES=25
MAX_TIME=150
BUILD=1
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        sqlite | postgres) BACKEND=$1 ;;
        --examples) EXAMPLES=$2; shift ;;
        --max-time) MAX_TIME=$2; shift ;;
        --no-build) BUILD=0 ;;
        --) shift; EXTRA=("$@"); break ;;
        -h | --help) sed -n 2,13p "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

VENV=$ROOT/target/fuzz-venv
PY=$VENV/bin/python
if [ ! -x "$VENV/bin/st" ]; then
    echo "== installing schemathesis into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check schemathesis
fi

if [ "$BUILD" = 1 ]; then
    echo "== building tessera (debug)"
    cargo build --quiet --bin tessera
fi
BIN=$ROOT/target/debug/tessera

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/tessera-fuzz.XXXXXX")
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
PGDB=""
if [ "$BACKEND" = postgres ]; then
    PGDB=tessera_fuzz_$$_$RANDOM
    createdb -h 127.0.0.1 -U postgres "$PGDB"
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$PGDB
else
    export DATABASE_URL=sqlite://$SCRATCH/tessera.db
fi
# No outside services: no Stripe or Pretalx keys, a fixed signing key.
unset TESSERA_CONFIG
export TESSERA_SECRET_KEY=fuzz-signing-key-0123456789abcdef0123456789
export RUST_LOG=${RUST_LOG:-warn}

SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$PGDB" ]; then
        dropdb -h 127.0.0.1 -U postgres --if-exists --force "$PGDB" || true
    fi
    rm -rf "$SCRATCH"
}
trap cleanup EXIT

echo "== seeding ($BACKEND)"
"$BIN" migrate >/dev/null
"$BIN" user create --admin --email admin@fuzz.test --password 'fuzz-admin-password' \
    --name Admin >/dev/null
cat >"$SCRATCH/conference.toml" <<'TOML'
[conference]
name = "Fuzz Conf 2030"
start = 2030-05-14
end = 2030-05-16
timezone = "America/New_York"
venue = "Convention Center"
total_capacity = 500

[[conference.sections]]
name = "Talks"
start = 2030-05-14
end = 2030-05-16

[[conference.tickets]]
name = "Individual"
price = 100.00
quantity = 400
per_user = 2

[[conference.tickets]]
name = "Speaker"
price = 0
quantity = 50
per_user = 1
voucher_required = true

[[conference.addons]]
name = "T-Shirt"
price = 25.00
quantity = 100

[[conference.sponsor_levels]]
name = "Gold"
cost = 10000.00
comp_tickets = 5
TOML
"$BIN" bootstrap --config "$SCRATCH/conference.toml" >/dev/null

"$BIN" serve --bind "127.0.0.1:$PORT" >"$SCRATCH/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "$BASE/api/openapi.json" -o "$SCRATCH/openapi.json" 2>/dev/null && break
    sleep 0.2
done
[ -s "$SCRATCH/openapi.json" ] || { cat "$SCRATCH/server.log"; echo "server did not start" >&2; exit 1; }

post() { curl -fsS -H 'Content-Type: application/json' -d "$2" "$BASE$1"; }
token() { "$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
ADMIN_TOKEN=$(post /api/v1/auth/login '{"email":"admin@fuzz.test","password":"fuzz-admin-password"}' | token)
ATTENDEE_TOKEN=$(post /api/v1/auth/signup \
    '{"email":"attendee@fuzz.test","password":"fuzz-attendee-password","name":"Attendee"}' | token)

# Known identifiers, so deeper paths answer more than 404: a pending order of
# the attendee, an activity. Schemathesis draws them half of the time.
SLUG=fuzz-conf-2030
call() { # call TOKEN PATH BODY
    curl -sS -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$3" "$BASE$2"
}
field() { "$PY" -c 'import json,sys
try: print(json.load(sys.stdin).get(sys.argv[1]) or "")
except Exception: print("")' "$1"; }
call "$ATTENDEE_TOKEN" "/api/v1/conferences/$SLUG/cart/items" '{"ticket_type":"individual"}' >/dev/null
REFERENCE=$(call "$ATTENDEE_TOKEN" "/api/v1/conferences/$SLUG/checkout" '{}' | field reference)
ACTIVITY=$(call "$ADMIN_TOKEN" "/api/v1/conferences/$SLUG/activities" \
    '{"name":"Sprint Day","activity_type":"sprint"}' | field slug)
echo "   order ${REFERENCE:-none}, activity ${ACTIVITY:-none}"
{
    echo '[parameters]'
    [ -n "$REFERENCE" ] && echo '"path.reference" = { dictionary = "references", probability = 0.5 }'
    [ -n "$ACTIVITY" ] && echo '"path.activity" = { dictionary = "activities", probability = 0.5 }'
    [ -n "$REFERENCE" ] && printf '[dictionaries.references]\nvalues = ["%s"]\n' "$REFERENCE"
    [ -n "$ACTIVITY" ] && printf '[dictionaries.activities]\nvalues = ["%s"]\n' "$ACTIVITY"
    true
} >"$SCRATCH/schemathesis.toml"

# Logging out would end the token the run relies on; revoking sessions of a
# random id is harmless but could hit the admin's own. Everything else is fuzzed.
EXCLUDE='^/api/v1/auth/logout$|^/api/v1/users/\{user_id\}/revoke-sessions$'
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance

run() { # run NAME TOKEN
    local name=$1 tok=$2
    echo "== schemathesis as $name ($BACKEND, $EXAMPLES examples/operation, ${MAX_TIME}s max)"
    # From the scratch directory: schemathesis keeps a cache in ./.schemathesis.
    (cd "$SCRATCH" && "$VENV/bin/st" --config-file "$SCRATCH/schemathesis.toml" run "$BASE/api/openapi.json" \
        --header "Authorization: Bearer $tok" \
        --checks "$CHECKS" \
        --max-examples "$EXAMPLES" \
        --max-time "$MAX_TIME" \
        --phases examples,coverage,fuzzing \
        --workers 2 \
        --seed 1 \
        --exclude-path-regex "$EXCLUDE" \
        --generation-database none \
        --suppress-health-check all \
        --continue-on-failure \
        --request-timeout 30 \
        --no-color \
        --report ndjson --report-ndjson-path "$SCRATCH/$name.ndjson" \
        ${EXTRA[@]+"${EXTRA[@]}"} \
        >"$SCRATCH/$name.out" 2>&1) || true
    mkdir -p "$ROOT/target/fuzz-report"
    cp "$SCRATCH/$name.out" "$ROOT/target/fuzz-report/$BACKEND-$name.out"
    cp "$SCRATCH/$name.ndjson" "$ROOT/target/fuzz-report/$BACKEND-$name.ndjson" 2>/dev/null || true
}
run admin "$ADMIN_TOKEN"
run attendee "$ATTENDEE_TOKEN"

echo
echo "== summary ($BACKEND; full output in target/fuzz-report/)"
"$PY" "$ROOT/scripts/fuzz_summary.py" "$ROOT/target/fuzz-report/$BACKEND-admin" \
    "$ROOT/target/fuzz-report/$BACKEND-attendee"
