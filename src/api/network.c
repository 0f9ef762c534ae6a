/* Networks: flat and VLAN provider networks, and project networks that get
 * a VLAN from [ml2_type_vlan] network_vlan_ranges, as ML2's flat and vlan
 * type drivers behave. */
#include <errno.h>

#include "api/resource.h"
#include "api/security-group.h"
#include "core/ds.h"

static const struct attr network_attrs[] = {
    STANDARD_ATTRS,
    {"admin_state_up", "admin_state_up", COL_BOOL,
     A_POST | A_PUT | A_FILTER | A_SORT, convert_bool, "true"},
    {"status", "status", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"subnets", NULL, COL_NONE, 0, NULL, NULL},
    {"shared", "shared", COL_BOOL, A_POST | A_PUT | A_FILTER | A_SORT,
     convert_bool, "false"},
    {"router:external", "router_external", COL_BOOL,
     A_POST | A_PUT | A_FILTER | A_SORT, convert_bool, "false"},
    {"mtu", "mtu", COL_INT, A_POST | A_PUT | A_FILTER | A_SORT, convert_int,
     NULL},
    {"port_security_enabled", "port_security_enabled", COL_BOOL,
     A_POST | A_PUT | A_FILTER, convert_bool, "true"},
    {"provider:network_type", "network_type", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT | A_NULLABLE, convert_string, NULL},
    {"provider:physical_network", "physical_network", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT | A_NULLABLE, convert_string, NULL},
    {"provider:segmentation_id", "segmentation_id", COL_INT,
     A_POST | A_PUT | A_FILTER | A_SORT | A_NULLABLE, convert_int, NULL},
    {"availability_zone_hints", "availability_zone_hints", COL_JSON, A_POST,
     convert_string_list, "[]"},
    {"availability_zones", NULL, COL_NONE, 0, NULL, NULL},
    {"is_default", "is_default", COL_BOOL, A_POST | A_PUT | A_FILTER,
     convert_bool, "false"},
    {"ipv4_address_scope", NULL, COL_NONE, 0, NULL, NULL},
    {"ipv6_address_scope", NULL, COL_NONE, 0, NULL, NULL},
};

const struct resource_def network_def = {
    .singular = "network",
    .plural = "networks",
    .table = "networks",
    .not_found = "NetworkNotFound",
    .noun = "Network",
    .attrs = network_attrs,
    .n_attrs = ARRAY_SIZE(network_attrs),
};

static const char *
get_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static struct api_error *
no_network_available(void)
{
    return api_error_new(503, "NoNetworkAvailable",
                         "Unable to create the network. No tenant network "
                         "is available for allocation.");
}

/* A network without provider attributes: the first tenant network type
 * that has something free. */
static struct api_error *
allocate_tenant_segment(struct api_request *req, json_t *net)
{
    const struct server_config *cfg = req->cfg;
    const char *id = get_str(net, "id");

    for (size_t t = 0; cfg->tenant_network_types[t]; t++) {
        if (strcmp(cfg->tenant_network_types[t], "vlan")) {
            continue; /* Only VLAN segments can be allocated. */
        }
        for (size_t i = 0; i < cfg->vlan_ranges.n; i++) {
            const struct vlan_range *vr = &cfg->vlan_ranges.items[i];
            int vid, r;

            if (!vr->min) {
                continue;
            }
            r = store_segment_free_vlan(req->store, vr->physnet, vr->min,
                                        vr->max, &vid);
            if (r == -ENOSPC) {
                continue;
            }
            if (!r) {
                r = store_segment_claim(req->store, "vlan", vr->physnet, vid,
                                        id);
            }
            if (r) {
                return api_error_from_store(r);
            }
            json_object_set_new(net, "provider:network_type",
                                json_string("vlan"));
            json_object_set_new(net, "provider:physical_network",
                                json_string(vr->physnet));
            json_object_set_new(net, "provider:segmentation_id",
                                json_integer(vid));
            return NULL;
        }
    }
    return no_network_available();
}

static struct api_error *
claim_flat(struct api_request *req, json_t *net, const char *physnet,
           json_t *segid)
{
    char **allowed = req->cfg->flat_networks;
    int r;

    if (!allowed[0]) {
        return api_invalid_input("Flat provider networks are disabled");
    }
    if (!physnet) {
        return api_invalid_input("physical_network required for flat "
                                 "provider network");
    }
    if (!server_config_flat_allowed(req->cfg, physnet)) {
        return api_invalid_input("physical_network '%s' unknown for flat "
                                 "provider network",
                                 physnet);
    }
    if (segid && !json_is_null(segid)) {
        return api_invalid_input("segmentation_id prohibited for flat "
                                 "provider network");
    }
    r = store_segment_claim(req->store, "flat", physnet, 0,
                            get_str(net, "id"));
    if (r == -EEXIST) {
        return api_error_new(409, "FlatNetworkInUse",
                             "Unable to create the flat network. Physical "
                             "network %s is in use.",
                             physnet);
    }
    json_object_set_new(net, "provider:segmentation_id", json_null());
    return r ? api_error_from_store(r) : NULL;
}

