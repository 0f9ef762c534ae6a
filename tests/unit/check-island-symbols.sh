#!/bin/sh
# Fails if the OVS island (libovsisland.a, given as $1) defines a global
# symbol outside its API prefixes: such a name could clash with src/core's
# (xmalloc, ds_put_cstr, ...) or any other library a program links.
set -eu
leaks=$(nm -g --defined-only "$1" | awk 'NF == 3 { print $3 }' \
    | grep -Ev '^(ovsx|vsw|ofp)_' || true)
if [ -n "$leaks" ]; then
    echo "global symbols outside ovsx_/vsw_/ofp_:" $leaks >&2
    exit 1
fi
count=$(nm -g --defined-only "$1" | awk 'NF == 3' | wc -l)
[ "$count" -gt 0 ] || { echo "no API symbols at all" >&2; exit 1; }
echo "ok: $count API symbols, nothing else global"
