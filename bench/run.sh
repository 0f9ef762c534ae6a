#!/bin/bash
# API benchmark: neutrino-server and Debian's neutron-server side by side.
#
#   bench/run.sh [--neutrino-only | --neutron-only] [--ports N] [--build DIR]
#                [--neutrino-creates N] [--neutron-creates N] [--keep]
#                [--no-build]
#
# Starts both servers on 127.0.0.1 with private SQLite databases, gives each
# a flat provider network with a /16 subnet, runs the same workload on both
# with neutrino-loadgen and prints metric | neutrino | neutron | ratio, also
# written to bench/results-latest.txt.  The ratio is how many times better
# neutrino does: neutron/neutrino for times and memory, neutrino/neutron for
# rates.  Everything started here is stopped on exit, by PID.
#
# The workload, on each server:
#   - RSS once the network and subnet exist ("idle");
#   - port creates, one client, then 8 clients (neutron does ~4 ports/s,
#     so it gets fewer creates: --neutron-creates, default 200); neutrino
#     runs each --rounds times (default 5) and the medians are reported,
#     since the machine is shared and single runs vary by +-30%;
#   - GET of one port, one client;
#   - one bulk POST of 100 ports with device_owner bench:filter;
#   - fill up to --ports ports (default 10,000): neutrino through the API
#     in bulk POSTs of 500, neutron by copying rows in its database
#     (neutron-server.sh fill), since its API would take most of an hour;
#   - full GET /v2.0/ports (median of 5), GET ?device_owner=bench:filter
#     (100 matches) and GET ?name=<one port> (1 match), p50 of 20 each;
#   - RSS with all the ports, after the lists.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build
ports=10000
neutrino_creates=900
neutron_creates=200
neutrino_gets=2000
neutron_gets=500
rounds=5
run_neutron=1
run_neutrino=1
do_build=1
keep=0

usage() {
    sed -n '2,27s/^# \{0,1\}//p' "$0"
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case $1 in
    --neutrino-only) run_neutron=0 ;;
    --neutron-only) run_neutrino=0 ;;
    --ports) ports=$2; shift ;;
    --build) build=$2; shift ;;
    --neutrino-creates) neutrino_creates=$2; shift ;;
    --neutron-creates) neutron_creates=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --keep) keep=1 ;;
    --no-build) do_build=0 ;;
    -h|--help) usage 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage 2 ;;
    esac
    shift
done

log() {
    echo "run.sh: $*" >&2
}

die() {
    log "$*"
    exit 1
}

command -v jq >/dev/null || die "needs jq (apt-get install jq)"
command -v curl >/dev/null || die "needs curl (apt-get install curl)"

tmp=$(mktemp -d /tmp/neutrino-bench.XXXXXX)
neutrino_pid=
neutron_dir=

cleanup() {
    local rc=$?
    if [ -n "$neutrino_pid" ]; then
        kill "$neutrino_pid" 2>/dev/null || :
        wait "$neutrino_pid" 2>/dev/null || :
    fi
    if [ -n "$neutron_dir" ]; then
        if [ $keep = 1 ]; then
            cp -r "$neutron_dir" "$tmp/neutron" 2>/dev/null || :
        fi
        "$here/neutron-server.sh" stop "$neutron_dir" || :
    fi
    if [ $keep = 1 ] || [ $rc != 0 ]; then
        log "logs and databases kept in $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Programs -------------------------------------------------------------

find_server() {
    local f
    for f in "$build/neutrino-server" "$build/src/api/neutrino-server"; do
        if [ -x "$f" ]; then
            echo "$f"
            return
        fi
    done
    die "no neutrino-server under $build (meson setup build &&" \
        "ninja -C build)"
}

# Uses the loadgen meson built if bench/ is part of the build yet, and
# otherwise compiles it here.
find_loadgen() {
    if [ -x "$build/bench/neutrino-loadgen" ] &&
        [ "$build/bench/neutrino-loadgen" -nt "$here/loadgen.c" ]; then
        echo "$build/bench/neutrino-loadgen"
        return
    fi
    gcc -std=gnu17 -O2 -Wall -Wextra -Werror -o "$tmp/neutrino-loadgen" \
        "$here/loadgen.c" -lcurl -pthread >&2 ||
        die "cannot build loadgen (needs libcurl4-openssl-dev)"
    echo "$tmp/neutrino-loadgen"
}

if [ $run_neutrino = 1 ]; then
    if [ $do_build = 1 ] && [ -f "$build/build.ninja" ]; then
        ninja -C "$build" >&2 ||
            log "ninja -C $build failed; using the binaries already built"
    fi
    server_bin=$(find_server)
fi
loadgen=$(find_loadgen)

# --- Results --------------------------------------------------------------

# Three significant figures or so are all these measurements carry.
fmt() {
    awk -v v="$1" 'BEGIN {
        if (v !~ /^[0-9.]+$/) print v
        else if (v >= 100) printf "%.0f\n", v
        else if (v >= 10) printf "%.1f\n", v
        else printf "%.2f\n", v }'
}

