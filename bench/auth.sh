#!/bin/bash
# Cost of Keystone authentication per request, with a warm token cache.
#
#   bench/auth.sh [--build DIR] [--rounds N] [--gets N] [--creates N]
#                 [--callgrind]
#
# Starts a private Keystone (tests/keystone/keystone.sh) and two
# neutrino-servers on 127.0.0.1 with private databases: one with
# auth_strategy = noauth, one with keystone.  Each gets a flat network with
# a /16 subnet and one port.  Then, in interleaved rounds (the machine is
# shared and noisy; medians are reported; the first server alternates):
# GET of that one port, one client
# (--gets requests per round, default 5000), and port creates, one client
# (--creates per round, default 300).  The keystone server validates the
# admin token once, before the first round; every measured request is a
# cache hit.  Prints rate, p50 and the server's CPU time per request
# (from /proc, the figure least disturbed by other load on the machine) as
# metric | noauth | keystone | overhead.  --callgrind runs both servers
# under valgrind's callgrind and reports instructions per request instead
# (counters zeroed before and dumped after each run): slow, but the same
# on a busy machine as on a quiet one.  Everything started here is stopped
# on exit, by PID.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build
rounds=7
gets=5000
creates=300
callgrind=

while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --gets) gets=$2; shift ;;
    --creates) creates=$2; shift ;;
    --callgrind) callgrind=1 ;;
    *) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 2 ;;
    esac
    shift
done

die() { echo "auth.sh: $*" >&2; exit 1; }
log() { echo "auth.sh: $*" >&2; }
command -v jq >/dev/null || die "needs jq"
loadgen=$build/bench/neutrino-loadgen
[ -x "$loadgen" ] || die "build first: ninja -C $build"

tmp=$(mktemp -d /tmp/neutrino-bench-auth.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    "$top/tests/keystone/keystone.sh" stop "$tmp/keystone" || true
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

ks_port=$(free_port)
ks=http://127.0.0.1:$ks_port
declare -A url token pid
log "starting Keystone"
"$top/tests/keystone/keystone.sh" start "$tmp/keystone" "$ks_port" \
    http://127.0.0.1:9 >&2 2>"$tmp/keystone.err" ||
    die "keystone: $(tail -5 "$tmp/keystone.err")"

# start NAME STRATEGY: a server; sets url[NAME].
start() {
    local name=$1 port
    port=$(free_port)
    cat > "$tmp/$name.conf" <<CONF
[DEFAULT]
bind_port = $port
auth_strategy = $2
[database]
connection = sqlite:///$tmp/$name.db
[ml2_type_flat]
flat_networks = provider
[quotas]
quota_port = -1
[keystone_authtoken]
www_authenticate_uri = $ks
auth_url = $ks/v3
username = neutron
password = secret
project_name = service
CONF
    local run=()
    [ -z "$callgrind" ] || run=(valgrind --tool=callgrind
        "--callgrind-out-file=$tmp/$name.cg")
    "${run[@]}" "$build/neutrino-server" --config-file "$tmp/$name.conf" \
        > "$tmp/$name.out" 2> "$tmp/$name.err" &
    pids+=($!)
    pid[$name]=$!
    url[$name]=http://127.0.0.1:$port
    for _ in $(seq 600); do
        curl -fsS -o /dev/null "${url[$name]}/" 2>/dev/null && return
        sleep 0.1
    done
    die "$name did not start: $(cat "$tmp/$name.err")"
}

# post NAME PATH JSON: prints the created object; dies unless 201.
post() {
    local code
    code=$(curl -sS -o "$tmp/resp.json" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' -H "X-Auth-Token: ${token[$1]}" \
        -d "$3" "${url[$1]}$2")
    [ "$code" = 201 ] || die "$1: POST $2: $code $(head -c 300 "$tmp/resp.json")"
    cat "$tmp/resp.json"
}

token[keystone]=$(curl -sS -D - -o /dev/null -H 'Content-Type: application/json' \
    -d '{"auth": {"identity": {"methods": ["password"], "password": {"user":
        {"name": "admin", "password": "admin-secret",
         "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin",
                              "domain": {"name": "Default"}}}}}' \
    "$ks/v3/auth/tokens?nocatalog" | tr -d '\r' |
    awk 'tolower($1) == "x-subject-token:" { print $2 }')
