#!/bin/sh
# Runs Debian's own neutron-server, as a reference for the benchmark.
#
#   neutron-server.sh start [PORT [CONF]]
#                                    installs it if missing, starts it on
#                                    127.0.0.1 with a private config and
#                                    SQLite database under a mktemp dir,
#                                    waits until it answers and prints
#                                    shell assignments: NEUTRON_URL=...,
#                                    NEUTRON_PID=..., NEUTRON_DIR=...;
#                                    CONF, an extra config file read last,
#                                    may override any option (keystone
#                                    auth for scripts/tempest.sh)
#   neutron-server.sh stop DIR       kills the server started with DIR (and
#                                    only its process tree) and removes DIR
#   neutron-server.sh pids DIR       prints the PIDs of its process tree
#   neutron-server.sh fill DIR N [PREFIX]
#                                    adds N ports straight to its database
#                                    (see fill() below for why)
#
# Environment: NEUTRON_DB_URL, an SQLAlchemy URL of an empty database to
# use instead of the private SQLite file (e.g.
# postgresql+psycopg2://USER:PASS@127.0.0.1:PORT/DB; fill works on SQLite
# only).
#
# The configuration is the smallest one that serves the ML2 port API the
# way a production all-in-one does: ML2 with the Open vSwitch mechanism
# driver and port security, one API worker, no service plugins, noauth.
# There is no RabbitMQ: oslo.messaging's in-process "fake" driver takes the
# agent notifications and RPC casts, which nobody consumes here, so the
# figures are the API server's own work.  Nova notifications are off since
# there is no Nova to tell.
set -eu

die() {
    echo "neutron-server.sh: $*" >&2
    exit 1
}

