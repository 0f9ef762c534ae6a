#!/bin/sh
# Installs what building, running and testing neutrino needs, from Debian's
# archive only.  Safe to run again.  Keystone for the auth tests comes as
# python3-keystone (the code, keystone-manage, keystone-wsgi-public), not
# the keystone package, whose service would start on installation.
set -eu
export DEBIAN_FRONTEND=noninteractive
[ "$(id -u)" = 0 ] || { echo "run as root (apt-get)" >&2; exit 1; }
apt-get update -q
apt-get install -y -q --no-install-recommends \
    gcc clang clang-format libclang-rt-14-dev meson ninja-build pkg-config \
    libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libpq-dev \
    postgresql haproxy \
    libsystemd-dev libinih-dev libcmocka-dev libcurl4-openssl-dev \
    libmnl-dev libssl-dev libyaml-dev openvswitch-source make binutils \
    python3 python3-pytest python3-requests python3-openstackclient \
    python3-keystone uwsgi-core uwsgi-plugin-python3 python3-keystoneclient \
    curl procps \
    openvswitch-switch iproute2 iputils-ping ethtool busybox tcpdump \
    dnsmasq-base dnsmasq-utils systemd \
    iptables ipset conntrack bridge-utils graphviz
# libpq-dev: the server's PostgreSQL client ([database] connection =
# postgresql://...); postgresql: the private PostgreSQL instances the
# functional tests start (initdb, pg_ctl; its own service is not used);
# haproxy: etc/haproxy/neutrino.cfg's load balancer, which the
# multi-server and many-hosts tests run in front of the servers.
# openvswitch-source: the Open vSwitch library the agent is built on
# (scripts/build-ovs.sh).  openvswitch-switch: the switch itself; the system
# tests start private ovsdb-server/ovs-vswitchd instances inside namespaces
# and never the machine's own openvswitch service.  dnsmasq-base and
# dnsmasq-utils: the DHCP role's dnsmasq and dhcp_release.  systemd: only
# its systemd-analyze, which checks etc/systemd's units in the unit tests.
# iptables, ipset, conntrack: the agent's iptables_hybrid firewall (Debian's
# nft-backed iptables-restore, ipsets for remote groups, conntrack -D for
# connections a removed rule allowed); bridge-utils: brctl, with which the
# hybrid plug's tests look at qbr as seed 002 does.  graphviz: dot, which
# draws "neutrino inspect --graph dot" (docs/topology.svg).
