#include "agent/replica.h"

#include <malloc.h>
#include <stdio.h>

#include "agent/http-client.h"
#include "core/log.h"
#include "core/util.h"
#include "ovs/ovsx.h"

LOG_DEFINE_THIS_MODULE(replica);

#define FEED_WAIT_MS 30000 /* How long the server may hold a poll. */
#define RETRY_MIN_MS 250
#define RETRY_MAX_MS 8000

struct replica {
    struct hclient *client;
    char *host;
    /* Objects keyed by id, one table per resource.  Groups come whole,
     * whatever the host filter (the firewall needs every remote group). */
    json_t *networks, *subnets, *ports, *security_groups, *address_groups;
    /* Port values many ports share, kept once (see share()): by their
     * compact JSON text. */
    json_t *shared;
    size_t shared_pruned; /* Size of 'shared' after its last pruning. */
    long long revision;   /* 0: needs a snapshot. */
    bool synced;
    bool has_groups; /* The last snapshot had "security_groups". */
    unsigned int seqno;
    /* Count the changes of security and address groups, and of the rest
     * (a snapshot bumps both). */
    unsigned int groups_seqno, others_seqno;
    bool polling;
    long long retry_at; /* ovsx_time_msec() of the next try. */
    long long backoff_ms;
};

struct replica *
replica_create(struct hclient *client, const char *host)
{
    struct replica *r = xcalloc(1, sizeof *r);

    r->client = client;
    r->host = host ? xstrdup(host) : NULL;
    r->networks = json_object();
    r->subnets = json_object();
    r->ports = json_object();
    r->shared = json_object();
    r->security_groups = json_object();
    r->address_groups = json_object();
    return r;
}

void
replica_destroy(struct replica *r)
{
    if (r) {
        json_decref(r->networks);
        json_decref(r->subnets);
        json_decref(r->ports);
        json_decref(r->shared);
        json_decref(r->security_groups);
        json_decref(r->address_groups);
        free(r->host);
        free(r);
    }
}

/* What the agent's roles read of a port.  A replica of every port of a
 * host in full would cost several KB each; the rest (timestamps, tags,
 * descriptions, binding details, and admin_state_up and dns_name, which no
 * role reads yet) is the server's business.  At most 16 keys: jansson
 * doubles an object's hash table (to 512 bytes) at the 17th. */
static const char *const port_keys[] = {
    "id",
    "network_id",
    "mac_address",
    "fixed_ips",
    "status",
    "device_owner",
    "device_id",
    "project_id",
    "name",
    "extra_dhcp_opts",
    "binding:host_id",
    "binding:vif_type",
    "allowed_address_pairs",
    "port_security_enabled",
    "security_groups",
};

/* The port attributes whose values many ports share (besides the subnets
 * of fixed_ips); the others (id, MAC, name, device) are each port's own. */
static const char *const shared_keys[] = {
    "network_id",      "status",
    "device_owner",    "project_id",
    "binding:host_id", "binding:vif_type",
    "extra_dhcp_opts", "allowed_address_pairs",
    "security_groups",
};

static bool
is_shared_key(const char *key)
{
    for (size_t i = 0; i < ARRAY_SIZE(shared_keys); i++) {
        if (!strcmp(key, shared_keys[i])) {
            return true;
        }
    }
    return false;
}

/* Values longer than this are not shared: they are the port's own. */
#define SHARE_MAX 128

/* Drops the shared values no port uses any more, once 'shared' doubled
 * since the last time (so pruning costs O(1) per value added). */
static void
prune_shared(struct replica *r)
{
    const char *key;
    json_t *v, *tmp;

    if (json_object_size(r->shared) < 2 * r->shared_pruned + 64) {
        return;
    }
    json_object_foreach_safe (r->shared, tmp, key, v) {
        if (v->refcount == 1) {
            json_object_del(r->shared, key);
        }
    }
    r->shared_pruned = json_object_size(r->shared);
}

/* A new reference to the replica's one copy of a value equal to 'v' (a
 * borrowed reference), or to a copy of its own if 'v' is too long to
 * share: ports of one network mostly carry the same network, project,
 * host, status, subnet and empty lists, and a jansson string or array
 * costs two allocations each time it is parsed again.  Consumers only
 * read. */
