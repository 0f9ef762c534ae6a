#include "api/rpc.h"

#include "api/agents.h"
#include "api/dhcp-sched.h"
#include "api/feed.h"

/* A request body's object member 'name', or NULL with '*e' set. */
static json_t *
body_member(json_t *body, const char *name, struct api_error **e)
{
    json_t *v = body ? json_object_get(body, name) : NULL;

    if (body && !v) {
        *e = api_bad_request("Unable to find '%s' in request body", name);
    }
    return v;
}

/* The "host" of a body: a non-empty string of at most 255 characters. */
static const char *
body_host(json_t *body, struct api_error **e)
{
    json_t *host = body_member(body, "host", e);

    if (!host) {
        return NULL;
    }
    if (!json_is_string(host) || !json_string_length(host)
        || json_string_length(host) > 255) {
        *e = api_bad_request("Invalid input for host. Reason: not a "
                             "non-empty string of at most 255 characters.");
        return NULL;
    }
    return json_string_value(host);
}

static bool
has_control(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char) *s < 0x20 || *s == 0x7f) {
            return true;
        }
    }
    return false;
}

/* The optional "device_id" of a bind: a string of at most 255 characters
 * without control characters, or NULL when absent. */
static const char *
body_device_id(json_t *body, struct api_error **e)
{
    json_t *v = json_object_get(body, "device_id");
    const char *s = json_string_value(v);

    if (!v) {
        return NULL;
    }
    if (!s || !*s || json_string_length(v) > 255
        || strlen(s) != json_string_length(v) || has_control(s)) {
        *e = api_bad_request("Invalid input for device_id. Reason: not a "
                             "non-empty string of at most 255 printable "
                             "characters.");
        return NULL;
    }
    return s;
}

struct port_args {
    const char *id;
    const char *host;
    const char *device_id;
    const char *status;
    json_t *answer;
};

static struct api_error *
do_bind(struct call *c, void *aux)
{
    struct port_args *a = aux;
    json_t *port, *network;
    struct api_error *e =
        port_bind(&c->req, a->id, a->host, a->device_id, &port, &network);

    if (!e) {
        api_render(&c->req, &port_ops, port, NULL);
        api_render(&c->req, &network_ops, network, NULL);
        a->answer = json_pack("{s:o, s:o}", "port", port, "network", network);
    }
    return e;
}

static struct api_error *
do_status(struct call *c, void *aux)
{
    struct port_args *a = aux;

    return port_set_status(&c->req, a->id, a->host, a->status);
}

/* POST /neutrino/v1/ports/ID/bind, PUT /neutrino/v1/ports/ID/status. */
static void
handle_port(struct call *c, const char *id, const char *verb,
            struct http_response *resp)
{
    const char *method = http_request_method(c->http);
    bool bind = !strcmp(verb, "bind");
    struct port_args a = {.id = id};
    struct api_error *e = NULL;
    json_t *body;

    if (strcmp(method, bind ? "POST" : "PUT")) {
        api_method_not_allowed(resp, method);
        return;
    }
    body = api_parse_body(c->http, &e);
    a.host = body_host(body, &e);
    if (!e && bind) {
        a.device_id = body_device_id(body, &e);
    }
    if (!e && !bind) {
        json_t *status = body_member(body, "status", &e);
        a.status = json_string_value(status);
        if (!e
            && (!a.status
                || (strcmp(a.status, "ACTIVE") && strcmp(a.status, "DOWN")))) {
            e = api_bad_request("Invalid input for status. Reason: not "
                                "ACTIVE or DOWN.");
        }
    }
    if (!e) {
        e = api_in_transaction(c, true, bind ? do_bind : do_status, &a);
    }
    if (e) {
        api_respond_error(resp, e);
    } else if (bind) {
        api_respond_json(resp, 200, a.answer);
    } else {
        resp->status = 204;
    }
    json_decref(body);
}

struct report_args {
    json_t *state;
    const char *result;
};

static struct api_error *
do_report(struct call *c, void *aux)
{
    struct report_args *a = aux;
    bool syncing = false;
    struct api_error *e =
        agent_report(&c->req, a->state, &a->result, &syncing);

    /* A DHCP agent's report is when networks move (dhcp-sched.h). */
    return e ? e : dhcp_sched_on_report(&c->req, a->state, syncing);
}

/* POST /neutrino/v1/agents/report. */
static void
handle_report(struct call *c, struct http_response *resp)
{
    const char *method = http_request_method(c->http);
    struct report_args a = {0};
    struct api_error *e = NULL;
    json_t *body;

    if (strcmp(method, "POST")) {
        api_method_not_allowed(resp, method);
        return;
    }
    body = api_parse_body(c->http, &e);
    a.state = body_member(body, "agent_state", &e);
    if (!e && !json_is_object(a.state)) {
        e = api_bad_request("Invalid input for agent_state. Reason: not a "
                            "dictionary.");
    }
    if (!e) {
        e = api_in_transaction(c, true, do_report, &a);
    }
    if (e) {
        api_respond_error(resp, e);
    } else {
        api_respond_json(resp, 200, json_pack("{s:s}", "state", a.result));
    }
    json_decref(body);
}

/* Who may use these paths.  With Keystone: a token with the admin or
 * service role, as Neutron's agents use a service user's (the auth gate
 * already answered 401 without a valid token).  With noauth and [agent]
 * shared_secret: whoever presents the secret.  NULL: allowed. */
static struct api_error *
check_agent(const struct call *c)
{
    const struct server_config *cfg = c->req.cfg;
    const char *secret = cfg->agent_shared_secret;
    const char *given;

    if (streq(cfg->auth_strategy, "keystone")) {
        for (char **role = c->req.ctx->roles; role && *role; role++) {
            if (streq(*role, "admin") || streq(*role, "service")) {
                return NULL;
            }
        }
        return api_error_new(403, "PolicyNotAuthorized",
                             "The agents' API needs the admin or service "
                             "role.");
    }
    if (!secret || !*secret) {
        return NULL;
    }
    given = http_request_header(c->http, RPC_SECRET_HEADER);
    if (!given || !str_equal_secret(secret, given)) {
        return api_error_new(401, "HTTPUnauthorized",
                             "The agents' API needs the agents' shared "
                             "secret in the " RPC_SECRET_HEADER " header.");
    }
    return NULL;
}

void
rpc_route(struct call *c, struct http_response *resp)
{
    char **s = c->segs;
    size_t n = c->n_segs;
    struct api_error *e = check_agent(c);

    if (e) {
        api_respond_error(resp, e);
    } else if (n == 3 && !strcmp(s[2], "feed")) {
        if (strcmp(http_request_method(c->http), "GET")) {
            api_method_not_allowed(resp, http_request_method(c->http));
        } else {
            feed_handle(api_feed(c->api), c, resp);
        }
    } else if (n == 5 && !strcmp(s[2], "ports")
               && (!strcmp(s[4], "bind") || !strcmp(s[4], "status"))) {
        handle_port(c, s[3], s[4], resp);
    } else if (n == 4 && !strcmp(s[2], "agents") && !strcmp(s[3], "report")) {
        handle_report(c, resp);
    } else {
        api_not_found(resp);
    }
}
