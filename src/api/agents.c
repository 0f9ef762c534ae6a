/* Agents: the rows that `openstack network agent list` shows, written by the
 * agents' state reports (docs/agent-protocol.md) and read by port binding,
 * which binds a port to a host only through an alive agent there. */
#include "api/agents.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "api/dhcp-sched.h"
#include "core/uuid.h"

static char *
convert_agent_text(json_t *value, json_t **ret)
{
    if (!json_is_string(value)) {
        return xstrdup("not a string");
    }
    return convert_string(value, ret);
}

static const struct attr agent_attrs[] = {
    {"id", "id", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"agent_type", "agent_type", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"binary", "binary_name", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"topic", "topic", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"host", "host", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"admin_state_up", "admin_state_up", COL_BOOL, A_PUT | A_FILTER | A_SORT,
     convert_bool, NULL},
    {"availability_zone", "availability_zone", COL_TEXT,
     A_FILTER | A_SORT | A_NULLABLE, NULL, NULL},
    {"description", "description", COL_TEXT,
     A_PUT | A_FILTER | A_SORT | A_NULLABLE, convert_agent_text, NULL},
    {"configurations", "configurations", COL_JSON, 0, NULL, NULL},
    {"resource_versions", "resource_versions", COL_JSON, 0, NULL, NULL},
    {"resources_synced", "resources_synced", COL_BOOL, A_NULLABLE, NULL, NULL},
    {"created_at", "created_at", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"started_at", "started_at", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"heartbeat_timestamp", "heartbeat_timestamp", COL_TEXT, A_FILTER | A_SORT,
     NULL, NULL},
};

const struct resource_def agent_def = {
    .singular = "agent",
    .plural = "agents",
    .table = "agents",
    .not_found = "AgentNotFound",
    .noun = "Agent",
    .attrs = agent_attrs,
    .n_attrs = ARRAY_SIZE(agent_attrs),
};

/* Agent timestamps are "YYYY-MM-DD HH:MM:SS", not the ISO form of the
 * standard attributes. */
static void
agent_time(const struct api_request *req, char buf[TIMESTAMP_LEN])
{
    snprintf(buf, TIMESTAMP_LEN, "%.10s %.8s", req->now, req->now + 11);
}

static time_t
parse_agent_time(const char *s)
{
    struct tm tm = {0};

    if (!s || !strptime(s, "%Y-%m-%d %H:%M:%S", &tm)) {
        return 0;
    }
    return timegm(&tm);
}

bool
agent_beat_within(const char *heartbeat, int seconds)
{
    time_t beat = parse_agent_time(heartbeat);

    return beat && time(NULL) - beat <= seconds;
}

bool
agent_is_alive(const struct api_request *req, json_t *agent)
{
    return agent_beat_within(
        json_string_value(json_object_get(agent, "heartbeat_timestamp")),
        req->cfg->agent_down_time);
}

void
agent_time_before(int seconds, char buf[TIMESTAMP_LEN])
{
    time_t t = time(NULL) - seconds;
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, TIMESTAMP_LEN, "%Y-%m-%d %H:%M:%S", &tm);
}

json_t *
agent_find(struct api_request *req, const char *agent_type, const char *host)
{
    json_t *rows = store_rows_where(req->store, &agent_def, "host", host);
    json_t *found = NULL, *row;
    size_t i;

    json_array_foreach (rows, i, row) {
        const char *type =
            json_string_value(json_object_get(row, "agent_type"));
        if (type && !strcmp(type, agent_type)) {
            found = json_incref(row);
            break;
        }
    }
    json_decref(rows);
    return found;
}

/* True if 'mappings' ("physnet:bridge" strings, or {physnet: bridge}) map
 * 'physnet'. */
static bool
maps_physnet(json_t *mappings, const char *physnet)
{
    size_t i;
    json_t *m;

    if (json_is_object(mappings)) {
        return json_object_get(mappings, physnet) != NULL;
    }
    json_array_foreach (mappings, i, m) {
        const char *s = json_string_value(m);
        size_t len = strlen(physnet);
        if (s && !strncmp(s, physnet, len) && s[len] == ':') {
            return true;
        }
    }
    return false;
}

json_t *
agent_ovs_vif_details(struct api_request *req, const char *host,
                      const char *physnet)
{
    json_t *agent = agent_find(req, AGENT_TYPE_OVS, host);
    json_t *conf, *details = NULL;

    if (agent && agent_is_alive(req, agent)) {
        conf = json_object_get(agent, "configurations");
        if (!physnet
            || maps_physnet(json_object_get(conf, "bridge_mappings"),
                            physnet)) {
            const char *bridge =
                json_string_value(json_object_get(conf, "integration_bridge"));
            const char *dp =
                json_string_value(json_object_get(conf, "datapath_type"));
            const char *fw =
                json_string_value(json_object_get(conf, "firewall_driver"));

            /* What Neutron's openvswitch mechanism driver puts there: the
             * agent's firewall says whether the port is filtered and
             * whether it is plugged through a Linux bridge. */
            details = json_pack(
                "{s:{s:s}, s:s, s:s, s:s, s:b, s:b}", "bound_drivers", "0",
                "openvswitch", "bridge_name", bridge ? bridge : "br-int",
                "connectivity", "l2", "datapath_type", dp ? dp : "system",
                "ovs_hybrid_plug",
                json_is_true(json_object_get(conf, "ovs_hybrid_plug"))
                    || (fw && !strcmp(fw, "iptables_hybrid")),
                "port_filter", !fw || strcmp(fw, "noop"));
        }
    }
    json_decref(agent);
    return details;
}

