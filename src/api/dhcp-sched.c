/* DHCP scheduling: the networkdhcpagentbindings rows, the DHCP ports that
 * follow them, and Neutron's dhcp_agent_scheduler paths. */
#include "api/dhcp-sched.h"

#include <errno.h>

#include "api/agents.h"
#include "core/log.h"
#include "core/uuid.h"

LOG_DEFINE_THIS_MODULE(dhcp_sched);

static const char *
str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static bool
has_dhcp_subnet(struct api_request *req, const char *network_id)
{
    json_t *subnets = subnets_of_network(req, network_id);
    bool found = false;
    size_t i;
    json_t *sub;

    json_array_foreach (subnets, i, sub) {
        found = found || json_is_true(json_object_get(sub, "enable_dhcp"));
    }
    json_decref(subnets);
    return found;
}

static bool
contains(json_t *strings, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach (strings, i, v) {
        if (!strcmp(json_string_value(v), s)) {
            return true;
        }
    }
    return false;
}

/* Makes sure the DHCP agent on 'host' has its port on 'network'. */
static struct api_error *
ensure_port(struct api_request *req, json_t *network, const char *host)
{
    char *device_id = uuid_dhcp_device_id(host, str(network, "id"));
    struct api_error *e = port_dhcp_ensure(req, network, device_id);

    free(device_id);
    return e;
}

static struct api_error *
bind_agent(struct api_request *req, json_t *network, const char *agent_id,
           const char *host)
{
    int r = store_dhcp_bind(req->store, str(network, "id"), agent_id);

    if (r == -EEXIST) {
        return api_error_new(409, "NetworkHostedByDHCPAgent",
                             "The network %s has been already hosted by the "
                             "DHCP Agent %s.",
                             str(network, "id"), agent_id);
    }
    if (r) {
        return api_error_from_store(r);
    }
    log_info("network %s scheduled to the DHCP agent on '%s'",
             str(network, "id"), host);
    return ensure_port(req, network, host);
}

static struct api_error *
unbind_agent(struct api_request *req, const char *network_id,
             const char *agent_id, const char *host)
{
    int r = store_dhcp_unbind(req->store, network_id, agent_id);
    struct api_error *e;
    char *device_id;

    if (r == -ENOENT) {
        return api_error_new(409, "NetworkNotHostedByDhcpAgent",
                             "The network %s is not hosted by the DHCP agent "
                             "%s.",
                             network_id, agent_id);
    }
    if (r) {
        return api_error_from_store(r);
    }
    device_id = uuid_dhcp_device_id(host, network_id);
    e = port_dhcp_reserve(req, network_id, device_id);
    free(device_id);
    return e;
}

/* Adds up to 'wanted' alive candidate agents not in 'hosting'. */
static struct api_error *
add_agents(struct api_request *req, json_t *network, json_t *hosting,
           int wanted)
{
    json_t *candidates = store_dhcp_candidates(req->store);
    struct api_error *e = NULL;
    size_t i;
    json_t *c;

    json_array_foreach (candidates, i, c) {
        const char *id = json_string_value(json_array_get(c, 0));
        const char *host = json_string_value(json_array_get(c, 1));
        const char *beat = json_string_value(json_array_get(c, 2));

        if (e || wanted <= 0) {
            break;
        }
        if (!contains(hosting, id)
            && agent_beat_within(beat, req->cfg->agent_down_time)) {
            e = bind_agent(req, network, id, host);
            wanted--;
        }
    }
    json_decref(candidates);
    return e;
}

struct api_error *
dhcp_sched_network(struct api_request *req, json_t *network)
{
    const char *id = str(network, "id");
    json_t *hosting, *ports;
    struct api_error *e = NULL;
    int wanted = req->cfg->dhcp_agents_per_network;
    size_t i;
    json_t *agent_id;

    if (!has_dhcp_subnet(req, id)) {
        return NULL;
    }
    hosting = store_dhcp_agents_of(req->store, id);
    json_array_foreach (hosting, i, agent_id) {
        json_t *agent =
            store_get(req->store, &agent_def, json_string_value(agent_id));
        if (agent && !e) {
            e = ensure_port(req, network, str(agent, "host"));
        }
        json_decref(agent);
    }
    wanted -= (int) json_array_size(hosting);
    if (!e && wanted > 0) {
        e = add_agents(req, network, hosting, wanted);
    }
    json_decref(hosting);
    if (!e) {
        ports = port_dhcp_ports(req, id);
        if (!json_array_size(ports)) {
            e = port_create_dhcp(req, network);
        }
        json_decref(ports);
    }
    return e;
}

static struct api_error *
schedule_by_id(struct api_request *req, const char *network_id)
{
    json_t *network = NULL;
    struct api_error *e = network_get_row(req, network_id, &network);

    if (!e) {
        e = dhcp_sched_network(req, network);
    }
    json_decref(network);
    return e;
}

