#!/bin/bash
# Agent benchmark: neutrino-agent and Debian's neutron-openvswitch-agent
# side by side, each on a namespace test host of its own (run as root).
#
#   bench/agent.sh [--neutrino-only | --neutron-only] [--ports N]
#                  [--restart-ports N] [--neutron-ports N]
#                  [--neutron-restart-ports N] [--firewall DRIVER]
#                  [--debug] [--keep]
#                  [--output FILE] [--build DIR] [--no-build]
#
# On each agent's host (tests/system/hosts.py, name prefix
# $NTH_PREFIX or "ntb"):
#   - --ports (default 200) ports are created through the API, then plugged
#     one at a time as os-vif plugs a VM (one ovs-vsctl add-port with
#     external_ids iface-id, attached-mac, iface-status, vm-uuid); each is
#     timed from ovs-vsctl returning to ACTIVE in the API with its tag set
#     on br-int: p50, p99, max;
#   - more ports up to --restart-ports (default 1,000) are plugged in
#     batches; once all are ACTIVE the agent's RSS is read (VmRSS), then the
#     agent is restarted (SIGTERM, start again) and timed from the new
#     process's start until all flows carry the new run's cookie, none of
#     the old run is left, every tag is unchanged and every port is ACTIVE.
# Neutron (21.0, with neutron-server and RabbitMQ in the host's namespace,
# as tests/system/test_neutron_reference.py runs them) gets --neutron-ports and
# --neutron-restart-ports (defaults 200 and 1,000); ports beyond the timed
# ones are copied in its database (its API makes ~4 ports/s).  Its packages
# are installed here if missing.  Both agents run firewall_driver = noop so
# they install the same flows; --firewall openvswitch (or iptables_hybrid)
# runs neutrino's with its security-group flows, to show what they cost.
#
# Prints metric | neutrino | neutron | ratio | target | met?, also written
# to bench/results-agent-latest.txt (or --output).  The ratio is
# neutron/neutrino (how many times better neutrino does).  Everything the
# run creates (namespaces, devices, OVS instances, processes, temp dirs) is
# removed at the end, also on failure; --keep keeps the logs (their path is printed).
# --debug runs neutrino-agent with --debug (its log is in the lab's dir).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build
do_build=1
run_neutron=1
pass=()

usage() {
    sed -n '2,37s/^# \{0,1\}//p' "$0"
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case $1 in
    --neutrino-only) run_neutron=0; pass+=("$1") ;;
    --neutron-only) pass+=("$1") ;;
    --ports | --restart-ports | --neutron-ports | --neutron-restart-ports |\
        --output | --firewall)
        pass+=("$1" "$2"); shift ;;
    --debug | --keep) pass+=("$1") ;;
    --build) build=$2; shift ;;
    --no-build) do_build=0 ;;
    -h | --help) usage 0 ;;
    *) echo "agent.sh: unknown option $1" >&2; usage 2 ;;
    esac
    shift
done

die() {
    echo "agent.sh: $*" >&2
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
if [ $run_neutron = 1 ] && { ! command -v neutron-openvswitch-agent \
    >/dev/null || [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; }; then
    echo "agent.sh: installing Debian's Neutron OVS agent and RabbitMQ" >&2
    # Debian's container images ship a policy-rc.d that keeps the packages
    # from starting system-wide services; we start private ones.
    DEBIAN_FRONTEND=noninteractive apt-get install -y \
        neutron-server neutron-openvswitch-agent rabbitmq-server >&2 ||
        die "apt-get install failed"
fi

export NEUTRINO_SERVER=$build/neutrino-server
export NEUTRINO_AGENT=$build/neutrino-agent
# Debian's python3: the harness needs its python3-requests/pytest.
exec /usr/bin/python3 "$here/agent.py" "${pass[@]}"
