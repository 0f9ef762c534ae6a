#!/bin/bash
# DHCP benchmark: neutrino-agent's DHCP role and Debian's neutron-dhcp-agent
# side by side, each on a namespace test host of its own (run as root).
#
#   bench/dhcp.sh [--neutrino-only | --neutron-only] [--ports N]
#                 [--bulk N,N,...] [--neutron-ports N] [--neutron-bulk N,...]
#                 [--output FILE] [--build DIR] [--no-build]
#
# On each host (tests/system/hosts.py; name prefix $NTH_PREFIX or "ntd"),
# seed 000's flat network and subnet with DHCP on, and an instance
# namespace plugged into br-int as os-vif plugs a VM (it takes its own
# lease with udhcpc first):
#   - --ports (default 100) ports are created one at a time; each is timed
#     from the POST's answer until dnsmasq offers its address to its MAC (a
#     DHCPDISCOVER probe from the instance every 5 ms): p50, p99, max;
#   - for each N of --bulk (default 100,500,1000), one bulk POST of N ports,
#     timed from its answer until all N are offered.
# Neutron (21.0: RabbitMQ, neutron-server, neutron-openvswitch-agent and
# neutron-dhcp-agent in the host's namespace; bench/neutron_dhcp.py) gets
# --neutron-ports and --neutron-bulk (defaults 100 and 100: its API makes
# ~3.5 ports/s).  Its packages are installed here if missing.
#
# Prints metric | neutrino | neutron 21 | ratio | target | met?, also
# written to bench/results-dhcp-latest.txt (or --output).  The ratio is
# neutron/neutrino.  Everything the run creates is removed at the end, also
# on failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build
do_build=1
run_neutron=1
pass=()

usage() {
    sed -n '2,27s/^# \{0,1\}//p' "$0"
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case $1 in
    --neutrino-only) run_neutron=0; pass+=("$1") ;;
    --neutron-only) pass+=("$1") ;;
    --ports | --bulk | --neutron-ports | --neutron-bulk | --output)
        pass+=("$1" "$2"); shift ;;
    --build) build=$2; shift ;;
    --no-build) do_build=0 ;;
    -h | --help) usage 0 ;;
    *) echo "dhcp.sh: unknown option $1" >&2; usage 2 ;;
    esac
    shift
done

die() {
    echo "dhcp.sh: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (namespaces, veths, OVS)"
if [ $do_build = 1 ]; then
    if [ "$build" = "$top/build" ]; then
        sh "$top/scripts/build.sh" >&2 || die "build failed"
    else
        ninja -C "$build" >&2 || die "ninja -C $build failed"
    fi
fi
for bin in neutrino-server neutrino-agent; do
    [ -x "$build/$bin" ] || die "no $build/$bin"
done
if [ $run_neutron = 1 ] && { ! command -v neutron-dhcp-agent >/dev/null ||
    ! command -v neutron-openvswitch-agent >/dev/null ||
    [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; }; then
    echo "dhcp.sh: installing Debian's Neutron agents and RabbitMQ" >&2
    # Debian's container images ship a policy-rc.d that keeps the packages
    # from starting system-wide services; we start private ones.
    DEBIAN_FRONTEND=noninteractive apt-get install -y neutron-server \
        neutron-openvswitch-agent neutron-dhcp-agent rabbitmq-server >&2 ||
        die "apt-get install failed"
fi

export NEUTRINO_SERVER=$build/neutrino-server
export NEUTRINO_AGENT=$build/neutrino-agent
exec /usr/bin/python3 "$here/dhcp.py" "${pass[@]}"