static struct api_error *
vlan_in_use(int vid, const char *physnet)
{
    return api_error_new(409, "VlanIdInUse",
                         "Unable to create the network. The VLAN %d on "
                         "physical network %s is in use.",
                         vid, physnet);
}

static struct api_error *
claim_vlan(struct api_request *req, json_t *net, const char *physnet,
           json_t *segid)
{
    const struct vlan_range *vr = NULL;
    int vid, r;

    if (physnet) {
        vr = server_config_vlan_range(req->cfg, physnet);
        if (!vr) {
            return api_invalid_input("physical_network '%s' unknown for "
                                     "VLAN provider network",
                                     physnet);
        }
    }
    if (!segid || json_is_null(segid)) {
        if (!physnet || !vr->min) {
            return physnet ? no_network_available()
                           : allocate_tenant_segment(req, net);
        }
        r = store_segment_free_vlan(req->store, physnet, vr->min, vr->max,
                                    &vid);
        if (r == -ENOSPC) {
            return no_network_available();
        }
    } else {
        vid = json_integer_value(segid);
        if (!physnet) {
            return api_invalid_input("physical_network required for VLAN "
                                     "provider network");
        }
        if (vid < 1 || vid > 4094) {
            return api_invalid_input("segmentation_id out of range "
                                     "(1 through 4094)");
        }
        r = 0;
    }
    if (!r) {
        r = store_segment_claim(req->store, "vlan", physnet, vid,
                                get_str(net, "id"));
    }
    if (r == -EEXIST) {
        return vlan_in_use(vid, physnet);
    }
    json_object_set_new(net, "provider:segmentation_id", json_integer(vid));
    return r ? api_error_from_store(r) : NULL;
}

static struct api_error *
assign_segment(struct api_request *req, json_t *net)
{
    const char *type = get_str(net, "provider:network_type");
    const char *physnet = get_str(net, "provider:physical_network");
    json_t *segid = json_object_get(net, "provider:segmentation_id");

    if (!type) {
        if (physnet || (segid && !json_is_null(segid))) {
            return api_invalid_input("network_type required");
        }
        return allocate_tenant_segment(req, net);
    }
    if (!strcmp(type, "flat")) {
        return claim_flat(req, net, physnet, segid);
    }
    if (!strcmp(type, "vlan")) {
        return claim_vlan(req, net, physnet, segid);
    }
    return api_invalid_input("network_type value '%s' not supported", type);
}

static struct api_error *
check_mtu(struct api_request *req, json_t *net)
{
    int max = server_config_max_mtu(req->cfg,
                                    get_str(net, "provider:physical_network"));
    json_t *mtu = json_object_get(net, "mtu");

    if (!mtu || !json_integer_value(mtu)) {
        json_object_set_new(net, "mtu", json_integer(max));
        return NULL;
    }
    if (max && json_integer_value(mtu) > max) {
        return api_invalid_input("Requested MTU is too big, maximum is %d",
                                 max);
    }
    return NULL;
}

static struct api_error *
network_create(struct api_request *req, json_t *net, char **ret_id)
{
    struct api_error *e = resource_init_row(req, net, 1, ret_id);

    if (!e) {
        json_object_set_new(net, "status", json_string("ACTIVE"));
        e = assign_segment(req, net);
    }
    if (!e) {
        e = check_mtu(req, net);
    }
    if (!e) {
        e = api_error_from_store(store_insert(req->store, &network_def, net));
    }
    if (!e) {
        char *sg = NULL;
        /* Neutron makes the project's default group with its first
         * network. */
        e = sg_ensure_default(
            req, json_string_value(json_object_get(net, "project_id")), &sg);
        free(sg);
    }
    if (!e) {
        e = rbac_sync_network(req, net, NULL);
    }
    if (e) {
        free(*ret_id);
        *ret_id = NULL;
    }
    return e;
}

/* ML2 lets only a VLAN network's segmentation id change: the old VLAN is
 * freed and the new one claimed. */
static struct api_error *
update_segment(struct api_request *req, json_t *row, json_t *changes)
{
    static const char *const fixed[] = {"provider:network_type",
                                        "provider:physical_network"};
    json_t *segid = json_object_get(changes, "provider:segmentation_id");
    const char *physnet = get_str(row, "provider:physical_network");
    int vid, r;

    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
        json_t *v = json_object_get(changes, fixed[i]);
        if (v && !json_equal(v, json_object_get(row, fixed[i]))) {
            return api_invalid_input("Plugin does not support updating "
                                     "the following provider network "
                                     "attributes: %s",
                                     fixed[i]);
        }
    }
    if (!segid
        || json_equal(segid,
                      json_object_get(row, "provider:segmentation_id"))) {
        return NULL;
    }
    if (strcmp(get_str(row, "provider:network_type"), "vlan")
        || !json_is_integer(segid)) {
        return api_invalid_input("Plugin does not support updating the "
                                 "following provider network attributes: "
                                 "provider:segmentation_id");
    }
    vid = json_integer_value(segid);
    if (vid < 1 || vid > 4094) {
        return api_invalid_input("segmentation_id out of range (1 through "
                                 "4094)");
    }
    r = store_segment_release(req->store, get_str(row, "id"));
    if (!r) {
        r = store_segment_claim(req->store, "vlan", physnet, vid,
                                get_str(row, "id"));
    }
    if (r == -EEXIST) {
        return vlan_in_use(vid, physnet);
    }
    return api_error_from_store(r);
}

