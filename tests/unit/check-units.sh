#!/bin/sh
# The systemd units (etc/systemd/*.service.in) pass `systemd-analyze
# verify`, with @bindir@ pointing at the freshly built daemons.
#
#     check-units.sh BUILDDIR UNIT.in...
#
# Exit 77 (skipped) without systemd-analyze.
set -eu
builddir=$1
shift
command -v systemd-analyze >/dev/null || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
names=
for in in "$@"; do
    unit=$tmp/$(basename "$in" .in)
    names="$names -e $(basename "$unit")"
    sed -e "s|@bindir@|$builddir|g" -e "s|@sysconfdir@|/etc|g" \
        -e "s|@docdir@|/usr/share/doc/neutrino|g" "$in" >"$unit"
    if grep -n '@[a-z]*@' "$unit"; then
        echo "$in: placeholder left" >&2
        exit 1
    fi
done
# Only the units given (the verbs load the host's units too; their
# complaints are not ours).
out=$(cd "$tmp" && systemd-analyze verify "$tmp"/*.service 2>&1) || {
    echo "$out" >&2
    exit 1
}
if echo "$out" | grep -F $names >&2; then
    exit 1
fi
echo "units verified: $(cd "$tmp" && ls)"