[ -n "${token[keystone]}" ] || die "no admin token from Keystone"
token[noauth]=unused
declare -A net port
for name in noauth keystone; do
    start "$name" "$name"
    net[$name]=$(post "$name" /v2.0/networks '{"network": {"name": "provider",
        "provider:network_type": "flat",
        "provider:physical_network": "provider", "shared": true}}' |
        jq -r .network.id)
    post "$name" /v2.0/subnets '{"subnet": {"network_id": "'"${net[$name]}"'",
        "ip_version": 4, "cidr": "10.0.0.0/16",
        "enable_dhcp": false}}' >/dev/null
    port[$name]=$(post "$name" /v2.0/ports '{"port": {"network_id":
        "'"${net[$name]}"'"}}' | jq -r .port.id)
done

# CPU time the server NAME has used, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/${pid[$1]}/stat"
}

# Instructions the server NAME has run since its counters were last zeroed
# (callgrind_control dumps them into a new file).
instructions() {
    local before
    before=$(ls "$tmp/$1".cg.* 2>/dev/null | wc -l)
    callgrind_control -d "${pid[$1]}" >/dev/null 2>&1
    for _ in $(seq 100); do
        [ "$(ls "$tmp/$1".cg.* 2>/dev/null | wc -l)" -gt "$before" ] && break
        sleep 0.1
    done
    awk '/^totals:/ { print $2 }' "$(ls -t "$tmp/$1".cg.* | head -1)"
}

declare -A samples
# run NAME KEY ARGS...: one loadgen run; appends "rate p50 cpu_us_per_req"
# (callgrind: "- - instructions_per_req") to samples.
run() {
    local name=$1 key=$2 out t0 n
    shift 2
    if [ -n "$callgrind" ]; then
        callgrind_control -z "${pid[$name]}" >/dev/null 2>&1
    fi
    t0=$(cpu_ticks "$name")
    out=$("$loadgen" --url "${url[$name]}" --token "${token[$name]}" "$@")
    [ "$(jq -c .errors <<<"$out")" = "{}" ] ||
        die "$name: $*: $(jq -c .errors <<<"$out")"
    n=$(jq -r .requests <<<"$out")
    if [ -n "$callgrind" ]; then
        samples[$name/$key]+="- - $(($(instructions "$name") / n))"$'\n'
        return
    fi
    samples[$name/$key]+="$(jq -r '"\(.rate) \(.p50_ms)"' <<<"$out") $((
        ($(cpu_ticks "$name") - t0) * 1000000 / $(getconf CLK_TCK) / n))"$'\n'
}

for i in $(seq 1 "$rounds"); do
    log "round $i of $rounds"
    order="noauth keystone"
    [ $((i % 2)) = 1 ] || order="keystone noauth" # Who goes first matters.
    for name in $order; do
        run "$name" get --op get-port --port-id "${port[$name]}" \
            --count "$gets"
        run "$name" create --op create-ports --network-id "${net[$name]}" \
            --count "$creates" --name-prefix "r$i-"
    done
done

median() {
    sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

# col NAME KEY FIELD(1 rate, 2 p50)
col() {
    printf '%s' "${samples[$1/$2]}" | awk -v f="$3" '{print $f}' | median
}

printf '%-34s %10s %10s %9s\n' metric noauth keystone overhead
fields="1 2 3"
[ -z "$callgrind" ] || fields=3
for key in get create; do
    for f in $fields; do
        a=$(col noauth "$key" "$f") b=$(col keystone "$key" "$f")
        case $f in
        1) label="rate (req/s)" ;;
        2) label="p50 (ms)" ;;
        3) label="server CPU/request (us)"
           [ -z "$callgrind" ] || label="server instructions/request" ;;
        esac
        [ "$key" = get ] && label="GET port: $label"
        [ "$key" = create ] && label="create: $label"
        if [ "$f" = 1 ]; then
            ov=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%+.1f%%", (a / b - 1) * 100}')
        else
            ov=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%+.1f%%", (b / a - 1) * 100}')
        fi
        printf '%-34s %10s %10s %9s\n' "$label" "$a" "$b" "$ov"
    done
done