# Every PID in the tree under $1 (itself first).  Walks /proc by parent
# PID, so it finds the API and RPC workers neutron-server forks and nothing
# else on the machine.
tree_pids() {
    todo=$1
    while [ -n "$todo" ]; do
        # shellcheck disable=SC2086
        set -- $todo
        todo=
        for p; do
            [ -d "/proc/$p" ] || continue
            echo "$p"
            for stat in /proc/[0-9]*/stat; do
                # Field 4 of /proc/PID/stat is the parent PID; field 2
                # (the command name) has no spaces for Python processes
                # but may in general, so strip through the last ')'.
                s=$(cat "$stat" 2>/dev/null) || continue
                rest=${s##*) }
                # shellcheck disable=SC2086
                set -- $rest
                if [ "$2" = "$p" ]; then
                    child=${stat#/proc/}
                    todo="$todo ${child%/stat}"
                fi
            done
        done
    done
}

install_neutron() {
    if [ -x /usr/bin/neutron-server ] && [ -x /usr/bin/neutron-db-manage ] \
        && [ -f /etc/neutron/api-paste.ini ]; then
        return
    fi
    echo "neutron-server.sh: installing Debian's neutron-server" >&2
    # Debian's container images ship a policy-rc.d that stops the
    # packages from starting the system-wide services, which is what we
    # want: we start a private one below.
    DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends neutron-server neutron-plugin-ml2 >&2 \
        || die "apt-get install neutron-server failed"
}

free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

start() {
    port=${1:-}
    extra=${2:-}
    install_neutron
    [ -n "$port" ] || port=$(free_port)
    dir=$(mktemp -d /tmp/neutron-bench.XXXXXX)
    db_url=${NEUTRON_DB_URL:-sqlite:///$dir/neutron.db}

    cat >"$dir/neutron.conf" <<EOF
[DEFAULT]
core_plugin = ml2
service_plugins =
auth_strategy = noauth
api_paste_config = /etc/neutron/api-paste.ini
bind_host = 127.0.0.1
bind_port = $port
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
transport_url = fake:/
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
state_path = $dir/state
lock_path = $dir/lock
log_dir = $dir
log_file = neutron-server.log
debug = false

[database]
connection = $db_url

[oslo_concurrency]
lock_path = $dir/lock

[oslo_policy]
policy_file = $dir/policy.yaml
policy_dirs = $dir/policy.d
EOF
    cat >"$dir/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vlan
tenant_network_types = vlan
mechanism_drivers = openvswitch
extension_drivers = port_security

[ml2_type_flat]
flat_networks = provider

[ml2_type_vlan]
network_vlan_ranges = provider:1000:1999
EOF
    # An empty policy file and directory: Neutron's built-in defaults
    # apply.  (An empty policy_dirs makes oslo.policy read every file of
    # the working directory as a policy, and Debian's policy.d holds one
    # of only comments that breaks the parser.)
    echo '{}' >"$dir/policy.yaml"
    mkdir -p "$dir/state" "$dir/lock" "$dir/policy.d"

    conf="--config-file $dir/neutron.conf --config-file $dir/ml2_conf.ini"
    if [ -n "$extra" ]; then
        cp "$extra" "$dir/extra.conf"
        conf="$conf --config-file $dir/extra.conf"
    fi
    # Neutron's alembic migrations cannot run on SQLite (an early one
    # ALTERs a constraint, which SQLite's dialect refuses), so build the
    # schema of HEAD from the models, as Neutron's own unit tests do, and
    # then stamp the database as being at all heads (the same on any
    # database, so that both servers start from the same schema).
    /usr/bin/python3 - "$db_url" >"$dir/db-manage.log" 2>&1 <<'PY' \
        || { cat "$dir/db-manage.log" >&2; die "schema creation failed"; }
import sys
import sqlalchemy
from neutron.db.migration.models import head
engine = sqlalchemy.create_engine(sys.argv[1])
head.get_metadata().create_all(engine)
PY
    # shellcheck disable=SC2086
    neutron-db-manage $conf stamp heads >>"$dir/db-manage.log" 2>&1 \
        || { cat "$dir/db-manage.log" >&2; die "neutron-db-manage failed"; }

    # shellcheck disable=SC2086
    neutron-server $conf >"$dir/stdout.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/neutron-server.pid"
    # If it never comes up, take it down again rather than leave it.
    trap 'kill_tree "$pid"' EXIT

    url="http://127.0.0.1:$port"
    i=0
    until curl -fsS -o /dev/null "$url/" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -30 "$dir/neutron-server.log" "$dir/stdout.log" >&2 || :
            die "neutron-server exited during start-up (logs in $dir)"
        fi
        i=$((i + 1))
        [ $i -lt 600 ] || die "neutron-server did not answer in 120 s"
        sleep 0.2
    done
    trap - EXIT
    echo "NEUTRON_URL=$url"
    echo "NEUTRON_PID=$pid"
    echo "NEUTRON_DIR=$dir"
}

# Adds COUNT ports to the database behind the server's back, each a copy
# of the newest port made through the API with a new id, MAC, name and
# address (in every table a port create writes: standardattributes, ports,
# ipallocations, ipamallocations, ml2_port_bindings, portsecuritybindings,
# securitygroupportbindings).  The API makes about 4 ports a second here,
# 10,000 would take most of an hour; what the list and GET figures depend
# on is the rows, not how they got there.
fill() {
    dir=${1:?usage: neutron-server.sh fill DIR COUNT [PREFIX]}
    count=${2:?usage: neutron-server.sh fill DIR COUNT [PREFIX]}
    prefix=${3:-fill-}
    /usr/bin/python3 - "$dir/neutron.db" "$count" "$prefix" <<'PY'
import ipaddress
import random
import sqlite3
import sys
import uuid

db = sqlite3.connect(sys.argv[1])
count = int(sys.argv[2])
prefix = sys.argv[3]
cur = db.cursor()


def row(table, where, arg):
    cur.execute("SELECT * FROM %s WHERE %s = ?" % (table, where), (arg,))
    names = [d[0] for d in cur.description]
    r = cur.fetchone()
    if r is None:
        sys.exit("fill: template port has no row in %s" % table)
    return dict(zip(names, r))


def insert(table, values):
    cols = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cur.execute("INSERT INTO %s (%s) VALUES (%s)" % (table, cols, marks),
                list(values.values()))
    return cur.lastrowid


cur.execute("SELECT p.id FROM ports p JOIN standardattributes s "
            "ON s.id = p.standard_attr_id ORDER BY s.id DESC LIMIT 1")
tmpl_id = cur.fetchone()[0]
port = row("ports", "id", tmpl_id)
attr = row("standardattributes", "id", port["standard_attr_id"])
alloc = row("ipallocations", "port_id", tmpl_id)
ipam = row("ipamallocations", "ip_address", alloc["ip_address"])
binding = row("ml2_port_bindings", "port_id", tmpl_id)
psec = row("portsecuritybindings", "port_id", tmpl_id)
sg = row("securitygroupportbindings", "port_id", tmpl_id)

cur.execute("SELECT cidr, gateway_ip FROM subnets WHERE id = ?",
            (alloc["subnet_id"],))
cidr, gateway = cur.fetchone()
used = {r[0] for r in cur.execute(
    "SELECT ip_address FROM ipallocations WHERE subnet_id = ?",
    (alloc["subnet_id"],))}
# A failed bulk POST can leave IPAM rows without ports behind.
used |= {r[0] for r in cur.execute(
    "SELECT ip_address FROM ipamallocations WHERE ipam_subnet_id = ?",
    (ipam["ipam_subnet_id"],))}
used.add(gateway)
macs = {r[0] for r in cur.execute("SELECT mac_address FROM ports")}
free = (str(a) for a in ipaddress.ip_network(cidr).hosts()
        if str(a) not in used)

for i in range(count):
    pid = str(uuid.uuid4())
    while True:
        mac = "fa:16:3e:%02x:%02x:%02x" % tuple(
            random.randrange(256) for _ in range(3))
        if mac not in macs:
            macs.add(mac)
            break
    ip = next(free)
    a = dict(attr)
    del a["id"]
    p = dict(port, id=pid, name="%s%d" % (prefix, i), mac_address=mac,
             device_owner="", device_id="",
             standard_attr_id=insert("standardattributes", a))
    insert("ports", p)
    insert("ipallocations", dict(alloc, port_id=pid, ip_address=ip))
    insert("ipamallocations", dict(ipam, ip_address=ip))
    insert("ml2_port_bindings", dict(binding, port_id=pid))
    insert("portsecuritybindings", dict(psec, port_id=pid))
    insert("securitygroupportbindings", dict(sg, port_id=pid))
db.commit()
PY
}

# Stops the process tree under PID $1: SIGTERM, and SIGKILL for what is
# left after 5 s (Neutron can take 15 s or more to exit on SIGTERM).
kill_tree() {
    pids=$(tree_pids "$1")
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null || :
    i=0
    while [ $i -lt 50 ]; do
        alive=
        for p in $pids; do
            if kill -0 "$p" 2>/dev/null; then
                alive="$alive $p"
            fi
        done
        [ -n "$alive" ] || return 0
        sleep 0.1
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    kill -9 $alive 2>/dev/null || :
}

stop() {
    dir=${1:?usage: neutron-server.sh stop DIR}
    [ -f "$dir/neutron-server.pid" ] || die "no $dir/neutron-server.pid"
    kill_tree "$(cat "$dir/neutron-server.pid")"
    case $dir in
    /tmp/neutron-bench.*) rm -rf "$dir" ;;
    esac
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start) start "$@" ;;
stop) stop "$@" ;;
fill) fill "$@" ;;
pids) tree_pids "$(cat "${1:?usage: pids DIR}/neutron-server.pid")" ;;
*) die "usage: neutron-server.sh start [PORT [CONF]] | stop DIR | pids DIR" \
    "| fill DIR COUNT [PREFIX]" ;;
esac
