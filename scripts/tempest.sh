#!/bin/sh
# Tempest and neutron-tempest-plugin (Debian's packages) against
# neutrino-server and then against Debian's neutron-server 21, both behind
# one private Keystone, and the two results side by side.
#
#   scripts/tempest.sh [--only neutrino|neutron] [--concurrency N]
#                      [--regex REGEX] [--out DIR]
#
# As root (apt-get installs tempest, neutron-tempest-plugin and, for the
# reference run, neutron-server when missing).  Everything listens on
# 127.0.0.1: Keystone (tests/keystone/keystone.sh) with a catalog whose
# network endpoint is one free port, on which neutrino-server
# (auth_strategy = keystone) runs first and neutron-server
# (bench/neutron-server.sh, ML2 flat/vlan, keystone auth) second.  Each
# server gets a flat external network "public" and its own tempest.conf
# whose api_extensions are exactly the aliases its /v2.0/extensions lists.
# Tempest uses pre-provisioned accounts made once at start-up: its dynamic
# credentials (a project and users made and deleted per test class) cost
# Keystone on SQLite about a minute per class on this shared machine.
#
# Prints pass/fail/skip per server and per test module, and the tests
# neutrino did not pass that neutron-server passed.  --out DIR keeps each
# run's tempest.conf, subunit stream, tempest log and the server's log.
# Processes are stopped by PID and the temp dir is removed, also on failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
only=
concurrency=2
out=
regex=
while [ $# -gt 0 ]; do
    case $1 in
    --only) only=$2; shift ;;
    --concurrency) concurrency=$2; shift ;;
    --regex) regex=$2; shift ;;
    --out) out=$(realpath -m "$2"); shift ;;
    *) sed -n '5,6s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
    shift
done
case $only in '' | neutrino | neutron) ;; *) echo "bad --only" >&2; exit 2 ;; esac

die() { echo "tempest.sh: $*" >&2; exit 1; }
log() { echo "tempest.sh: $(date +%H:%M:%S) $*" >&2; }

# The areas of issue 7: networks, subnets, ports, external networks,
# extensions, tags, timestamps, revisions, RBAC (shared and external
# networks), IP availability, and the port and subnet pool extensions
# neutrino lists.
[ -n "$regex" ] || regex='^(tempest\.api\.network\.(test_networks|test_networks_negative|test_ports|test_extensions|test_tags|test_allowed_address_pair|test_extra_dhcp_options|test_versions|test_subnetpools_extensions|admin\.test_external_network_extension|admin\.test_external_networks_negative|admin\.test_ports)\.|neutron_tempest_plugin\.api\.(test_networks|test_networks_negative|test_ports|test_ports_negative|test_subnets|test_subnetpools|test_subnetpools_negative|test_subnetpool_prefix_ops|test_extensions|test_revisions|test_timestamp|test_network_ip_availability|test_network_ip_availability_negative|test_extension_driver_port_security|test_extra_dhcp_options|admin\.test_tag|admin\.test_networks|admin\.test_ports|admin\.test_external_network_extension|admin\.test_shared_network_extension|admin\.test_extension_driver_port_security_admin)\.)'

[ "$(id -u)" = 0 ] || die "run as root (apt-get, as for scripts/install-deps.sh)"
if ! [ -x /usr/bin/tempest ] \
    || ! [ -d /usr/lib/python3/dist-packages/neutron_tempest_plugin ]; then
    log "installing Debian's tempest and neutron-tempest-plugin"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends tempest neutron-tempest-plugin >&2 \
        || die "apt-get install tempest neutron-tempest-plugin failed"
fi
server_bin=$top/build/neutrino-server
[ -x "$server_bin" ] || "$top/scripts/build.sh" >&2