declare -A R                    # R[server/metric] = value

# The PIDs measured for $1: itself, or neutron-server's process tree for
# "neutron".
measured_pids() {
    if [ "$1" = neutron ]; then
        "$here/neutron-server.sh" pids "$neutron_dir"
    else
        echo "$1"
    fi
}

# Sum of VmRSS (MB) over measured_pids $1.
rss_mb() {
    local p kb=0 v
    for p in $(measured_pids "$1"); do
        v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) ||
            continue
        kb=$((kb + ${v:-0}))
    done
    awk -v kb="$kb" 'BEGIN { printf "%.1f\n", kb / 1024 }'
}

# CPU time (user + system, all threads) of measured_pids $1, in clock
# ticks: a steadier measure than rates on a shared machine.
cpu_ticks() {
    local p t=0 v
    for p in $(measured_pids "$1"); do
        v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) || continue
        t=$((t + ${v:-0}))
    done
    echo "$t"
}

# Runs loadgen, checks that no request failed, and leaves its JSON in $out.
out=
lg() {
    out=$("$loadgen" --url "$url" "$@")
    local errors
    errors=$(jq -c .errors <<<"$out")
    if [ "$errors" != "{}" ]; then
        log "$name: loadgen $*: errors $errors"
        R[$name/errors]="${R[$name/errors]:-} $2 $errors"
    fi
}

field() {
    jq -r ".$1" <<<"$out"
}

