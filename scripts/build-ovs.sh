#!/bin/sh
# Builds Open vSwitch's C library (lib/.libs/libopenvswitch.a and the
# headers it generates) from Debian's openvswitch-source, for the OVS island
# in src/ovs/.  The tree is extracted under build-ovs/ (gitignored, outside
# every meson build directory so all of them share it) and built once: a
# stamp naming the tarball's checksum and the configure flags makes later
# calls return at once.
#
# Only the library is built, not the whole tree: the headers it generates
# (odp-netlink.h, the IDLs, ...) are made first, then lib/libopenvswitch.la.
set -eu
cd "$(dirname "$0")/.."
tarball=${OVS_TARBALL:-/usr/src/openvswitch/openvswitch.tar.gz}
top=build-ovs
src=$top/openvswitch
stamp=$top/stamp

[ -r "$tarball" ] || {
    echo "$tarball missing: apt-get install openvswitch-source" >&2
    exit 1
}
# What the build depends on: the tarball and the configure flags below.
flags="--enable-static --disable-shared --disable-libcapng --disable-ssl \
--prefix=/usr --localstatedir=/var --sysconfdir=/etc"
cflags="-O2 -ffunction-sections -fdata-sections"
want="$(sha256sum "$tarball" | cut -d' ' -f1) $flags CFLAGS=$cflags"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
        && [ -f "$src/lib/.libs/libopenvswitch.a" ]; then
    exit 0
fi

start=$(date +%s)
rm -rf "$top"
mkdir -p "$top"
tar -xzf "$tarball" -C "$top"
cd "$src"
# Debian's paths, so compiled-in defaults (rundir, dbdir) match the
# packaged ovs-vswitchd.  libcap-ng only serves OVS's daemons (--user), so
# it stays out, and so does OpenSSL: the agent reaches OVSDB and its
# bridges over unix: and tcp: only, and OVS linked with OpenSSL maps it into
# the agent at start (src/agent/ssl-lib.h).  -O2 without -g keeps the
# archive at ~5 MB; a section per function lets the agent's link drop
# what it never calls (--gc-sections), which keeps its code pages few.
# shellcheck disable=SC2086
./configure -q $flags CFLAGS="$cflags" >/dev/null
jobs=$(nproc)
make -s -j"$jobs" include/odp-netlink.h include/odp-netlink-macros.h \
    ofproto/ipfix-entities.def lib/vswitch-idl.c lib/vswitch-idl.h \
    lib/ovsdb-server-idl.c lib/ovsdb-server-idl.h >/dev/null
make -s -j"$jobs" lib/libopenvswitch.la >/dev/null
cd - >/dev/null
echo "$want" >"$stamp"
echo "build-ovs: libopenvswitch.a built in $(( $(date +%s) - start )) s"
