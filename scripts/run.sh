#!/bin/sh
# The all-in-one (README's first command; Debian 12, as root):
#
#     sh scripts/run.sh          install, build, set up (again: reuse)
#     sh scripts/run.sh clean    remove everything the all-in-one made
#
# Installs what is needed and builds, then makes a namespace host
# ($P-aio) with its own ovsdb-server and ovs-vswitchd (run dir, database
# and logs under the state dir; kernel datapath if the openvswitch module
# exists, else the userspace one), runs neutrino-server in the root
# namespace on 127.0.0.1:$PORT (embedded SQLite) and neutrino-agent in the
# namespace host, and replays seed 000: the flat network `provider`, its
# subnet, an upstream router namespace ($P-router, 172.16.0.1) cabled to
# br-provider's eth0, and two instances ($P-vm1, $P-vm2: namespaces plugged
# into br-int as libvirt/os-vif plug VMs) that get DHCP leases, ping the
# gateway and each other and read their metadata.  The machine's own
# network is not touched: every device is made under a temporary name and
# renamed inside its namespace; no address or route is added to the root
# namespace (the agent reaches the server through scripts/netns-relay.py).
# The daemons keep running in the background; `clean` stops them by the
# PID files written here and removes the namespaces and the state dir.
#
# Environment (all optional):
#   NEUTRINO_AIO_PREFIX      namespace/device prefix, at most 10 characters
#                            (neutrino)
#   NEUTRINO_AIO_PORT        the server's port on 127.0.0.1 (9696)
#   NEUTRINO_AIO_STATE       state dir (/var/lib/neutrino-aio)
#   NEUTRINO_AIO_DATAPATH    system or netdev (default: system if the
#                            kernel module loads)
#   NEUTRINO_AIO_SKIP_BUILD  1: no package installation, no build; the
#                            binaries come from NEUTRINO_SERVER,
#                            NEUTRINO_AGENT, NEUTRINO_CLI (build/...)
#   NEUTRINO_AIO_UPLINK      a host device (a spare NIC) to give to the
#                            provider network instead of the simulated
#                            router: it is moved into $P-aio and added to
#                            br-provider, and the instances get their
#                            addresses from our DHCP (only for their MACs)
#                            and reach whatever is on that LAN.  `clean`
#                            moves it back with its name, addresses, routes
#                            and up state.  A device carrying a default
#                            route is refused (the host would lose that
#                            network, ssh included) unless
#   NEUTRINO_AIO_UPLINK_CONFIRM  names the same device.
set -eu
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
    # This header, without the comment marks.
    sed -n '2,/^set -eu$/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
fi
cd "$(dirname "$0")/.."
REPO=$PWD
P=${NEUTRINO_AIO_PREFIX:-neutrino}
PORT=${NEUTRINO_AIO_PORT:-9696}
STATE=${NEUTRINO_AIO_STATE:-/var/lib/neutrino-aio}
SERVER=${NEUTRINO_SERVER:-$REPO/build/neutrino-server}
AGENT=${NEUTRINO_AGENT:-$REPO/build/neutrino-agent}
CLI=${NEUTRINO_CLI:-$REPO/build/neutrino}
HOSTNS=$P-aio
ROUTERNS=$P-router
VMS="vm1 vm2"
# The seed's subnet and its upstream router.
GATEWAY=172.16.0.1
ROUTER_CIDR=172.16.0.1/12
MARK=$STATE/.neutrino-aio
UPLINK=${NEUTRINO_AIO_UPLINK:-}
# The uplink's name, addresses, routes and up state, for `clean`.
UPLINK_SAVED=$STATE/uplink
export OVS_RUNDIR="$STATE/ovs" OVS_DBDIR="$STATE/ovs" OVS_LOGDIR="$STATE/ovs"
export OS_ENDPOINT="http://127.0.0.1:$PORT"

