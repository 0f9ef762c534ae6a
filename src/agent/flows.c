#include "agent/flows.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/util.h"

void
flows_add(json_t *set, uint64_t cookie, int table, int priority,
          const char *match, const char *actions)
{
    char *key = xasprintf("table=%d,priority=%d%s%s", table, priority,
                          *match ? "," : "", match);
    char *flow =
        xasprintf("%s,cookie=%#" PRIx64 ",actions=%s", key, cookie, actions);

    json_object_set_new(set, key, json_string(flow));
    free(key);
    free(flow);
}

void
flows_int_base(json_t *set, uint64_t cookie)
{
    flows_add(set, cookie, 0, 65535, "dl_vlan=4095", "drop");
    flows_add(set, cookie, 0, 0, "", "resubmit(,60)");
    flows_add(set, cookie, FLOWS_CANARY_TABLE, 0, "", "drop");
    flows_add(set, cookie, 24, 0, "", "drop");
    flows_add(set, cookie, 60, 3, "", "NORMAL");
}

void
flows_int_physnet(json_t *set, uint64_t cookie, int ofport)
{
    char *match = xasprintf("in_port=%d", ofport);

    flows_add(set, cookie, 0, 2, match, "drop");
    free(match);
}

void
flows_int_network(json_t *set, uint64_t cookie, int ofport, int lvid,
                  int segid)
{
    char *match = segid < 0
                      ? xasprintf("in_port=%d,vlan_tci=0x0000/0x1fff", ofport)
                      : xasprintf("in_port=%d,dl_vlan=%d", ofport, segid);
    char *actions = xasprintf("mod_vlan_vid:%d,resubmit(,60)", lvid);

    flows_add(set, cookie, 0, 3, match, actions);
    free(match);
    free(actions);
}

void
flows_int_dead_port(json_t *set, uint64_t cookie, int ofport)
{
    flows_int_physnet(set, cookie, ofport); /* The same drop. */
}

void
flows_phys_base(json_t *set, uint64_t cookie, int ofport)
{
    char *match = xasprintf("in_port=%d", ofport);

    flows_add(set, cookie, 0, 2, match, "drop");
    flows_add(set, cookie, 0, 0, "", "NORMAL");
    free(match);
}

void
flows_phys_network(json_t *set, uint64_t cookie, int ofport, int lvid,
                   int segid)
{
    char *match = xasprintf("in_port=%d,dl_vlan=%d", ofport, lvid);
    char *actions = segid < 0 ? xstrdup("strip_vlan,NORMAL")
                              : xasprintf("mod_vlan_vid:%d,NORMAL", segid);

    flows_add(set, cookie, 0, 4, match, actions);
    free(match);
    free(actions);
}

/* Emits the deletes (or, with 'adds', the adds) that turn flow set
 * 'installed' into 'desired' (either may be NULL: empty). */
static int
diff_set(json_t *installed, json_t *desired, uint64_t cookie, bool adds,
         flows_emit_func *emit, void *aux)
{
    const char *key;
    json_t *flow;
    int n = 0;

    json_object_foreach (adds ? desired : installed, key, flow) {
        char *cmd = NULL;

        if (!adds && !json_object_get(desired, key)) {
            cmd = xasprintf("delete_strict %s,cookie=%#" PRIx64 "/-1", key,
                            cookie);
        } else if (adds
                   && !json_equal(json_object_get(installed, key), flow)) {
            cmd = xasprintf("add %s", json_string_value(flow));
        }
        if (cmd) {
            emit(aux, cmd);
            free(cmd);
            n++;
        }
    }
    return n;
}

int
flows_diff(json_t *installed, json_t *desired, uint64_t cookie,
           flows_emit_func *emit, void *aux)
{
    return diff_set(installed, desired, cookie, false, emit, aux)
           + diff_set(installed, desired, cookie, true, emit, aux);
}

/* A part as its flow set (a new reference). */
static json_t *
expanded(json_t *part, flows_expand_func *expand, void *aux)
{
    return part && expand ? expand(aux, part) : json_incref(part);
}

/* The deletes of one changed part; keeps both its expanded sets in
 * 'pending' (by 'name') for the adds. */
static int
part_deletes(const char *name, json_t *had, json_t *want, json_t *pending,
             uint64_t cookie, flows_expand_func *expand, flows_emit_func *emit,
             void *aux)
{
    json_t *from = expanded(had, expand, aux);
    json_t *to = expanded(want, expand, aux);
    int n = diff_set(from, to, cookie, false, emit, aux);

    json_object_set_new(pending, name,
                        json_pack("{s:o*, s:o*}", "from", from, "to", to));
    return n;
}

/* The adds of one changed part, from its sets in 'pending' if the deletes
 * expanded them already. */
static int
part_adds(const char *name, json_t *had, json_t *want, json_t *pending,
          uint64_t cookie, flows_expand_func *expand, flows_emit_func *emit,
          void *aux)
{
    json_t *sets = json_object_get(pending, name);
    json_t *from, *to;
    int n;

    if (sets) {
        from = json_incref(json_object_get(sets, "from"));
        to = json_incref(json_object_get(sets, "to"));
    } else {
        from = expanded(had, expand, aux);
        to = expanded(want, expand, aux);
    }
    n = diff_set(from, to, cookie, true, emit, aux);
    json_decref(from);
    json_decref(to);
    return n;
}

int
flows_diff_parts(json_t *installed, json_t *desired, uint64_t cookie,
                 flows_expand_func *expand, flows_emit_func *emit, void *aux)
{
    json_t *pending = json_object(), *part;
    const char *name;
    int n = 0;

    /* Every delete before any add: a flow that moves between parts is
     * deleted from one and added by the other, in that order. */
    json_object_foreach (installed, name, part) {
        json_t *want = json_object_get(desired, name);
        if (want != part) {
            n += part_deletes(name, part, want, pending, cookie, expand, emit,
                              aux);
        }
    }
    json_object_foreach (desired, name, part) {
        json_t *had = json_object_get(installed, name);
        if (had != part) {
            n +=
                part_adds(name, had, part, pending, cookie, expand, emit, aux);
        }
    }
    json_decref(pending);
    return n;
}

int
flows_diff_named(json_t *installed, json_t *desired, json_t *names,
                 uint64_t cookie, flows_expand_func *expand,
                 flows_emit_func *emit, void *aux)
{
    json_t *pending = json_object(), *v;
    const char *name;
    int n = 0;

    json_object_foreach (names, name, v) {
        json_t *had = json_object_get(installed, name);
        json_t *want = json_object_get(desired, name);
        if (had != want) {
            n += part_deletes(name, had, want, pending, cookie, expand, emit,
                              aux);
        }
    }
    json_object_foreach (names, name, v) {
        json_t *had = json_object_get(installed, name);
        json_t *want = json_object_get(desired, name);
        if (had != want && want) {
            n +=
                part_adds(name, had, want, pending, cookie, expand, emit, aux);
        }
        if (want) {
            json_object_set(installed, name, want);
        } else {
            json_object_del(installed, name);
        }
    }
    json_decref(pending);
    return n;
}