static json_t *
share(struct replica *r, json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_t *kept = NULL;

    if (text && strlen(text) <= SHARE_MAX) {
        kept = json_object_get(r->shared, text);
        if (!kept) {
            kept = json_deep_copy(v); /* Not a piece of the answer. */
            json_object_set_new(r->shared, text, kept);
        }
    }
    free(text);
    return kept ? json_incref(kept) : json_deep_copy(v);
}

/* A copy of the port's fixed IPs that shares their subnet_ids. */
static json_t *
copy_fixed_ips(struct replica *r, json_t *fixed_ips)
{
    json_t *out = json_array(), *fip, *v;
    const char *key;
    size_t i;

    json_array_foreach (fixed_ips, i, fip) {
        json_t *copy = json_object();

        json_object_foreach (fip, key, v) {
            json_object_set_new(copy, key,
                                strcmp(key, "subnet_id") ? json_deep_copy(v)
                                                         : share(r, v));
        }
        json_array_append_new(out, copy);
    }
    return out;
}

/* A new reference to what the replica keeps of 'obj' in 'table'. */
static json_t *
slim(struct replica *r, json_t *table, json_t *obj)
{
    json_t *copy;

    /* Copies, not the answer's values: kept pieces of a parsed answer
     * would pin its memory, scattered among freed blocks, long after it
     * is gone (4.5 MB of RSS after plugging 1,000 ports). */
    if (table != r->ports) {
        return json_deep_copy(obj);
    }
    prune_shared(r);
    copy = json_object();
    for (size_t i = 0; i < ARRAY_SIZE(port_keys); i++) {
        json_t *v = json_object_get(obj, port_keys[i]);
        if (!v) {
            continue;
        }
        if (json_is_array(v) && !strcmp(port_keys[i], "fixed_ips")) {
            v = copy_fixed_ips(r, v);
        } else if (is_shared_key(port_keys[i])) {
            v = share(r, v);
        } else {
            v = json_deep_copy(v);
        }
        json_object_set_new(copy, port_keys[i], v);
    }
    return copy;
}

static json_t *
table_of(struct replica *r, const char *resource)
{
    return !resource                             ? NULL
           : !strcmp(resource, "network")        ? r->networks
           : !strcmp(resource, "subnet")         ? r->subnets
           : !strcmp(resource, "port")           ? r->ports
           : !strcmp(resource, "security_group") ? r->security_groups
           : !strcmp(resource, "address_group")  ? r->address_groups
                                                 : NULL;
}

/* Replaces 'table' by the objects of 'list'. */
static void
load_table(struct replica *r, json_t *table, json_t *list)
{
    size_t i;
    json_t *obj;

    json_object_clear(table);
    json_array_foreach (list, i, obj) {
        const char *id = json_string_value(json_object_get(obj, "id"));
        if (id) {
            json_object_set_new(table, id, slim(r, table, obj));
        }
    }
}

static void
apply_changes(struct replica *r, json_t *changes)
{
    size_t i;
    json_t *ch;

    json_array_foreach (changes, i, ch) {
        json_t *table =
            table_of(r, json_string_value(json_object_get(ch, "resource")));
        const char *id = json_string_value(json_object_get(ch, "id"));
        json_t *obj = json_object_get(ch, "object");

        if (!table || !id) {
            continue;
        }
        if (json_is_true(json_object_get(ch, "deleted")) || !obj) {
            json_object_del(table, id);
        } else {
            json_object_set_new(table, id, slim(r, table, obj));
        }
        if (table == r->security_groups || table == r->address_groups) {
            r->groups_seqno++;
        } else {
            r->others_seqno++;
        }
    }
}

