#!/bin/sh
# The all-in-one: installs what is needed, builds, and runs neutrino-server
# on 127.0.0.1:9696 with an embedded SQLite database.  Ctrl-C stops it.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
mkdir -p /var/lib/neutrino
cat <<MSG

neutrino-server is starting on http://127.0.0.1:9696 (database:
/var/lib/neutrino/neutrino.db, config: etc/neutrino.conf).
In another shell, point the openstack CLI at it (no Keystone needed):

    export OS_AUTH_TYPE=none OS_ENDPOINT=http://127.0.0.1:9696
    openstack network create --share --external \\
        --provider-physical-network provider \\
        --provider-network-type flat provider
    openstack subnet create --network provider \\
        --allocation-pool start=172.17.0.0,end=172.17.0.255 \\
        --gateway 172.16.0.1 --subnet-range 172.16.0.0/12 provider
    openstack port list

MSG
exec build/neutrino-server --config-file etc/neutrino.conf