die() {
    echo "run.sh: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (namespaces, Open vSwitch)"
[ ${#P} -le 10 ] || die "NEUTRINO_AIO_PREFIX '$P' is longer than 10"
case $STATE in
/?*) ;;
*) die "NEUTRINO_AIO_STATE must be an absolute path" ;;
esac

# ------------------------------------------------------------------ helpers
T0=$(cut -d' ' -f1 /proc/uptime)
elapsed() {
    awk -v t0="$T0" '{ printf "%.1f", $1 - t0 }' /proc/uptime
}
step() {
    printf '[%5ss] %s\n' "$(elapsed)" "$*"
}

# Whether PID file $1 names a live process of this all-in-one (its command
# line mentions the state dir), so a recycled PID is never signalled.
ours() {
    [ -s "$1" ] || return 1
    pid=$(cat "$1")
    [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$STATE"
}

# Stops the process of PID file $1 if it is ours: SIGTERM, SIGKILL after
# 5 s.  Removes the PID file.
stop() {
    if ours "$1"; then
        pid=$(cat "$1")
        kill "$pid" 2>/dev/null || true
        i=0
        while running "$pid" && [ $i -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        ! running "$pid" || kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$1"
}

# Whether process $1 exists and is no zombie (an exited daemon waits as a
# zombie until whoever inherited it reaps it).
running() {
    [ -n "$1" ] && [ -r "/proc/$1/stat" ] &&
        [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]
}

# Polls command "$@" every 0.1 s for up to $WAIT seconds.
WAIT=20
until_ok() {
    i=0
    while ! "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt $((WAIT * 10)) ] || return 1
        sleep 0.1
    done
}

has_netns() {
    [ -e "/run/netns/$1" ]
}

add_netns() {
    has_netns "$1" && return 0
    ip netns add "$1"
    ip -n "$1" link set lo up
}

in_ns() {
    ns=$1
    shift
    ip netns exec "$ns" "$@"
}

# A veth pair whose ends are $2 in namespace $1 and $4 in namespace $3 ($5:
# the MAC of the second end).  Made in the root namespace under temporary
# names carrying the prefix, moved, then renamed inside its namespace: a
# device is never created under its final name (eth0!) in the root
# namespace.  TX checksum offload off: the userspace datapath forwards
# packets with unfilled checksums, which receivers drop.
veth() {
    del_tmp_links
    ip link add "${P}t0" type veth peer name "${P}t1"
    ip link set "${P}t0" netns "$1"
    ip link set "${P}t1" netns "$3"
    ip -n "$1" link set "${P}t0" name "$2"
    ip -n "$3" link set "${P}t1" name "$4"
    [ -z "${5:-}" ] || ip -n "$3" link set "$4" address "$5"
    for end in "$1 $2" "$3 $4"; do
        set -- $end
        ip -n "$1" link set "$2" up
        in_ns "$1" ethtool -K "$2" tx off >/dev/null 2>&1 || true
    done
}

# The temporary veth names in the root namespace (only these two names).
del_tmp_links() {
    for tmp in "${P}t0" "${P}t1"; do
        if ip link show "$tmp" >/dev/null 2>&1; then
            ip link del "$tmp"
        fi
    done
}

vsctl() {
    ovs-vsctl --timeout=10 "$@"
}

tail_logs() {
    for log in "$STATE"/log/*.log "$STATE"/ovs/*.log; do
        [ -f "$log" ] || continue
        echo "---- $log (last lines)" >&2
        tail -n 15 "$log" >&2
    done
}

on_failure() {
    rc=$?
    trap - EXIT
    [ $rc = 0 ] && return 0
    del_tmp_links 2>/dev/null || true
    tail_logs
    echo "run.sh: failed (rc $rc) after $(elapsed) s; the logs are under" \
        "$STATE; 'sh scripts/run.sh clean' removes what was made" >&2
    exit $rc
}

# ------------------------------------------------------------------ uplink
# Whether device $1 carries a default route (any table, IPv4 or IPv6).
carries_default() {
    { ip -4 route show table all default; ip -6 route show table all default
    } 2>/dev/null | awk -v d="$1" '
        { for (i = 1; i < NF; i++) if ($i == "dev" && $(i + 1) == d) f = 1 }
        END { exit !f }'
}

# Refuses an uplink that is missing, loopback, a port of a bridge or bond,
# part of the host's Open vSwitch, or (unless confirmed) the way to a
# default route.
check_uplink() {
    ip link show dev "$1" >/dev/null 2>&1 ||
        die "NEUTRINO_AIO_UPLINK: there is no device '$1' here"
    link=$(ip -d -o link show dev "$1")
    case $link in
    *LOOPBACK*) die "NEUTRINO_AIO_UPLINK: '$1' is the loopback device" ;;
    *" master "*) die "NEUTRINO_AIO_UPLINK: '$1' is a port of" \
        "$(echo "$link" | sed 's/.* master \([^ ]*\).*/\1/'); take it" \
        "out of it first" ;;
    *openvswitch*) die "NEUTRINO_AIO_UPLINK: '$1' belongs to this host's" \
        "Open vSwitch" ;;
    esac
    if carries_default "$1" &&
        [ "${NEUTRINO_AIO_UPLINK_CONFIRM:-}" != "$1" ]; then
        die "NEUTRINO_AIO_UPLINK: '$1' carries this host's default route;" \
            "given to the all-in-one, the host loses that network (ssh" \
            "over it included) until 'sh scripts/run.sh clean'.  If that" \
            "is what you want, set NEUTRINO_AIO_UPLINK_CONFIRM=$1 as well."
    fi
}

# Writes what `clean` restores of device $1 to $UPLINK_SAVED: its name,
# whether it is up, its addresses (not the IPv6 link-local and autoconf
# ones, which the kernel makes again) and its routes in every table (not
# the kernel's own, which come back with the addresses), each as the
# arguments "ip addr add"/"ip route add" take.
save_uplink() {
    {
        echo "name $1"
        if ip -o link show dev "$1" | grep -q '[<,]UP[,>]'; then
            echo up
        fi
        ip -o addr show dev "$1" | awk '
            $3 == "inet" || $3 == "inet6" {
                args = $4; scope = ""; dyn = 0
                for (i = 5; i <= NF && $i != "\\"; i++) {
                    if ($i == "peer" || $i == "brd" || $i == "scope") {
                        args = args " " $i " " $(i + 1)
                        if ($i == "scope") scope = $(i + 1)
                        i++
                    } else if ($i == "noprefixroute" || $i == "nodad") {
                        args = args " " $i
                    } else if ($i == "dynamic" || $i == "mngtmpaddr") {
                        dyn = 1
                    }
                }
                if ($3 == "inet6" && (scope == "link" || dyn)) next
                print ($3 == "inet" ? "addr4 " : "addr6 ") args
            }'
        for fam in 4 6; do
            ip -"$fam" -o route show table all dev "$1" | awk -v f="$fam" '
                / proto (kernel|ra) / { next }
                $1 ~ /^(local|broadcast|multicast|anycast|unreachable)$/ {
                    next }
                {
                    line = ""
                    for (i = 1; i <= NF; i++) {
                        if ($i ~ /^(linkdown|dead|offload|trap|rt_offload|rt_trap)$/) continue
                        if ($i == "expires") { i++; continue }
                        line = line " " $i
                    }
                    print "route" f line
                }'
        done
    } >"$UPLINK_SAVED.new"
    mv "$UPLINK_SAVED.new" "$UPLINK_SAVED"
}

# Gives the saved uplink back to this (the root) namespace, as it was.
restore_uplink() {
    [ -f "$UPLINK_SAVED" ] || return 0
    dev=$(awk '$1 == "name" { print $2 }' "$UPLINK_SAVED")
    if ip -n "$HOSTNS" link show dev "$dev" >/dev/null 2>&1; then
        step "giving $dev back to the root namespace"
        if ours "$OVS_RUNDIR/ovs-vswitchd.pid"; then
            vsctl --if-exists del-port br-provider "$dev" || true
        fi
        # $$: this shell, which runs in the root namespace.
        ip -n "$HOSTNS" link set dev "$dev" netns $$ ||
            die "cannot move $dev back (is there another '$dev' now?);" \
                "$HOSTNS and $STATE are kept: run clean again once the" \
                "name is free"
    fi
    if ! ip link show dev "$dev" >/dev/null 2>&1; then
        # A virtual device goes with its namespace (after a reboot, say).
        echo "run.sh: the uplink $dev is gone (neither here nor in" \
            "$HOSTNS): nothing to give back" >&2
        rm -f "$UPLINK_SAVED"
        return 0
    fi
    while read -r kind args; do
        case $kind in
        addr4 | addr6)
            ip "-${kind#addr}" addr replace $args dev "$dev" ||
                echo "run.sh: could not restore address $args of $dev" >&2
            ;;
        up) ip link set dev "$dev" up ;;
        esac
    done <"$UPLINK_SAVED"
    while read -r kind args; do
        case $kind in
        route4 | route6)
            ip "-${kind#route}" route replace $args dev "$dev" ||
                echo "run.sh: could not restore route $args of $dev" >&2
            ;;
        esac
    done <"$UPLINK_SAVED"
    rm -f "$UPLINK_SAVED"
    step "$dev is back with its addresses and routes"
}