tmp=$(mktemp -d /tmp/neutrino-tempest.XXXXXX)
neutrino_pid=
neutron_dir=
cleanup() {
    [ -z "$neutrino_pid" ] || kill "$neutrino_pid" 2>/dev/null || :
    [ -z "$neutron_dir" ] || "$top/bench/neutron-server.sh" stop "$neutron_dir" || :
    "$top/tests/keystone/keystone.sh" stop "$tmp/keystone" || :
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ks_port=$(free_port)
net_port=$(free_port)
ks=http://127.0.0.1:$ks_port
net=http://127.0.0.1:$net_port
log "starting Keystone on $ks (network endpoint $net)"
"$top/tests/keystone/keystone.sh" start "$tmp/keystone" "$ks_port" "$net" \
    > "$tmp/keystone.out" 2>&1 \
    || die "keystone.sh failed: $(tail -5 "$tmp/keystone.out")"
/usr/bin/python3 "$top/scripts/tempest-tool.py" accounts "$ks" \
    "$tmp/accounts.yaml"

# [keystone_authtoken] for both servers: the service user of keystone.sh.
authtoken="[keystone_authtoken]
www_authenticate_uri = $ks
auth_url = $ks/v3
auth_type = password
username = neutron
password = secret
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne"

start_neutrino() {
    cat > "$tmp/neutrino.conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $net_port
auth_strategy = keystone
[database]
connection = sqlite:///$tmp/neutrino.db
[ml2]
tenant_network_types = vlan
[ml2_type_flat]
flat_networks = provider,public
[ml2_type_vlan]
network_vlan_ranges = provider:1000:1999
$authtoken
EOF
    "$server_bin" --config-file "$tmp/neutrino.conf" \
        > "$tmp/neutrino-server.log" 2>&1 < /dev/null &
    neutrino_pid=$!
    i=0
    until curl -fs -o /dev/null "$net/"; do
        kill -0 "$neutrino_pid" 2>/dev/null \
            || die "neutrino-server exited: $(tail -5 "$tmp/neutrino-server.log")"
        i=$((i + 1))
        [ $i -lt 100 ] || die "neutrino-server did not answer on $net"
        sleep 0.1
    done
}

stop_neutrino() {
    kill "$neutrino_pid" 2>/dev/null || :
    wait "$neutrino_pid" 2>/dev/null || :
    neutrino_pid=
}

start_neutron() {
    cat > "$tmp/neutron-extra.conf" <<EOF
[DEFAULT]
auth_strategy = keystone
[ml2_type_flat]
flat_networks = provider,public
$authtoken
EOF
    eval "$("$top/bench/neutron-server.sh" start "$net_port" \
        "$tmp/neutron-extra.conf")"
    # shellcheck disable=SC2153 # set by the eval above
    neutron_dir=$NEUTRON_DIR
}

stop_neutron() {
    "$top/bench/neutron-server.sh" stop "$neutron_dir"
    neutron_dir=
}

# write_conf WORKSPACE PUBLIC_NET EXTENSIONS FLOATING_IPS
write_conf() {
    cat > "$1/etc/tempest.conf" <<EOF
[DEFAULT]
log_dir = $1/logs
log_file = tempest.log
# Request and response bodies in the log, for the differences.
debug = true
[auth]
use_dynamic_credentials = false
test_accounts_file = $tmp/accounts.yaml
create_isolated_networks = false
admin_username = admin
admin_password = admin-secret
admin_project_name = admin
admin_domain_name = Default
default_credentials_domain_name = Default
[oslo_concurrency]
lock_path = $1/lock
[identity]
uri_v3 = $ks/v3
auth_version = v3
region = RegionOne
v3_endpoint_type = public
[identity-feature-enabled]
api_v2 = false
api_v3 = true
[service_available]
neutron = true
nova = false
glance = false
cinder = false
swift = false
horizon = false
[network]
public_network_id = $2
floating_network_name = public
project_network_cidr = 10.100.0.0/16
project_network_mask_bits = 28
project_networks_reachable = false
[network-feature-enabled]
api_extensions = $3
ipv6 = true
ipv6_subnet_attributes = true
port_security = true
floating_ips = $4
[neutron_plugin_options]
provider_vlans = provider
available_type_drivers = flat,vlan
create_shared_resources = false
test_mtu_networks = [{"provider:network_type": "vlan", "mtu": 1200, "cidr": "10.100.0.0/16"}, {"provider:network_type": "vlan", "mtu": 1300, "cidr": "10.200.0.0/16"}]
EOF
}

# run NAME: tempest against the server now on $net; leaves $tmp/NAME.subunit.
run() {
    ws=$tmp/ws-$1
    # What "tempest init" makes, without registering a workspace in
    # ~/.tempest.
    mkdir -p "$ws/etc" "$ws/logs"
    (cd "$ws" && stestr init > /dev/null)
    cat > "$ws/.stestr.conf" <<'EOF'
[DEFAULT]
test_path=/usr/lib/python3/dist-packages/tempest/test_discover
top_dir=/usr/lib/python3/dist-packages/tempest
group_regex=([^\.]*\.)*
EOF
    eval "$(/usr/bin/python3 "$top/scripts/tempest-tool.py" prepare "$ks" "$net")"
    log "$1 lists: $EXTENSIONS"
    case ,$EXTENSIONS, in *,router,*) fip=true ;; *) fip=false ;; esac
    write_conf "$ws" "$PUBLIC_NET" "$EXTENSIONS" "$fip"
    if ! [ -s "$tmp/tests.list" ]; then
        (cd "$ws" && tempest run --list-tests --regex "$regex") \
            > "$tmp/list.out" 2>&1 \
            || die "tempest --list-tests: $(tail -5 "$tmp/list.out")"
        # Test ids carry their idempotent id: "name[id-...]".
        grep '\[' "$tmp/list.out" > "$tmp/tests.list" \
            || die "no test matches $regex"
    fi
    log "$1: running $(wc -l < "$tmp/tests.list") tests, concurrency $concurrency"
    t0=$(date +%s)
    (cd "$ws" && tempest run --regex "$regex" --concurrency "$concurrency") \
        > "$tmp/$1.out" 2>&1 || :
    (cd "$ws" && stestr last --subunit) > "$tmp/$1.subunit" 2> /dev/null || :
    log "$1: tempest took $(($(date +%s) - t0)) s;" \
        "$(grep -E '^ - (Passed|Failed|Skipped)' "$tmp/$1.out" | tr -d '\n')"
    if [ -n "$out" ]; then
        mkdir -p "$out"
        cp "$ws/etc/tempest.conf" "$out/$1.tempest.conf"
        cp "$tmp/$1.subunit" "$tmp/$1.out" "$out/"
        cp "$ws/logs/tempest.log" "$out/$1.tempest.log" 2> /dev/null || :
    fi
}

reports=
if [ "$only" != neutron ]; then
    log "starting neutrino-server on $net"
    start_neutrino
    run neutrino
    [ -z "$out" ] || cp "$tmp/neutrino-server.log" "$out/"
    stop_neutrino
    reports="neutrino=$tmp/neutrino.subunit"
fi
if [ "$only" != neutrino ]; then
    log "starting neutron-server on $net"
    start_neutron
    run neutron
    [ -z "$out" ] || cp "$neutron_dir/neutron-server.log" "$out/"
    stop_neutron
    reports="$reports neutron=$tmp/neutron.subunit"
fi
[ -z "$out" ] || cp "$tmp/tests.list" "$out/"
# shellcheck disable=SC2086
/usr/bin/python3 "$top/scripts/tempest-tool.py" report "$tmp/tests.list" \
    $reports
