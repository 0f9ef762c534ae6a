#!/bin/bash
# Port creates on PostgreSQL with 1, 2 and 3 neutrino-servers on one
# database, beside one server on SQLite (issue 10).
#
#   bench/multi-server.sh [--creates N] [--rounds R] [--build DIR] [--keep]
#                         [--neutron] [--feed N]
#
# Setups: sqlite x1 (synchronous = NORMAL, the server's default),
# postgresql x1, x2, x3 (a private PostgreSQL this script starts with
# Debian's initdb/pg_ctl, as the postgres user when root, with its default
# durability: fsync and synchronous_commit on).  Each setup gets a fresh
# database with a flat network and a /16 subnet; then for 1 and for 8
# clients, R rounds (default 3) of N creates (default 600; 300 for one
# client): the clients are spread over the servers (one neutrino-loadgen
# per server, keep-alive connections), the rate counts every server's
# ports over the longest run, p99 is the worst server's; RSS is the
# largest server's after its rounds (neutron-server's: its processes'
# added up).  With 2 servers, --feed N more ports
# are created one by one through server A while a follower long-polls
# server B's change feed as agents do (bench/feed_latency.py): write ->
# answered and write -> seen on B, p50/p99 (default 200).  --neutron also
# runs Debian's neutron-server 21 (bench/neutron-server.sh: ML2, one API
# worker) on a database of the same PostgreSQL, with fewer creates (it
# makes a few ports a second).  Medians of the rounds are printed as a
# table, also written to bench/results-multi-server-latest.txt with the
# load average (the machine is shared: compare within one run).
# Everything started here is stopped on exit, by PID.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build
creates=600
rounds=3
keep=0
neutron=0
feed=200
pg_bin=/usr/lib/postgresql/15/bin

while [ $# -gt 0 ]; do
    case $1 in
    --creates) creates=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --build) build=$2; shift ;;
    --keep) keep=1 ;;
    --neutron) neutron=1 ;;
    --feed) feed=$2; shift ;;
    -h|--help) sed -n '2,28s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "multi-server.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

log() {
    echo "multi-server.sh: $*" >&2
}

die() {
    log "$*"
    exit 1
}

command -v jq >/dev/null || die "needs jq"
[ -x "$pg_bin/initdb" ] || die "needs postgresql-15 ($pg_bin)"
server_bin=$build/neutrino-server
loadgen=$build/bench/neutrino-loadgen
[ -x "$server_bin" ] && [ -x "$loadgen" ] ||
    die "build first: meson setup build && ninja -C build"

tmp=$(mktemp -d /tmp/neutrino-multi.XXXXXX)
chmod 755 "$tmp"
pids=()
neutron_dir=
pg_user=
pg_started=0

as_pg() {
    if [ -n "$pg_user" ]; then
        runuser -u "$pg_user" -- "$@"
    else
        "$@"
    fi
}

stop_servers() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || :
        wait "$p" 2>/dev/null || :
    done
    pids=()
}