/* ---- State reports. ---- */

static struct api_error *
report_field(json_t *state, const char *name, bool required, const char **ret)
{
    json_t *v = json_object_get(state, name);

    if (!v && !required) {
        *ret = NULL;
        return NULL;
    }
    if (!json_is_string(v) || !json_string_length(v)
        || json_string_length(v) > 255) {
        return api_bad_request("Invalid input for %s. Reason: '%s' is not "
                               "a valid string.",
                               name, v ? "value" : "None");
    }
    *ret = json_string_value(v);
    return NULL;
}

static struct api_error *
insert_agent(struct api_request *req, json_t *state, const char *now)
{
    json_t *conf = json_object_get(state, "configurations");
    json_t *versions = json_object_get(state, "resource_versions");
    json_t *az = json_object_get(state, "availability_zone");
    char id[UUID_STRLEN];
    json_t *row;
    int r;

    uuid_generate(id);
    row = json_pack(
        "{s:s, s:O, s:O, s:O, s:O, s:b, s:O, s:n, s:O, s:O, s:n, s:s, s:s, "
        "s:s}",
        "id", id, "agent_type", json_object_get(state, "agent_type"), "binary",
        json_object_get(state, "binary"), "topic",
        json_object_get(state, "topic"), "host",
        json_object_get(state, "host"), "admin_state_up", true,
        "availability_zone", json_is_string(az) ? az : json_null(),
        "description", "configurations", conf ? conf : json_object(),
        "resource_versions", versions ? versions : json_object(),
        "resources_synced", "created_at", now, "started_at", now,
        "heartbeat_timestamp", now);
    r = store_insert(req->store, &agent_def, row);
    json_decref(row);
    return api_error_from_store(r);
}

struct api_error *
agent_report(struct api_request *req, json_t *state, const char **ret_state,
             bool *ret_syncing)
{
    const char *type, *binary, *host, *topic;
    char now[TIMESTAMP_LEN];
    struct api_error *e;
    json_t *agent, *conf = json_object_get(state, "configurations");

    e = report_field(state, "agent_type", true, &type);
    e = e ? e : report_field(state, "binary", true, &binary);
    e = e ? e : report_field(state, "host", true, &host);
    e = e ? e : report_field(state, "topic", true, &topic);
    if (!e && conf && !json_is_object(conf)) {
        e = api_bad_request("Invalid input for configurations. Reason: "
                            "not a dictionary.");
    }
    if (e) {
        return e;
    }
    agent_time(req, now);
    agent = agent_find(req, type, host);
    if (!agent) {
        *ret_state = "alive";
        *ret_syncing = true;
        return insert_agent(req, state, now);
    }
    *ret_state = agent_is_alive(req, agent) ? "alive" : "revived";
    *ret_syncing = json_is_true(json_object_get(state, "start_flag"))
                   || !strcmp(*ret_state, "revived");
    json_t *changes = json_pack("{s:s, s:s, s:s}", "binary", binary, "topic",
                                topic, "heartbeat_timestamp", now);
    if (conf) {
        json_object_set(changes, "configurations", conf);
    }
    if (json_is_true(json_object_get(state, "start_flag"))) {
        json_object_set_new(changes, "started_at", json_string(now));
    }
    e = api_error_from_store(store_update(
        req->store, &agent_def,
        json_string_value(json_object_get(agent, "id")), changes));
    json_decref(changes);
    json_decref(agent);
    return e;
}

/* ---- The /v2.0/agents resource. ---- */

static struct api_error *
agent_update(struct api_request *req, json_t *row, json_t *changes)
{
    if (!resource_merge(row, changes)) {
        return NULL;
    }
    return api_error_from_store(
        store_update(req->store, &agent_def,
                     json_string_value(json_object_get(row, "id")), changes));
}

static struct api_error *
agent_delete(struct api_request *req, json_t *row)
{
    struct api_error *e = dhcp_sched_agent_gone(req, row);

    return e ? e
             : api_error_from_store(
                 store_delete(req->store, &agent_def,
                              json_string_value(json_object_get(row, "id"))));
}

static void
agent_render_extra(struct api_request *req, const char *id, char **fields,
                   bool first, struct ds *out)
{
    json_t *row;

    if (!query_fields_want(fields, "alive")) {
        return;
    }
    row = store_get(req->store, &agent_def, id);
    ds_put_format(out, "%s\"alive\":%s", first ? "" : ",",
                  row && agent_is_alive(req, row) ? "true" : "false");
    json_decref(row);
}

const struct resource_ops agent_ops = {
    .def = &agent_def,
    .create = NULL,
    .update = agent_update,
    .delete = agent_delete,
    .render_extra = agent_render_extra,
};