# -------------------------------------------------------------------- clean
clean() {
    if [ -d "$STATE" ] && [ ! -e "$MARK" ]; then
        die "$STATE was not made by the all-in-one: not touching it"
    fi
    step "stopping neutrino-agent, the relay and neutrino-server"
    stop "$STATE/run/agent.pid"
    stop "$STATE/run/relay.pid"
    stop "$STATE/run/server.pid"
    restore_uplink
    step "stopping dnsmasq and removing the qdhcp namespaces"
    for pidfile in "$STATE"/dhcp/*/pid; do
        [ -f "$pidfile" ] && stop "$pidfile"
    done
    nets=$(cat "$STATE/networks" 2>/dev/null || true)
    for dir in "$STATE"/dhcp/*/; do
        [ -d "$dir" ] && nets="$nets $(basename "$dir")"
    done
    for net in $nets; do
        if has_netns "qdhcp-$net"; then
            ip netns del "qdhcp-$net"
        fi
    done
    step "stopping Open vSwitch of $HOSTNS"
    # exit --cleanup: also removes kernel datapaths, if any were made.
    if ours "$STATE/ovs/ovs-vswitchd.pid"; then
        ovs-appctl -t "$STATE/ovs/ovs-vswitchd.ctl" exit --cleanup \
            >/dev/null 2>&1 || true
    fi
    stop "$STATE/ovs/ovs-vswitchd.pid"
    stop "$STATE/ovs/ovsdb-server.pid"
    step "removing the namespaces"
    for ns in $(for vm in $VMS; do echo "$P-$vm"; done) "$ROUTERNS" \
        "$HOSTNS"; do
        if has_netns "$ns"; then
            ip netns del "$ns"
        fi
    done
    del_tmp_links
    if [ -d "$STATE" ]; then
        step "removing $STATE"
        rm -rf "$STATE"
    fi
    step "clean"
}