# POST $2 as JSON to $url$1; prints the response; dies unless 201.
post() {
    local code
    code=$(curl -sS -o "$tmp/resp.json" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' -d "$2" "$url$1")
    if [ "$code" != 201 ]; then
        die "$name: POST $1 answered $code: $(head -c 500 "$tmp/resp.json")"
    fi
    cat "$tmp/resp.json"
}

# Number of ports GET $url$1 returns.
count_ports() {
    curl -sS "$url$1" | jq '.ports | length'
}

# --- The workload ---------------------------------------------------------

median() {
    sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

# create_rounds C: $creates port creates with C clients, $rounds times (the
# machine is shared and noisy); records the median rate, p50 and p99.
create_rounds() {
    local c=$1 i rates="" p50s="" p99s="" cpus="" t0
    local n=$rounds
    [ "$name" = neutron ] && n=1 # Minutes per round there.
    for i in $(seq 1 "$n"); do
        log "$name: $creates port creates, $c client(s), round $i of $n"
        t0=$(cpu_ticks "$who")
        lg --op create-ports --network-id "$net" --count "$creates" \
            --concurrency "$c" --name-prefix "c$c-r$i-"
        cpus+="$(( ($(cpu_ticks "$who") - t0) * 1000000 / $(getconf CLK_TCK) \
            / creates ))"$'\n'
        rates+="$(field rate)"$'\n'
        p50s+="$(field p50_ms)"$'\n'
        p99s+="$(field p99_ms)"$'\n'
    done
    R[$name/c${c}_rate]=$(printf '%s' "$rates" | median)
    R[$name/c${c}_p50]=$(printf '%s' "$p50s" | median)
    R[$name/c${c}_p99]=$(printf '%s' "$p99s" | median)
    R[$name/c${c}_cpu]=$(printf '%s' "$cpus" | median)
}

# bench NAME URL PID-OR-"neutron" CREATES GETS
bench() {
    name=$1 url=$2
    local who=$3 creates=$4 gets=$5 net port have fill

    net=$(post /v2.0/networks '{"network": {"name": "provider",
        "provider:network_type": "flat",
        "provider:physical_network": "provider",
        "shared": true, "router:external": true}}' | jq -r .network.id)
    post /v2.0/subnets '{"subnet": {"name": "provider-v4",
        "network_id": "'"$net"'", "ip_version": 4,
        "cidr": "10.0.0.0/16", "enable_dhcp": false}}' >/dev/null
    R[$name/rss_idle]=$(rss_mb "$who")

    for c in 1 8; do
        create_rounds "$c"
    done

    port=$(curl -sS "$url/v2.0/ports?name=c1-r1-0" | jq -r '.ports[0].id')
    if [ -z "$port" ] || [ "$port" = null ]; then
        die "$name: no port c1-r1-0"
    fi
    log "$name: $gets GETs of one port"
    lg --op get-port --port-id "$port" --count "$gets"
    R[$name/get_p50]=$(field p50_ms)
    R[$name/get_p99]=$(field p99_ms)

    log "$name: one bulk POST of 100 ports"
    lg --op create-ports --network-id "$net" --count 100 --bulk 100 \
        --name-prefix filter- --device-owner bench:filter
    if [ "$(field ok)" = 1 ]; then
        R[$name/bulk100]=$(field p50_ms)
    else
        # neutron-server 21 on SQLite sometimes answers this bulk with a
        # 500: the filtered list still needs its 100 ports.
        log "$name: the bulk POST failed; creating the 100 ports singly"
        lg --op create-ports --network-id "$net" --count 100 \
            --name-prefix filter- --device-owner bench:filter
    fi

    have=$(count_ports /v2.0/ports?fields=id)
    fill=$((ports - have))
    if [ $fill -gt 0 ]; then
        log "$name: filling from $have to $ports ports"
        if [ "$who" = neutron ]; then
            "$here/neutron-server.sh" fill "$neutron_dir" "$fill"
            R[$name/fill]="SQL copy"
        else
            lg --op create-ports --network-id "$net" --count "$fill" \
                --bulk 500 --name-prefix fill-
            R[$name/fill]="bulk POSTs of 500, $(fmt "$(field rate)") ports/s"
        fi
    fi
    have=$(count_ports /v2.0/ports?fields=id)
    [ "$have" = "$ports" ] || log "$name: has $have ports, not $ports"
    R[$name/nports]=$have

    log "$name: full list of $have ports"
    lg --op list --path /v2.0/ports --count 5
    R[$name/list_full]=$(field p50_ms)
    R[$name/list_bytes]=$(field bytes_avg)

    log "$name: filtered lists"
    have=$(count_ports "/v2.0/ports?device_owner=bench:filter")
    [ "$have" = 100 ] ||
        log "$name: ?device_owner=bench:filter gave $have ports, not 100"
    lg --op list --path "/v2.0/ports?device_owner=bench:filter" --count 20
    R[$name/list_owner]=$(field p50_ms)
    have=$(count_ports "/v2.0/ports?name=c8-r1-7")
    [ "$have" = 1 ] || log "$name: ?name=c8-r1-7 gave $have ports, not 1"
    lg --op list --path "/v2.0/ports?name=c8-r1-7" --count 20
    R[$name/list_name]=$(field p50_ms)

    R[$name/rss_full]=$(rss_mb "$who")
}

