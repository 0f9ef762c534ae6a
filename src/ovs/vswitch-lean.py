#!/usr/bin/python3
"""Generates the agent's IDL for the Open_vSwitch database: OVS's own
ovsdb-idlc run on vswitch.ovsschema cut down to the tables and columns
vswitch.c reads or writes (COLUMNS below).

Why: the IDL keeps a C struct per row with a member per column of its
class, plus old/new datum arrays sized by the column count, whether or not
a column is monitored.  With OVS's full class a Port and its Interface cost
~4 KB in the agent; with this one about a quarter of that.  The server
keeps every other column; rows the agent inserts get their defaults.

    vswitch-lean.py OVS_TREE OUT.h OUT.c

The IDL also copies each string-to-string map column into a struct smap
of its row, a second copy of every key and value (~130 bytes a pair: a
Port's other_config and an Interface's external_ids are ~1 KB a port).
The generated parsers are cut to leave those smaps empty (drop_smap_copies
below); vswitch.c reads such columns from the IDL's datum, the one copy.

Prefix vrec_ (OVS's own ovsrec_ stays in libopenvswitch.a unused).
"""

import json
import os
import re
import subprocess
import sys
import tempfile

COLUMNS = {
    "Open_vSwitch": ["bridges", "manager_options"],
    "Bridge": ["name", "ports", "datapath_id", "datapath_type", "fail_mode",
               "protocols", "controller", "other_config"],
    "Port": ["name", "interfaces", "tag", "vlan_mode", "trunks",
             "other_config"],
    "Interface": ["name", "type", "ofport", "external_ids", "options"],
    "Controller": ["target", "connection_mode", "inactivity_probe"],
    "Manager": ["target"],
}


def lean_schema(full):
    out = {k: v for k, v in full.items() if k != "tables"}
    out["tables"] = {}
    for table, columns in COLUMNS.items():
        t = dict(full["tables"][table])
        t["columns"] = {c: full["tables"][table]["columns"][c]
                        for c in columns}
        t.pop("indexes", None)  # Over columns that may be gone.
        out["tables"][table] = t
    return out


def string_maps(schema):
    """The (table, column) pairs whose type is a map of string to string."""
    out = []
    for table, t in schema["tables"].items():
        for column, c in t["columns"].items():
            ty = c["type"]
            if (isinstance(ty, dict) and "value" in ty
                    and ty["key"] in ("string", {"type": "string"})
                    and ty["value"] in ("string", {"type": "string"})):
                out.append((table, column))
    return out


def drop_smap_copies(source, maps):
    """'source' with the smap-filling loop of each column in 'maps' taken
    out of its parser.  Fails if a parser is not as ovsdb-idlc writes it,
    rather than leave a copy in silently."""
    for table, column in maps:
        fn = "vrec_%s_parse_%s" % (table.lower(), column)
        loop = re.compile(
            r"(\n%s\(.*?\n    smap_init\(&row->%s\);\n)"
            r"    for \(size_t i = 0; i < datum->n; i\+\+\) \{\n"
            r"        smap_add\(&row->%s,\n.*?\n    \}\n"
            % (fn, column, column), re.S)
        source, n = loop.subn(r"\1", source, count=1)
        if n != 1:
            sys.exit("vswitch-lean.py: no smap loop in %s()" % fn)
    return source


def main(tree, out_h, out_c):
    with open(os.path.join(tree, "vswitchd", "vswitch.ovsschema")) as f:
        full = json.load(f)
    idlc = [sys.executable, os.path.join(tree, "ovsdb", "ovsdb-idlc.in")]
    env = dict(os.environ, PYTHONPATH=os.path.join(tree, "python"))
    with tempfile.TemporaryDirectory() as tmp:
        schema = os.path.join(tmp, "lean.ovsschema")
        ann = os.path.join(tmp, "lean.ann")
        idl = os.path.join(tmp, "lean.ovsidl")
        with open(schema, "w") as f:
            json.dump(lean_schema(full), f)
        with open(ann, "w") as f:
            f.write('s["idlPrefix"] = "vrec_"\n'
                    's["idlHeader"] = "\\"%s\\""\n' % os.path.basename(out_h))
        for args, out in ((["annotate", schema, ann], idl),
                          (["c-idl-header", idl], out_h),
                          (["c-idl-source", idl], out_c)):
            with open(out, "w") as f:
                subprocess.run(idlc + args, stdout=f, env=env, check=True)
    with open(out_c) as f:
        source = f.read()
    source = drop_smap_copies(source, string_maps(lean_schema(full)))
    with open(out_c, "w") as f:
        f.write(source)


if __name__ == "__main__":
    main(*sys.argv[1:])