/* Moves networks off DHCP agents silent for twice agent_down_time, as
 * Neutron's periodic check does; runs when an alive DHCP agent reports,
 * so there is somewhere to move them. */
static struct api_error *
failover(struct api_request *req)
{
    char cutoff[TIMESTAMP_LEN];
    json_t *stale, *moved = json_object(), *b;
    struct api_error *e = NULL;
    const char *net;
    size_t i;

    agent_time_before(2 * req->cfg->agent_down_time, cutoff);
    stale = store_dhcp_stale_bindings(req->store, cutoff);
    json_array_foreach (stale, i, b) {
        net = json_string_value(json_array_get(b, 0));
        log_warn("removing network %s from the DHCP agent on '%s': it did "
                 "not report in %d s",
                 net, json_string_value(json_array_get(b, 2)),
                 2 * req->cfg->agent_down_time);
        e = e ? e
              : unbind_agent(req, net, json_string_value(json_array_get(b, 1)),
                             json_string_value(json_array_get(b, 2)));
        json_object_set_new(moved, net, json_true());
    }
    json_object_foreach (moved, net, b) {
        e = e ? e : schedule_by_id(req, net);
    }
    json_decref(stale);
    json_decref(moved);
    return e;
}

/* The networks short of agents that the DHCP agent on 'host' does not
 * host yet go to it (Neutron's auto_schedule_networks). */
static struct api_error *
auto_schedule(struct api_request *req, const char *host)
{
    json_t *agent = agent_find(req, AGENT_TYPE_DHCP, host);
    const char *agent_id = str(agent, "id");
    struct api_error *e = NULL;
    json_t *ids = NULL, *id;
    size_t i;

    if (agent && json_is_true(json_object_get(agent, "admin_state_up"))) {
        ids = store_dhcp_underhosted(req->store,
                                     req->cfg->dhcp_agents_per_network);
    }
    json_array_foreach (ids, i, id) {
        json_t *hosting =
            store_dhcp_agents_of(req->store, json_string_value(id));
        json_t *network = NULL;

        if (!e && !contains(hosting, agent_id)) {
            e = network_get_row(req, json_string_value(id), &network);
            e = e ? e : bind_agent(req, network, agent_id, host);
        }
        json_decref(network);
        json_decref(hosting);
    }
    json_decref(ids);
    json_decref(agent);
    return e;
}

struct api_error *
dhcp_sched_on_report(struct api_request *req, json_t *state, bool syncing)
{
    struct api_error *e = NULL;

    if (strcmp(str(state, "agent_type"), AGENT_TYPE_DHCP)) {
        return NULL;
    }
    if (req->cfg->allow_automatic_dhcp_failover) {
        e = failover(req);
    }
    if (!e && syncing && req->cfg->network_auto_schedule) {
        e = auto_schedule(req, str(state, "host"));
    }
    return e;
}

struct api_error *
dhcp_sched_agent_gone(struct api_request *req, json_t *agent)
{
    json_t *nets = store_dhcp_networks_of(req->store, str(agent, "id"));
    struct api_error *e = NULL;
    size_t i;
    json_t *net;

    json_array_foreach (nets, i, net) {
        char *device_id =
            uuid_dhcp_device_id(str(agent, "host"), json_string_value(net));
        e = e ? e : port_dhcp_reserve(req, json_string_value(net), device_id);
        free(device_id);
    }
    json_decref(nets);
    return e;
}

/* ---- The API. ---- */

struct sched_args {
    const char *id;         /* The agent's or the network's. */
    const char *network_id; /* POST's body or DELETE's path. */
    json_t *answer;
};

/* Rows of 'def' with 'ids', rendered, as {"<plural>": [...]}. */
static json_t *
rendered(struct api_request *req, const struct resource_ops *ops, json_t *ids)
{
    json_t *rows = json_array();
    size_t i;
    json_t *id;

    json_array_foreach (ids, i, id) {
        json_t *row = store_get(req->store, ops->def, json_string_value(id));
        if (row) {
            api_render(req, ops, row, NULL);
            json_array_append_new(rows, row);
        }
    }
    json_decref(ids);
    return json_pack("{s:o}", ops->def->plural, rows);
}

/* GET /v2.0/networks/ID/dhcp-agents: as Neutron, an unknown network has
 * none. */
static struct api_error *
do_list_agents(struct call *c, void *aux)
{
    struct sched_args *a = aux;

    a->answer = rendered(&c->req, &agent_ops,
                         store_dhcp_agents_of(c->req.store, a->id));
    return NULL;
}

/* The DHCP agent 'id': 404 for no agent or one of another type (Neutron's
 * InvalidDHCPAgent is a NotFound). */