static struct api_error *
network_update(struct api_request *req, json_t *row, json_t *changes)
{
    struct api_error *e = update_segment(req, row, changes);
    json_t *mtu = json_object_get(changes, "mtu");
    json_t *old;

    if (e) {
        return e;
    }
    if (mtu) {
        int max = server_config_max_mtu(
            req->cfg, get_str(row, "provider:physical_network"));
        if (max && json_integer_value(mtu) > max) {
            return api_invalid_input("Requested MTU is too big, maximum is "
                                     "%d",
                                     max);
        }
    }
    old = json_copy(row);
    if (resource_merge(row, changes)) {
        e = rbac_sync_network(req, row, old);
        if (!e) {
            e = resource_save(req, &network_def, row);
        }
    }
    json_decref(old);
    return e;
}

/* Ports that keep a network from being deleted: all but DHCP ports. */
static struct api_error *
check_network_unused(struct api_request *req, const char *id, json_t *ports)
{
    struct ds ids = DS_EMPTY_INITIALIZER;
    struct api_error *e = NULL;
    size_t i;
    json_t *port_id;

    json_array_foreach (ports, i, port_id) {
        json_t *port =
            store_get(req->store, &port_def, json_string_value(port_id));
        if (port && strcmp(get_str(port, "device_owner"), "network:dhcp")) {
            ds_put_format(&ids, "%s%s", ids.len ? ", " : "",
                          json_string_value(port_id));
        }
        json_decref(port);
    }
    if (ids.len) {
        e = api_error_new(409, "NetworkInUse",
                          "Unable to complete operation on network %s. "
                          "There are one or more ports still in use on the "
                          "network, id for these ports is: %s.",
                          id, ds_cstr(&ids));
    }
    ds_destroy(&ids);
    return e;
}

static struct api_error *
network_delete(struct api_request *req, json_t *row)
{
    const char *id = get_str(row, "id");
    json_t *ports = store_ids_where(req->store, &port_def, "network_id", id);
    json_t *subnets = NULL;
    struct api_error *e = check_network_unused(req, id, ports);
    size_t i;
    json_t *v;

    json_array_foreach (ports, i, v) {
        json_t *port =
            e ? NULL : store_get(req->store, &port_def, json_string_value(v));
        if (port) {
            e = port_delete_row(req, port);
            json_decref(port);
        }
    }
    if (!e) {
        subnets = store_ids_where(req->store, &subnet_def, "network_id", id);
        json_array_foreach (subnets, i, v) {
            if (!e) {
                e = api_error_from_store(store_delete(req->store, &subnet_def,
                                                      json_string_value(v)));
            }
        }
    }
    if (!e) {
        e = api_error_from_store(store_segment_release(req->store, id));
    }
    if (!e) {
        e = rbac_forget_network(req, id);
    }
    if (!e) {
        e = api_error_from_store(store_delete(req->store, &network_def, id));
    }
    json_decref(ports);
    json_decref(subnets);
    return e;
}

static void
put_member(struct ds *out, bool *first, const char *name, const char *json)
{
    ds_put_format(out, "%s\"%s\":%s", *first ? "" : ",", name, json);
    *first = false;
}

static void
network_render_extra(struct api_request *req, const char *id, char **fields,
                     bool first, struct ds *out)
{
    if (query_fields_want(fields, "subnets")) {
        json_t *ids =
            store_ids_where(req->store, &subnet_def, "network_id", id);
        char *text = json_dumps(ids, JSON_COMPACT);
        put_member(out, &first, "subnets", text);
        free(text);
        json_decref(ids);
    }
    /* Filled once a DHCP agent hosts the network (a later issue). */
    if (query_fields_want(fields, "availability_zones")) {
        put_member(out, &first, "availability_zones", "[]");
    }
    if (query_fields_want(fields, "ipv4_address_scope")) {
        put_member(out, &first, "ipv4_address_scope", "null");
    }
    if (query_fields_want(fields, "ipv6_address_scope")) {
        put_member(out, &first, "ipv6_address_scope", "null");
    }
}

struct api_error *
network_get_row(struct api_request *req, const char *id, json_t **ret)
{
    return resource_get(req, &network_def, id, ret);
}

const struct resource_ops network_ops = {
    &network_def,   network_create,       network_update,
    network_delete, network_render_extra,
};