cleanup() {
    local rc=$?
    stop_servers
    [ -z "$neutron_dir" ] || "$here/neutron-server.sh" stop "$neutron_dir" || :
    if [ $pg_started = 1 ]; then
        as_pg "$pg_bin/pg_ctl" -D "$tmp/pg/data" -m fast -w stop >/dev/null ||
            :
    fi
    if [ $keep = 1 ] || [ $rc != 0 ]; then
        log "logs kept in $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- PostgreSQL -------------------------------------------------------------

mkdir "$tmp/pg"
if [ "$(id -u)" = 0 ]; then
    pg_user=postgres
    chown postgres "$tmp/pg"
fi
pg_port=$(free_port)
as_pg "$pg_bin/initdb" -D "$tmp/pg/data" -A trust -U neutrino --no-locale \
    -E UTF8 >"$tmp/initdb.log" 2>&1 || die "initdb failed ($tmp/initdb.log)"
as_pg "$pg_bin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/log" -w \
    -o "-p $pg_port -k $tmp/pg -c listen_addresses=127.0.0.1" start \
    >/dev/null || die "pg_ctl start failed ($tmp/pg/log)"
pg_started=1
pg_url() {
    echo "postgresql://neutrino:neutrino@127.0.0.1:$pg_port/$1"
}

# --- Servers ----------------------------------------------------------------

urls=()

# start_servers NAME CONNECTION COUNT: COUNT servers on one database.
start_servers() {
    local name=$1 conn=$2 n=$3 i out line
    urls=()
    for ((i = 0; i < n; i++)); do
        out=$tmp/$name-$i
        cat >"$out.conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 0
auth_strategy = noauth
[database]
connection = $conn
[ml2_type_flat]
flat_networks = provider
[quotas]
quota_port = -1
EOF
        "$server_bin" --config-file "$out.conf" >"$out.out" 2>"$out.err" &
        pids+=($!)
        for _ in $(seq 100); do
            line=$(head -1 "$out.out" 2>/dev/null || :)
            [ -n "$line" ] && break
            sleep 0.1
        done
        [ -n "$line" ] || die "server $name-$i did not start ($out.err)"
        urls+=("${line##* }")
    done
}

network=

# The largest resident set of the running servers, in MB.
max_rss_mb() {
    local p kb max=0
    for p in "$@"; do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")
        [ "$kb" -gt "$max" ] && max=$kb
    done
    awk -v kb="$max" 'BEGIN { printf "%.1f", kb / 1024 }'
}

# The resident sets of processes added up, in MB (a neutron-server and its
# workers).
sum_rss_mb() {
    local p sum=0
    for p in "$@"; do
        sum=$((sum + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")))
    done
    awk -v kb="$sum" 'BEGIN { printf "%.1f", kb / 1024 }'
}

make_network() {
    local u=${urls[0]} h='Content-Type: application/json'
    network=$(curl -sf -H "$h" -X POST "$u/v2.0/networks" -d \
        '{"network": {"name": "bench", "provider:network_type": "flat",
          "provider:physical_network": "provider"}}' | jq -r .network.id)
    curl -sf -H "$h" -X POST "$u/v2.0/subnets" -d \
        "{\"subnet\": {\"network_id\": \"$network\", \"ip_version\": 4,
          \"cidr\": \"10.64.0.0/16\", \"enable_dhcp\": false}}" >/dev/null ||
        die "cannot create the subnet"
}

# one_round CLIENTS COUNT: prints "rate p99" of one round over all servers.
one_round() {
    local clients=$1 count=$2 n=${#urls[@]} i c share outs=() f
    for ((i = 0; i < n && i < clients; i++)); do
        # clients i, i+n, i+2n, ... talk to server i
        c=$(((clients - i + n - 1) / n))
        share=$((count * c / clients))
        f=$tmp/round-$i.json
        "$loadgen" --url "${urls[$i]}" --op create-ports \
            --network-id "$network" --count "$share" --concurrency "$c" \
            --name-prefix "b$RANDOM-" >"$f" &
        outs+=("$f")
    done
    wait # the loadgens: this runs in a subshell, the servers are not its
    jq -s '[(map(.ok) | add) / (map(.seconds) | max),
            (map(.p99_ms) | max), (map(.requests - .ok) | add)]
           | map(tostring) | join(" ")' -r "${outs[@]}"
}

median() {
    sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

declare -A R

# measure NAME CONNECTION SERVERS
measure() {
    local name=$1 conn=$2 n=$3 c count rates p99s line failed
    start_servers "$name" "$conn" "$n"
    make_network
    for c in 1 8; do
        if [ "$c" -lt "$n" ]; then
            continue
        fi
        count=$creates
        [ "$c" = 1 ] && count=$((creates / 2))
        rates= p99s= failed=0
        for ((r = 0; r < rounds; r++)); do
            line=$(one_round "$c" "$count")
            rates+="${line%% *}"$'\n'
            p99s+="$(echo "$line" | cut -d' ' -f2)"$'\n'
            failed=$((failed + ${line##* }))
        done
        R[$name/$c/rate]=$(printf %s "$rates" | median | xargs printf %.0f)
        R[$name/$c/p99]=$(printf %s "$p99s" | median | xargs printf %.1f)
        R[$name/$c/failed]=$failed
        log "$name c=$c: ${R[$name/$c/rate]} ports/s, p99" \
            "${R[$name/$c/p99]} ms, failed $failed"
    done
    R[$name/rss]=$(max_rss_mb "${pids[@]}")
    if [ "$n" = 2 ] && [ "$feed" -gt 0 ]; then
        R[feed]=$(python3 "$here/feed_latency.py" "${urls[0]}" "${urls[1]}" \
            "$network" "$feed") || die "feed_latency.py failed"
        log "feed A -> B: ${R[feed]}"
    fi
    stop_servers
}

# measure_neutron: Debian's neutron-server on database "neutron" of the
# same PostgreSQL, one round at 1 and 8 clients with few creates.
measure_neutron() {
    local env c count line
    psql -q "$(pg_url postgres)" -c "CREATE DATABASE neutron" >/dev/null
    env=$(NEUTRON_DB_URL="postgresql+psycopg2://neutrino:neutrino@127.0.0.1:$pg_port/neutron" \
        "$here/neutron-server.sh" start) || die "neutron-server.sh start failed"
    eval "$env"
    neutron_dir=$NEUTRON_DIR
    urls=("$NEUTRON_URL")
    make_network
    for c in 1 8; do
        count=$((c * 10))
        line=$(one_round "$c" "$count")
        R[neutron/$c/rate]=$(echo "${line%% *}" | xargs printf %.1f)
        R[neutron/$c/p99]=$(echo "$line" | cut -d' ' -f2 | xargs printf %.1f)
        log "neutron c=$c: ${R[neutron/$c/rate]} ports/s, p99" \
            "${R[neutron/$c/p99]} ms, failed ${line##* }"
    done
    # shellcheck disable=SC2046
    R[neutron/rss]=$(sum_rss_mb $("$here/neutron-server.sh" pids "$neutron_dir"))
    "$here/neutron-server.sh" stop "$neutron_dir"
    neutron_dir=
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
measure sqlite-x1 "sqlite:///$tmp/sqlite.db" 1
for n in 1 2 3; do
    db=bench$n
    psql -q "$(pg_url postgres)" -c "CREATE DATABASE $db" >/dev/null
    measure "postgresql-x$n" "$(pg_url "$db")" "$n"
done
[ $neutron = 0 ] || measure_neutron
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
    echo "# bench/multi-server.sh $(date -u +%FT%TZ), $(nproc) cores," \
        "load average before $load_before, after $load_after"
    echo "# port creates, median of $rounds rounds; rate: ports/s over all" \
        "servers; p99: ms, the worst server's"
    printf '%-14s %9s %9s %9s %9s %8s\n' setup "rate c=1" "p99 c=1" \
        "rate c=8" "p99 c=8" "RSS MB"
    names="sqlite-x1 postgresql-x1 postgresql-x2 postgresql-x3"
    [ $neutron = 0 ] || names="$names neutron"
    for name in $names; do
        printf '%-14s %9s %9s %9s %9s %8s\n' "$name" \
            "${R[$name/1/rate]:--}" "${R[$name/1/p99]:--}" \
            "${R[$name/8/rate]:--}" "${R[$name/8/p99]:--}" \
            "${R[$name/rss]:--}"
    done
    [ -z "${R[feed]:-}" ] ||
        echo "# feed, 2 servers: write through A -> seen by a follower of B: ${R[feed]}"
} | tee "$here/results-multi-server-latest.txt"