if [ "${1:-}" = clean ]; then
    clean
    exit 0
elif [ $# != 0 ]; then
    die "usage: sh scripts/run.sh [clean|--help]"
fi

# The uplink: the one this all-in-one already has, or a new one, checked
# before anything is made.
if [ -f "$UPLINK_SAVED" ]; then
    saved=$(awk '$1 == "name" { print $2 }' "$UPLINK_SAVED")
    [ -z "$UPLINK" ] || [ "$UPLINK" = "$saved" ] ||
        die "this all-in-one has the uplink $saved: 'sh scripts/run.sh" \
            "clean' first to use $UPLINK"
    UPLINK=$saved
fi
if [ -n "$UPLINK" ]; then
    ! has_netns "$ROUTERNS" || die "this all-in-one has the simulated" \
        "router $ROUTERNS: 'sh scripts/run.sh clean' first to use an uplink"
    ip -n "$HOSTNS" link show dev "$UPLINK" >/dev/null 2>&1 ||
        check_uplink "$UPLINK"
fi

# -------------------------------------------------------------- install
if [ -d "$STATE" ] && [ ! -e "$MARK" ]; then
    die "$STATE exists and was not made by the all-in-one"
fi
mkdir -p "$STATE/run" "$STATE/log" "$STATE/ovs"
# dnsmasq re-reads its files as nobody: the state path must be searchable.
chmod 755 "$STATE"
touch "$MARK"
trap on_failure EXIT
# A signal ends the script through exit, so on_failure runs.
trap 'exit 130' INT TERM HUP
if [ "${NEUTRINO_AIO_SKIP_BUILD:-}" != 1 ]; then
    # Packages once (again when install-deps.sh changes), then the build.
    if [ ! -e "$STATE/run/deps" ] ||
        [ -n "$(find scripts/install-deps.sh -newer "$STATE/run/deps")" ]
    then
        scripts/install-deps.sh
        touch "$STATE/run/deps"
    fi
    scripts/build.sh
fi
for bin in "$SERVER" "$AGENT" "$CLI"; do
    [ -x "$bin" ] || die "$bin missing (build it, or set NEUTRINO_SERVER," \
        "NEUTRINO_AGENT, NEUTRINO_CLI)"
done
T0=$(cut -d' ' -f1 /proc/uptime)
step "built; state in $STATE, server on 127.0.0.1:$PORT, prefix '$P'"

# ----------------------------------------------------------- namespace host
DP=${NEUTRINO_AIO_DATAPATH:-}
if [ -z "$DP" ]; then
    DP=netdev
    if [ -d /sys/module/openvswitch ] || modprobe openvswitch 2>/dev/null
    then
        DP=system
    fi
fi
add_netns "$HOSTNS"
if ours "$OVS_RUNDIR/ovsdb-server.pid"; then
    step "reusing Open vSwitch in namespace $HOSTNS"
else
    step "starting Open vSwitch in namespace $HOSTNS ($DP datapath)"
    [ -f "$OVS_DBDIR/conf.db" ] || ovsdb-tool create "$OVS_DBDIR/conf.db" \
        /usr/share/openvswitch/vswitch.ovsschema
    in_ns "$HOSTNS" ovsdb-server "$OVS_DBDIR/conf.db" \
        --remote="punix:$OVS_RUNDIR/db.sock" \
        --remote=db:Open_vSwitch,Open_vSwitch,manager_options \
        --pidfile="$OVS_RUNDIR/ovsdb-server.pid" \
        --unixctl="$OVS_RUNDIR/ovsdb-server.ctl" \
        --log-file="$OVS_LOGDIR/ovsdb-server.log" \
        --detach --no-chdir -vconsole:off 2>/dev/null
    vsctl --no-wait init
fi
if ! ours "$OVS_RUNDIR/ovs-vswitchd.pid"; then
    in_ns "$HOSTNS" ovs-vswitchd "unix:$OVS_RUNDIR/db.sock" \
        --pidfile="$OVS_RUNDIR/ovs-vswitchd.pid" \
        --unixctl="$OVS_RUNDIR/ovs-vswitchd.ctl" \
        --log-file="$OVS_LOGDIR/ovs-vswitchd.log" \
        --detach --no-chdir -vconsole:off 2>/dev/null
fi
# The operator's step: the physical bridge, the NIC in it (cabled below).
vsctl --may-exist add-br br-provider -- set Bridge br-provider \
    datapath_type="$DP"

# ------------------------------------------------------------------ daemons
# The agents' shared secret ([agent] shared_secret, read by both daemons):
# made once, so no other user of this host can drive the agents' API.
[ -s "$STATE/agent-secret" ] || (umask 077 &&
    od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$STATE/agent-secret")
# The sample configuration plus what this all-in-one changes (root-only:
# it holds the secret).
umask 077
cat >"$STATE/aio.conf" <<EOF
# Written by scripts/run.sh on top of etc/neutrino.conf.
[DEFAULT]
bind_port = $PORT
state_path = $STATE
[database]
connection = sqlite:///$STATE/neutrino.db
[ovs]
datapath_type = $DP
[agent]
report_interval = 10
shared_secret = $(cat "$STATE/agent-secret")
EOF
umask 022

# Starts "$@" in the background as $1 of the PID file run/$1.pid (argv
# from $2 on), detached from the terminal, output to log/$1.log.
start() {
    name=$1
    shift
    setsid "$@" >>"$STATE/log/$name.log" 2>&1 </dev/null &
    echo $! >"$STATE/run/$name.pid"
}

if ours "$STATE/run/server.pid"; then
    step "reusing neutrino-server"
else
    step "starting neutrino-server on http://127.0.0.1:$PORT"
    : >"$STATE/log/server.log"
    start server "$SERVER" --config-file "$REPO/etc/neutrino.conf" \
        --config-file "$STATE/aio.conf"
    WAIT=10 until_ok grep -q "listening on" "$STATE/log/server.log" ||
        die "neutrino-server did not start (port $PORT in use? set" \
            "NEUTRINO_AIO_PORT)"
    ours "$STATE/run/server.pid" || die "neutrino-server exited"
fi
if ! ours "$STATE/run/relay.pid"; then
    # Writes its PID file itself, once it listens in $HOSTNS.
    rm -f "$STATE/run/relay.pid"
    setsid /usr/bin/python3 "$REPO/scripts/netns-relay.py" "$HOSTNS" 9696 \
        "$PORT" "$STATE/run/relay.pid" >>"$STATE/log/relay.log" 2>&1 \
        </dev/null &
    WAIT=5 until_ok ours "$STATE/run/relay.pid" || die "the relay did not" \
        "start ($STATE/log/relay.log)"
fi
# Agents count once each of them reported since $since (an agent that
# was just restarted is still shown alive from its predecessor's reports).
since="1970-01-01 00:00:00"
if ours "$STATE/run/agent.pid"; then
    step "reusing neutrino-agent"
else
    step "starting neutrino-agent in namespace $HOSTNS"
    since=$(date -u '+%Y-%m-%d %H:%M:%S')
    start agent nsenter --net="/run/netns/$HOSTNS" "$AGENT" \
        --config-file "$REPO/etc/neutrino.conf" \
        --config-file "$STATE/aio.conf"
fi

# Whether the process of PID file $1 still runs.  Unlike ours(), it does
# not read the command line, which is empty for an instant while setsid and
# nsenter exec the agent.
alive() {
    running "$(cat "$1" 2>/dev/null)"
}
agents_alive() {
    # A dead agent ends the wait at once (checked below).
    alive "$STATE/run/agent.pid" || return 0
    ids=$("$CLI" network agent list -f value -c ID) || return 1
    [ -n "$ids" ] || return 1
    for id in $ids; do
        set -- $("$CLI" network agent show "$id" -f value -c alive \
            -c started_at) || return 1
        # "True 2026-11-29 05:57:10": alive, started since $since.
        [ "$1" = True ] || return 1
        awk -v a="$2 $3" -v b="$since" 'BEGIN { exit !(a >= b) }' ||
            return 1
    done
}
WAIT=30 until_ok agents_alive || die "the agents are not alive"
alive "$STATE/run/agent.pid" || die "neutrino-agent exited" \
    "($STATE/log/agent.log)"
step "agents alive:"
"$CLI" network agent list -c "Agent Type" -c Host -c Alive -c State |
    sed 's/^/    /'

# ------------------------------------------------------------- seed 000
if net=$("$CLI" network show provider -f value -c id 2>/dev/null); then
    step "reusing network provider $net"
else
    net=$("$CLI" network create --share --external \
        --provider-physical-network provider \
        --provider-network-type flat provider -f value -c id)
    step "created network provider $net (flat, physnet provider)"
fi
grep -qx "$net" "$STATE/networks" 2>/dev/null || echo "$net" \
    >>"$STATE/networks"
if sub=$("$CLI" subnet show provider -f value -c id 2>/dev/null); then
    step "reusing subnet provider $sub"
else
    sub=$("$CLI" subnet create --network provider \
        --allocation-pool start=172.17.0.0,end=172.17.0.255 \
        --gateway "$GATEWAY" --subnet-range 172.16.0.0/12 provider \
        -f value -c id)
    step "created subnet provider $sub (172.16.0.0/12, pool" \
        "172.17.0.0-172.17.0.255, gateway $GATEWAY)"
fi

if [ -n "$UPLINK" ]; then
    if ip -n "$HOSTNS" link show dev "$UPLINK" >/dev/null 2>&1; then
        step "reusing uplink $UPLINK"
    else
        save_uplink "$UPLINK"
        if ! ip link set dev "$UPLINK" netns "$HOSTNS"; then
            rm -f "$UPLINK_SAVED"
            die "cannot move $UPLINK into $HOSTNS (a device that cannot" \
                "change namespace, such as a bridge?)"
        fi
        step "uplink $UPLINK moved into $HOSTNS as br-provider's port" \
            "(its addresses and routes are saved for 'clean')"
    fi
    ip -n "$HOSTNS" link set dev "$UPLINK" up
    vsctl --may-exist add-port br-provider "$UPLINK"
else
    if has_netns "$ROUTERNS" && ip -n "$ROUTERNS" link show eth0 \
        >/dev/null 2>&1; then
        step "reusing router $ROUTERNS"
    else
        add_netns "$ROUTERNS"
        veth "$HOSTNS" eth0 "$ROUTERNS" eth0
        ip -n "$ROUTERNS" addr add "$ROUTER_CIDR" dev eth0
        step "router $ROUTERNS ($ROUTER_CIDR) cabled to br-provider's eth0"
    fi
    vsctl --may-exist add-port br-provider eth0
fi

# ---------------------------------------------------------------- instances
if ! WAIT=20 until_ok vsctl br-exists br-int; then
    alive "$STATE/run/agent.pid" || die "neutrino-agent exited" \
        "($STATE/log/agent.log)"
    die "the agent made no br-int"
fi
cat >"$STATE/udhcpc.sh" <<'EOF'
#!/bin/sh
# busybox udhcpc's script: the lease's address, its classless static
# routes (option 121, which replaces the router option) or the router.
case "$1" in
deconfig)
    ip addr flush dev "$interface"
    ip link set "$interface" up ;;
bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    ip route flush dev "$interface" proto static 2>/dev/null
    if [ -n "$staticroutes" ]; then
        set -- $staticroutes
        while [ $# -ge 2 ]; do
            if [ "$1" = 0.0.0.0/0 ]; then
                ip route replace default via "$2" proto static
            else
                ip route replace "$1" via "$2" proto static
            fi
            shift 2
        done
    elif [ -n "$router" ]; then
        ip route replace default via "${router%% *}" proto static
    fi
    echo "$ip" >"$LEASE" ;;
esac
EOF
chmod 755 "$STATE/udhcpc.sh"

for vm in $VMS; do
    ns=$P-$vm
    if ! "$CLI" port show "$vm" -f value -c id >/dev/null 2>&1; then
        "$CLI" port create --network provider --device "$(cat \
            /proc/sys/kernel/random/uuid)" --device-owner compute:nova \
            "$vm" >/dev/null
    fi
    # Sets id, mac_address and device_id.
    eval "$("$CLI" port show "$vm" -f shell -c id -c mac_address \
        -c device_id)"
    mac=$mac_address uuid=$device_id
    tap=tap$(echo "$id" | cut -c1-11)
    if has_netns "$ns" && ip -n "$ns" link show eth0 >/dev/null 2>&1; then
        step "reusing instance $ns (port $id)"
    else
        add_netns "$ns"
        veth "$HOSTNS" "$tap" "$ns" eth0 "$mac"
        step "instance $ns: port $id, $mac, plugged as $tap"
    fi
    # What libvirt does for <virtualport type='openvswitch'>.
    vsctl --may-exist add-port br-int "$tap" -- set Interface "$tap" \
        "external_ids:iface-id=$id" external_ids:iface-status=active \
        "external_ids:attached-mac=$mac" "external_ids:vm-uuid=$uuid"
done

port_active() {
    [ "$("$CLI" port show "$1" -f value -c status)" = ACTIVE ]
}
for vm in $VMS; do
    WAIT=20 until_ok port_active "$vm" || die "port $vm is not ACTIVE"
done
step "ports ACTIVE"

# DHCP for both at once: each udhcpc retries every second until the
# network's dnsmasq knows its MAC.
pids=
for vm in $VMS; do
    rm -f "$STATE/run/$vm.lease"
    in_ns "$P-$vm" env LEASE="$STATE/run/$vm.lease" busybox udhcpc \
        -i eth0 -f -q -n -t 15 -T 1 -A 1 -O staticroutes \
        -s "$STATE/udhcpc.sh" >"$STATE/log/udhcpc-$vm.log" 2>&1 &
    pids="$pids $!"
done
for pid in $pids; do
    wait "$pid" || true
done
for vm in $VMS; do
    [ -s "$STATE/run/$vm.lease" ] || die "$P-$vm got no DHCP lease" \
        "($STATE/log/udhcpc-$vm.log)"
done
leased=$(elapsed)
step "leases: $(for vm in $VMS; do
    printf '%s %s  ' "$P-$vm" "$(cat "$STATE/run/$vm.lease")"
done)"

ping1() {
    in_ns "$1" ping -n -c 1 -W 1 "$2"
}
ip1=$(cat "$STATE/run/vm1.lease")
ip2=$(cat "$STATE/run/vm2.lease")
for pair in "vm1 $GATEWAY" "vm2 $GATEWAY" "vm1 $ip2" "vm2 $ip1"; do
    set -- $pair
    if WAIT=10 until_ok ping1 "$P-$1" "$2"; then
        step "$P-$1 pings $2"
    elif [ -n "$UPLINK" ] && [ "$2" = "$GATEWAY" ]; then
        # A real LAN may have no router at the seed's gateway address.
        step "$P-$1 cannot ping $2: nothing answers there on $UPLINK's" \
            "network?"
    else
        die "$P-$1 cannot ping $2"
    fi
done
for vm in $VMS; do
    WAIT=10 until_ok in_ns "$P-$vm" curl -sf --max-time 2 \
        http://169.254.169.254/openstack/latest/meta_data.json ||
        die "$P-$vm cannot read its metadata"
    md=$(in_ns "$P-$vm" curl -sf --max-time 2 \
        http://169.254.169.254/openstack/latest/meta_data.json)
    echo "$md" >"$STATE/run/$vm.meta_data.json"
    step "$P-$vm meta_data.json: $md"
done
trap - EXIT INT TERM HUP

# ------------------------------------------------------------------ report
echo
echo "\$ neutrino port list"
"$CLI" port list
echo
echo "Instances (namespaces plugged into br-int of $HOSTNS):"
for vm in $VMS; do
    eval "$("$CLI" port show "$vm" -f shell -c id -c mac_address)"
    printf '  %-16s %-12s %s  port %s\n' "$P-$vm" \
        "$(cat "$STATE/run/$vm.lease")" "$mac_address" "$id"
done
if [ -n "$UPLINK" ]; then
    echo
    echo "The provider network is $UPLINK's (in $HOSTNS, a port of" \
        "br-provider); clean gives it back."
fi
cat <<EOF

Reach them and look around (as root):
  ip netns exec $P-vm1 ping $ip2
  ip netns exec $P-vm1 curl http://169.254.169.254/openstack/latest/meta_data.json
  ip netns exec qdhcp-$net ss -ano -4
  export OS_AUTH_TYPE=none OS_ENDPOINT=$OS_ENDPOINT
  $CLI port list          # or: openstack port list
  OVS_RUNDIR=$OVS_RUNDIR ovs-vsctl show
  OVS_RUNDIR=$OVS_RUNDIR ovs-ofctl dump-flows br-int
Logs: $STATE/log/, $OVS_LOGDIR/.  Clean up everything: sh scripts/run.sh clean
(with the same NEUTRINO_AIO_* settings).

Two instances with leases $leased s after the build; all done in $(elapsed) s.
EOF
