#!/bin/bash
# Firewall benchmark (issue 6): neutrino-agent's openvswitch firewall on a
# namespace test host (run as root; bench/firewall.py says what is timed).
#
#   bench/firewall.sh [--ports N] [--rules N] [--changes N]
#                     [--server real|fake] [--keep] [--debug]
#                     [--build DIR] [--no-build]
#
# --ports (default 1,000) ports in one security group with --rules rules
# (default 20, remote-group and address-group rules among them) are
# plugged; then: the time to program the rules on them (and the flow
# count), rule create/delete -> enforced p50/p99 over --changes writes
# (default 30) in that big group and in a small one, and an agent restart
# under that load (time until only the new run's flows are left, a ping
# through it losing nothing).  The agent follows neutrino-server, whose
# API the bench writes through (--server fake: tests/system/fakefeed.py,
# the agent protocol in memory, written directly).  Prints the
# figures, also written to bench/results-firewall-latest.txt.  Everything
# the run creates is removed at the end, also on failure; --keep keeps the
# logs (--debug: the agent logs at debug level).  Name prefix: $NTH_PREFIX (default "nfb").
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build
do_build=1
pass=()

usage() {
    sed -n '2,19s/^# \{0,1\}//p' "$0"
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case $1 in
    --ports | --rules | --changes | --server) pass+=("$1" "$2"); shift ;;
    --keep | --debug) pass+=("$1") ;;
    --build) build=$2; shift ;;
    --no-build) do_build=0 ;;
    -h | --help) usage 0 ;;
    *) echo "firewall.sh: unknown option $1" >&2; usage 2 ;;
    esac
    shift
done

die() {
    echo "firewall.sh: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (namespaces, veths, OVS)"
if [ $do_build = 1 ]; then
    ninja -C "$build" >&2 || die "ninja -C $build failed"
fi
for bin in neutrino-server neutrino-agent; do
    [ -x "$build/$bin" ] || die "no $build/$bin"
done
export NEUTRINO_SERVER=$build/neutrino-server
export NEUTRINO_AGENT=$build/neutrino-agent
export NTH_PREFIX=${NTH_PREFIX:-nfb}
# Debian's python3: the harness needs its python3-requests/pytest.
exec /usr/bin/python3 "$here/firewall.py" "${pass[@]}"
