#!/bin/sh
# A private Keystone for tests: Debian's Keystone (python3-keystone) run from
# a temp directory (SQLite database, fernet keys, catalog, config and log all
# in DIR), served by uwsgi on 127.0.0.1.  No Debian service, no apache.
#
#   keystone.sh start DIR PORT NETWORK_URL   bootstrap if new, then serve;
#                                            prints "keystone ready in N s"
#   keystone.sh stop DIR                     stop the server started in DIR
#
# Bootstrapped identities (password "secret" for every user but admin, whose
# password is "admin-secret"):
#   admin/admin (admin role), service project with users neutron (admin and
#   service roles) and agent (service role only), projects demo1/demo2 with
#   members member1/member2, and
#   reader1 (reader role on demo1).  The catalog (region RegionOne) has the
#   identity endpoint and the network endpoint NETWORK_URL.
set -eu
HERE=$(dirname "$(realpath "$0")")

die() { echo "keystone.sh: $*" >&2; exit 1; }

write_conf() {
    cat > "$1/keystone.conf" <<CONF
[DEFAULT]
log_file = $1/keystone.log
[database]
connection = sqlite:///$1/keystone.db
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $1/fernet-keys
[catalog]
driver = templated
template_file = $1/catalog.templates
[credential]
key_repository = $1/credential-keys
[cache]
enabled = false
[identity]
# bcrypt's cheapest cost: every user create and password login hashes,
# and Tempest makes a project and users per test class.
password_hash_rounds = 4
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
CONF
}

bootstrap() {
    m="keystone-manage --config-file $DIR/keystone.conf"
    $m db_sync
    # Without WAL a reader's lingering shared lock fails Keystone's next
    # write with "database is locked", even with one worker.
    /usr/bin/python3 -c 'import sqlite3, sys
sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL")' \
        "$DIR/keystone.db"
    $m fernet_setup --keystone-user root --keystone-group root
    $m credential_setup --keystone-user root --keystone-group root
    $m bootstrap --bootstrap-password admin-secret
}

# The catalog is a template rewritten at every start, so the network
# endpoint can move without a database write.  (Keystone's SQL catalog
# cannot create a service on SQLite here: "database is locked".)
write_catalog() {
    : > "$DIR/catalog.templates"
    for s in "identity http://127.0.0.1:$PORT/v3" "network $NET_URL"; do
        set -- $s
        for iface in public internal admin; do
            echo "catalog.RegionOne.$1.${iface}URL = $2" \
                >> "$DIR/catalog.templates"
        done
        echo "catalog.RegionOne.$1.name = $1" >> "$DIR/catalog.templates"
    done
}

wait_ready() {
    i=0
    until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v3"; do
        i=$((i + 1))
        [ $i -lt 600 ] || die "keystone did not answer on port $PORT"
        kill -0 "$(cat "$DIR/uwsgi.pid")" 2>/dev/null \
            || die "uwsgi exited, see $DIR/uwsgi.log"
        sleep 0.1
    done
}

start() {
    t0=$(date +%s.%N)
    mkdir -p "$DIR"
    fresh=
    write_catalog
    if [ ! -f "$DIR/keystone.db" ]; then
        write_conf "$DIR"
        bootstrap
        fresh=1
    fi
    OS_KEYSTONE_CONFIG_FILES="$DIR/keystone.conf" \
    uwsgi --plugin python3 --http11-socket "127.0.0.1:$PORT" \
        --wsgi-file /usr/bin/keystone-wsgi-public --master --processes 2 \
        --threads 1 --lazy-apps --die-on-term --buffer-size 65535 \
        --env "OS_KEYSTONE_CONFIG_FILES=$DIR/keystone.conf" \
        --pidfile "$DIR/uwsgi.pid" --daemonize "$DIR/uwsgi.log"
    sleep 0.2
    wait_ready
    [ -z "$fresh" ] \
        || /usr/bin/python3 "$HERE/populate.py" "http://127.0.0.1:$PORT"
    echo "keystone ready in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }") s"
}

stop() {
    [ -f "$DIR/uwsgi.pid" ] || return 0
    pid=$(cat "$DIR/uwsgi.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$DIR/uwsgi.pid"
}

case "${1:-}" in
start)
    [ $# -eq 4 ] || die "usage: keystone.sh start DIR PORT NETWORK_URL"
    DIR=$(realpath -m "$2") PORT=$3 NET_URL=$4
    start ;;
stop)
    [ $# -eq 2 ] || die "usage: keystone.sh stop DIR"
    DIR=$(realpath -m "$2")
    stop ;;
*)
    die "usage: keystone.sh start DIR PORT NETWORK_URL | stop DIR" ;;
esac
