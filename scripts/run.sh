#!/bin/sh
# The all-in-one: installs what is needed, builds, and runs neutrino-server
# on 127.0.0.1:9696 with an embedded SQLite database, plus neutrino-agent on
# this host's Open vSwitch (started here if it is not running).  Ctrl-C
# stops the two daemons.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
mkdir -p /var/lib/neutrino /var/run/openvswitch /var/log/openvswitch
conf=etc/neutrino.conf
extra=/var/lib/neutrino/run.conf
: >"$extra"
if ! ovs-vsctl --timeout=2 show >/dev/null 2>&1; then
    [ -f /etc/openvswitch/conf.db ] || ovsdb-tool create \
        /etc/openvswitch/conf.db /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server /etc/openvswitch/conf.db \
        --remote=punix:/var/run/openvswitch/db.sock \
        --remote=db:Open_vSwitch,Open_vSwitch,manager_options \
        --pidfile --detach --log-file
    ovs-vsctl --no-wait init
    ovs-vswitchd --pidfile --detach --log-file
fi
if [ ! -d /sys/module/openvswitch ] && ! modprobe openvswitch 2>/dev/null
then
    # No kernel datapath here: Open vSwitch's userspace one.
    printf '[ovs]\ndatapath_type = netdev\n' >"$extra"
fi
# The agents' shared secret ([agent] shared_secret): made once, readable
# by root only, read by both daemons, so no one else on this host can
# drive the agents' API.
secret=/var/lib/neutrino/agent-secret.conf
if [ ! -s "$secret" ]; then
    (umask 077
     printf '[agent]\nshared_secret = %s\n' \
         "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >"$secret")
fi
build/neutrino-server --config-file "$conf" --config-file "$extra" \
    --config-file "$secret" &
server=$!
build/neutrino-agent --config-file "$conf" --config-file "$extra" \
    --config-file "$secret" &
agent=$!
trap 'kill $server $agent 2>/dev/null' INT TERM EXIT
cat <<MSG

neutrino-server is starting on http://127.0.0.1:9696 (database:
/var/lib/neutrino/neutrino.db, config: $conf), and neutrino-agent on this
host's Open vSwitch (br-int, br-provider).  In another shell, point the
openstack CLI at it (no Keystone needed):

    export OS_AUTH_TYPE=none OS_ENDPOINT=http://127.0.0.1:9696
    openstack network create --share --external \\
        --provider-physical-network provider \\
        --provider-network-type flat provider
    openstack subnet create --network provider \\
        --allocation-pool start=172.17.0.0,end=172.17.0.255 \\
        --gateway 172.16.0.1 --subnet-range 172.16.0.0/12 provider
    openstack network agent list
    ovs-vsctl show
    ip netns          # qdhcp-<network id>: the DHCP role's namespace

or use build/neutrino in place of openstack: the same commands and output,
without the Python start-up.

MSG
wait $server
