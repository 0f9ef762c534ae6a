#!/bin/sh
# Links the OVS island: OUTPUT.a holds one relocatable object made of every
# object of GLUE.a (src/ovs/) and the members of OVS's archives they need,
# with every global symbol localized except GLUE.a's own exports (the
# ovsx_, vsw_ and ofp_ API).  OVS's xmalloc, ds_*, uuid_*, ... then cannot
# clash with src/core's names when a program links both.
#
#     ovs-island.sh OUTPUT.a GLUE.a OVS_ARCHIVE.a...
set -eu
out=$1
glue=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ld -r -o "$tmp/island.o" --whole-archive "$glue" --no-whole-archive "$@"

# The API: what the glue objects define globally under the three prefixes.
# Everything else becomes local, including the glue's own vlog modules
# (VLM_*), which only OVS's code inside the island refers to.
nm -g --defined-only "$glue" | awk 'NF == 3 { print $3 }' \
    | grep -E '^(ovsx|vsw|ofp)_' | sort -u >"$tmp/keep"
objcopy --keep-global-symbols="$tmp/keep" "$tmp/island.o"

rm -f "$out"
ar rcD "$out" "$tmp/island.o"
