#include "agent/lvm.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>

#include "core/util.h"

struct lvm {
    json_t *vlans;             /* Network id -> VLAN id. */
    json_t *used;              /* Network ids used since lvm_begin(). */
    bool taken[LVM_DEAD_VLAN]; /* By VLAN id. */
};

struct lvm *
lvm_create(void)
{
    struct lvm *lvm = xcalloc(1, sizeof *lvm);

    lvm->vlans = json_object();
    lvm->used = json_object();
    return lvm;
}

void
lvm_destroy(struct lvm *lvm)
{
    if (lvm) {
        json_decref(lvm->vlans);
        json_decref(lvm->used);
        free(lvm);
    }
}

void
lvm_begin(struct lvm *lvm)
{
    json_object_clear(lvm->used);
}

int
lvm_use(struct lvm *lvm, const char *net_id, int hint)
{
    json_t *have = json_object_get(lvm->vlans, net_id);
    int vlan = -ENOSPC;

    if (have) {
        vlan = json_integer_value(have);
    } else if (hint > 0 && hint < LVM_DEAD_VLAN && !lvm->taken[hint]) {
        vlan = hint;
    } else {
        for (int v = 1; v < LVM_DEAD_VLAN; v++) {
            if (!lvm->taken[v]) {
                vlan = v;
                break;
            }
        }
    }
    if (vlan > 0) {
        lvm->taken[vlan] = true;
        json_object_set_new(lvm->vlans, net_id, json_integer(vlan));
        json_object_set_new(lvm->used, net_id, json_true());
    }
    return vlan;
}

void
lvm_end(struct lvm *lvm)
{
    const char *net;
    json_t *vlan;
    void *tmp;

    json_object_foreach_safe (lvm->vlans, tmp, net, vlan) {
        if (!json_object_get(lvm->used, net)) {
            lvm->taken[json_integer_value(vlan)] = false;
            json_object_del(lvm->vlans, net);
        }
    }
}

int
lvm_get(const struct lvm *lvm, const char *net_id)
{
    json_t *vlan = json_object_get(lvm->vlans, net_id);

    return vlan ? (int) json_integer_value(vlan) : -1;
}
