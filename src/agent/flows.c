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

/* Diffs part 'had' against part 'want' ('adds' as diff_set()), each
 * expanded to its flow set first. */
static int
diff_part(json_t *had, json_t *want, uint64_t cookie, bool adds,
          flows_expand_func *expand, flows_emit_func *emit, void *aux)
{
    json_t *from = had && expand ? expand(aux, had) : json_incref(had);
    json_t *to = want && expand ? expand(aux, want) : json_incref(want);
    int n = diff_set(from, to, cookie, adds, emit, aux);

    json_decref(from);
    json_decref(to);
    return n;
}

int
flows_diff_parts(json_t *installed, json_t *desired, uint64_t cookie,
                 flows_expand_func *expand, flows_emit_func *emit, void *aux)
{
    const char *name;
    json_t *part;
    int n = 0;

    /* Every delete before any add: a flow that moves between parts is
     * deleted from one and added by the other, in that order. */
    json_object_foreach (installed, name, part) {
        json_t *want = json_object_get(desired, name);
        if (want != part) {
            n += diff_part(part, want, cookie, false, expand, emit, aux);
        }
    }
    json_object_foreach (desired, name, part) {
        json_t *had = json_object_get(installed, name);
        if (had != part) {
            n += diff_part(had, part, cookie, true, expand, emit, aux);
        }
    }
    return n;
}

int
flows_diff_named(json_t *installed, json_t *desired, json_t *names,
                 uint64_t cookie, flows_expand_func *expand,
                 flows_emit_func *emit, void *aux)
{
    const char *name;
    json_t *v;
    int n = 0;

    for (int adds = 0; adds < 2; adds++) {
        json_object_foreach (names, name, v) {
            json_t *had = json_object_get(installed, name);
            json_t *want = json_object_get(desired, name);
            if (had != want) {
                n += diff_part(had, want, cookie, adds, expand, emit, aux);
            }
        }
    }
    json_object_foreach (names, name, v) {
        json_t *want = json_object_get(desired, name);
        if (want) {
            json_object_set(installed, name, want);
        } else {
            json_object_del(installed, name);
        }
    }
    return n;
}