static struct api_error *
dhcp_agent(struct api_request *req, const char *id, bool dhcp_only,
           json_t **ret)
{
    struct api_error *e = resource_get(req, &agent_def, id, ret);

    if (!e && dhcp_only && strcmp(str(*ret, "agent_type"), AGENT_TYPE_DHCP)) {
        json_decref(*ret);
        *ret = NULL;
        e = api_error_new(404, "InvalidDHCPAgent",
                          "Agent %s is not a valid DHCP Agent or has been "
                          "disabled",
                          id);
    }
    return e;
}

static struct api_error *
do_list_networks(struct call *c, void *aux)
{
    struct sched_args *a = aux;
    json_t *agent = NULL;
    struct api_error *e = dhcp_agent(&c->req, a->id, false, &agent);

    json_decref(agent);
    if (!e) {
        a->answer = rendered(&c->req, &network_ops,
                             store_dhcp_networks_of(c->req.store, a->id));
    }
    return e;
}

static struct api_error *
do_add_network(struct call *c, void *aux)
{
    struct sched_args *a = aux;
    json_t *agent = NULL, *network = NULL;
    struct api_error *e = network_get_row(&c->req, a->network_id, &network);

    if (!e) {
        e = dhcp_agent(&c->req, a->id, true, &agent);
    }
    if (!e && !json_is_true(json_object_get(agent, "admin_state_up"))) {
        e = api_error_new(404, "InvalidDHCPAgent",
                          "Agent %s is not a valid DHCP Agent or has been "
                          "disabled",
                          a->id);
    }
    if (!e) {
        e = bind_agent(&c->req, network, a->id, str(agent, "host"));
    }
    json_decref(agent);
    json_decref(network);
    return e;
}

static struct api_error *
do_remove_network(struct call *c, void *aux)
{
    struct sched_args *a = aux;
    json_t *agent = NULL;
    struct api_error *e = dhcp_agent(&c->req, a->id, false, &agent);

    if (!e) {
        e = unbind_agent(&c->req, a->network_id, a->id, str(agent, "host"));
    }
    json_decref(agent);
    return e;
}

/* The "network_id" of POST's body. */
static const char *
body_network_id(json_t *body, struct api_error **e)
{
    json_t *v = json_object_get(body, "network_id");

    if (!*e && !json_is_string(v)) {
        *e = api_bad_request(v ? "Invalid input for network_id. Reason: "
                                 "not a string."
                               : "Unable to find 'network_id' in request "
                                 "body");
    }
    return json_string_value(v);
}

/* Which handler, policy action and success status a path and method
 * make; NULL handler: 404 or 405 ('*status'). */
struct route {
    struct api_error *(*fn)(struct call *, void *);
    const char *action;
    bool write;
    int status;
};

static struct route
pick(const struct call *c, const char *method)
{
    bool net = !strcmp(c->segs[1], "networks");
    size_t n = c->n_segs;

    if (net ? strcmp(c->segs[3], "dhcp-agents")
            : strcmp(c->segs[3], "dhcp-networks") || n > 5) {
        return (struct route){NULL, NULL, false, 404};
    }
    if (n == 5) {
        return !strcmp(method, "DELETE")
                   ? (struct route){do_remove_network, "delete_dhcp-network",
                                    true, 204}
                   : (struct route){NULL, NULL, false, 405};
    }
    if (!strcmp(method, "GET")) {
        return net ? (struct route){do_list_agents, "get_dhcp-agents", false,
                                    200}
                   : (struct route){do_list_networks, "get_dhcp-networks",
                                    false, 200};
    }
    if (!net && !strcmp(method, "POST")) {
        return (struct route){do_add_network, "create_dhcp-network", true,
                              201};
    }
    return (struct route){NULL, NULL, false, 405};
}

void
dhcp_sched_route(struct call *c, struct http_response *resp)
{
    const char *method = http_request_method(c->http);
    struct route rt = pick(c, method);
    struct sched_args a = {.id = c->segs[2]};
    struct api_error *e = NULL;
    json_t *body = NULL;

    if (!rt.fn) {
        if (rt.status == 404) {
            api_not_found(resp);
        } else {
            api_method_not_allowed(resp, method);
        }
        return;
    }
    if (!c->req.ctx->is_admin) {
        e = api_error_new(403, "PolicyNotAuthorized",
                          "%s is disallowed by policy", rt.action);
    } else if (rt.fn == do_add_network) {
        body = api_parse_body(c->http, &e);
        a.network_id = body_network_id(body, &e);
    } else if (rt.fn == do_remove_network) {
        a.network_id = c->segs[4];
    }
    if (!e) {
        e = api_in_transaction(c, rt.write, rt.fn, &a);
    }
    json_decref(body);
    if (e) {
        api_respond_error(resp, e);
    } else if (rt.status == 204) {
        resp->status = 204;
    } else {
        api_respond_json(resp, rt.status, a.answer ? a.answer : json_null());
    }
}