static void
on_feed(void *aux, long status, json_t *body)
{
    struct replica *r = aux;
    json_t *rev = json_object_get(body, "revision");

    r->polling = false;
    if (status != 200 || !json_is_integer(rev)) {
        r->retry_at = ovsx_time_msec() + r->backoff_ms;
        log_warn("feed poll failed (HTTP %ld), retrying in %lld ms", status,
                 r->backoff_ms);
        r->backoff_ms = MIN(r->backoff_ms * 2, RETRY_MAX_MS);
        return;
    }
    r->backoff_ms = RETRY_MIN_MS;
    if (json_is_true(json_object_get(body, "resync"))) {
        load_table(r, r->networks, json_object_get(body, "networks"));
        load_table(r, r->subnets, json_object_get(body, "subnets"));
        load_table(r, r->ports, json_object_get(body, "ports"));
        load_table(r, r->security_groups,
                   json_object_get(body, "security_groups"));
        r->has_groups = json_object_get(body, "security_groups") != NULL;
        load_table(r, r->address_groups,
                   json_object_get(body, "address_groups"));
        malloc_trim(0); /* The answer was big; give its pages back. */
        r->synced = true;
        r->seqno++;
        r->groups_seqno++;
        r->others_seqno++;
        log_info("snapshot at revision %lld: %zu networks, %zu ports",
                 (long long) json_integer_value(rev),
                 json_object_size(r->networks), json_object_size(r->ports));
    } else if (json_array_size(json_object_get(body, "changes"))) {
        apply_changes(r, json_object_get(body, "changes"));
        r->seqno++;
    }
    r->revision = json_integer_value(rev);
}

void
replica_run(struct replica *r)
{
    char *path;

    if (r->polling || ovsx_time_msec() < r->retry_at) {
        return;
    }
    if (!r->backoff_ms) {
        r->backoff_ms = RETRY_MIN_MS;
    }
    if (r->synced) {
        path = xasprintf("/neutrino/v1/feed?since=%lld&timeout=%d%s%s",
                         r->revision, FEED_WAIT_MS, r->host ? "&host=" : "",
                         r->host ? r->host : "");
    } else {
        /* No revision: a snapshot. */
        path = xasprintf("/neutrino/v1/feed?timeout=%d%s%s", FEED_WAIT_MS,
                         r->host ? "&host=" : "", r->host ? r->host : "");
    }
    hclient_request(r->client, "GET", path, NULL, FEED_WAIT_MS + 10000,
                    on_feed, r);
    free(path);
    r->polling = true;
}

void
replica_wait(struct replica *r)
{
    if (!r->polling) {
        ovsx_poll_timer_wait_until(r->retry_at);
    }
}

void
replica_resync(struct replica *r)
{
    r->synced = false;
}

bool
replica_is_synced(const struct replica *r)
{
    return r->synced;
}

unsigned int
replica_seqno(const struct replica *r)
{
    return r->seqno;
}

unsigned int
replica_groups_seqno(const struct replica *r)
{
    return r->groups_seqno;
}

unsigned int
replica_others_seqno(const struct replica *r)
{
    return r->others_seqno;
}

long long
replica_revision(const struct replica *r)
{
    return r->revision;
}

json_t *
replica_network(const struct replica *r, const char *id)
{
    return id ? json_object_get(r->networks, id) : NULL;
}

json_t *
replica_port(const struct replica *r, const char *id)
{
    return id ? json_object_get(r->ports, id) : NULL;
}

json_t *
replica_ports(const struct replica *r)
{
    return r->ports;
}

json_t *
replica_networks(const struct replica *r)
{
    return r->networks;
}

json_t *
replica_subnets(const struct replica *r)
{
    return r->subnets;
}

json_t *
replica_security_groups(const struct replica *r)
{
    return r->security_groups;
}

bool
replica_has_security_groups(const struct replica *r)
{
    return r->has_groups;
}

json_t *
replica_address_groups(const struct replica *r)
{
    return r->address_groups;
}

static void
put(struct replica *r, json_t *table, json_t *obj)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    json_t *kept = id ? slim(r, table, obj) : NULL;

    if (kept && !json_equal(json_object_get(table, id), kept)) {
        json_object_set(table, id, kept);
        r->seqno++;
        r->others_seqno++;
    }
    json_decref(kept);
}

void
replica_put_port(struct replica *r, json_t *port)
{
    put(r, r->ports, port);
}

void
replica_put_network(struct replica *r, json_t *network)
{
    put(r, r->networks, network);
}