start_neutrino() {
    cat >"$tmp/neutrino.conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 0
auth_strategy = noauth

[database]
connection = sqlite:///$tmp/neutrino.db

[ml2_type_flat]
flat_networks = provider

[ml2_type_vlan]
network_vlan_ranges = provider:1000:1999

# The fill puts --ports ports in one project (neutron-server's are copied
# into its database, past its quota).
[quotas]
quota_port = -1
EOF
    "$server_bin" --config-file "$tmp/neutrino.conf" \
        >"$tmp/neutrino.out" 2>"$tmp/neutrino.err" </dev/null &
    neutrino_pid=$!
    local i line
    for ((i = 0; i < 100; i++)); do
        line=$(grep -m1 'listening on http://' "$tmp/neutrino.out" || :)
        [ -z "$line" ] || break
        kill -0 "$neutrino_pid" 2>/dev/null ||
            die "neutrino-server exited: $(tail -5 "$tmp/neutrino.err")"
        sleep 0.1
    done
    [ -n "$line" ] || die "neutrino-server printed no listening line"
    neutrino_url=${line##*listening on }
}

if [ $run_neutrino = 1 ]; then
    log "neutrino-server: $server_bin"
    start_neutrino
    log "neutrino-server at $neutrino_url, pid $neutrino_pid"
    bench neutrino "$neutrino_url" "$neutrino_pid" "$neutrino_creates" \
        "$neutrino_gets"
    kill "$neutrino_pid"
    wait "$neutrino_pid" 2>/dev/null || :
    neutrino_pid=
fi

if [ $run_neutron = 1 ]; then
    log "starting Debian's neutron-server"
    env=$("$here/neutron-server.sh" start) ||
        die "neutron-server.sh start failed"
    eval "$env"
    neutron_dir=${NEUTRON_DIR:?}
    log "neutron-server at $NEUTRON_URL, pid $NEUTRON_PID"
    bench neutron "$NEUTRON_URL" neutron "$neutron_creates" "$neutron_gets"
fi

# --- Report ---------------------------------------------------------------

# ratio KIND A B: how many times better neutrino (A) is than neutron (B).
ratio() {
    local kind=$1 a=${2:-} b=${3:-}
    case "$kind/$a/$b" in
    none/* | */-/* | */- | *//* | */) echo -; return ;;
    esac
    awk -v k="$kind" -v a="$a" -v b="$b" 'BEGIN {
        if (k == "rate") x = b > 0 ? a / b : 0
        else x = a > 0 ? b / a : 0
        if (x >= 100) printf "%.0fx\n", x
        else printf "%.1fx\n", x }'
}

row() {
    local label=$1 key=$2 kind=$3 unit=$4 a b
    a=$(fmt "${R[neutrino/$key]:--}")
    b=$(fmt "${R[neutron/$key]:--}")
    printf '%-42s | %12s | %12s | %8s\n' "$label ($unit)" "$a" "$b" \
        "$(ratio "$kind" "$a" "$b")"
}

{
    echo "neutrino vs neutron-server API benchmark, $(date -u +%FT%TZ)"
    echo "host: $(nproc) cores, $(uname -r)," \
        "neutron $(dpkg-query -W -f '${Version}' python3-neutron \
        2>/dev/null || echo '(not run)')"
    echo "creates: neutrino $neutrino_creates, neutron $neutron_creates" \
        "per concurrency level; GETs: neutrino $neutrino_gets," \
        "neutron $neutron_gets"
    echo "fill to $ports ports: neutrino ${R[neutrino/fill]:-none}," \
        "neutron ${R[neutron/fill]:-none}"
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" \
        "(other work on the machine skews the figures)"
    echo "ratio = how many times better neutrino is"
    echo
    printf '%-42s | %12s | %12s | %8s\n' metric neutrino neutron ratio
    printf '%s\n' "$(printf '%.0s-' {1..82})"
    row "port create c=1 rate" c1_rate rate "ports/s"
    row "port create c=1 p50" c1_p50 time ms
    row "port create c=1 p99" c1_p99 time ms
    row "port create c=8 rate" c8_rate rate "ports/s"
    row "port create c=8 p50" c8_p50 time ms
    row "port create c=8 p99" c8_p99 time ms
    row "server CPU per create, c=1" c1_cpu time us
    row "server CPU per create, c=8" c8_cpu time us
    row "bulk POST of 100 ports" bulk100 time ms
    row "GET one port p50" get_p50 time ms
    row "GET one port p99" get_p99 time ms
    row "ports in the list" nports none n
    row "GET /v2.0/ports, all (median of 5)" list_full time ms
    row "GET /v2.0/ports, all, body size" list_bytes none bytes
    row "GET ?device_owner= (100 match) p50" list_owner time ms
    row "GET ?name= (1 match) p50" list_name time ms
    row "RSS idle (network + subnet)" rss_idle time MB
    row "RSS with all ports, after the lists" rss_full time MB
    for s in neutrino neutron; do
        if [ -n "${R[$s/errors]:-}" ]; then
            echo "$s request errors:${R[$s/errors]}"
        fi
    done
} | tee "$here/results-latest.txt"
