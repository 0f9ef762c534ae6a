#include "agent/metadata.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/http-client.h"
#include "agent/mhd-lib.h"
#include "agent/replica.h"
#include "agent/ssl-lib.h"
#include "core/ds.h"
#include "core/ip.h"
#include "core/util.h"
#include "ovs/ovsx.h"

#define JSON_TYPE    "application/json"
#define NOVA_TIMEOUT 30000 /* ms, as haproxy's server timeout. */
#define TEXT_TYPE    "text/plain; charset=UTF-8"

/* The OpenStack metadata versions Nova lists, oldest first. */
static const char *const os_versions[] = {
    "2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30",
    "2016-10-06", "2017-02-22", "2018-08-27", "latest",
};
/* The EC2 versions. */
static const char *const ec2_versions[] = {
    "1.0",        "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10",
    "2007-12-15", "2008-02-01", "2008-09-01", "2009-04-04", "latest",
};
static const char *const ec2_keys[] = {
    "hostname",   "instance-id", "local-hostname",
    "local-ipv4", "mac",         "placement/",
};

struct metadata_server {
    struct mhd_lib *mhd; /* libmicrohttpd, loaded for this server. */
    struct MHD_Daemon *daemon;
    int epoll_fd;
    char *net_id;
    struct replica *replica;
    struct hclient *nova;   /* Proxy mode: Nova's metadata API; or NULL. */
    char *secret;           /* metadata_proxy_shared_secret. */
    struct ssl_lib *crypto; /* With 'nova': HMAC for the signatures. */
    struct md_call *calls;  /* Connections waiting for Nova. */
    bool wake;              /* A call ended: MHD must run again. */
};

/* One request forwarded to Nova, attached to its connection. */
struct md_call {
    struct metadata_server *server;
    struct MHD_Connection *conn;
    struct md_call *prev, *next;
    bool done;
    int status;
    char *body;
    size_t len;
    char *type;
};

static const char *
str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static char *
list(const char *const *items, size_t n)
{
    struct ds ds;

    ds_init(&ds);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&ds, "%s%s", i ? "\n" : "", items[i]);
    }
    return ds_steal(&ds);
}

static bool
in_list(const char *const *items, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(items[i]) == len && !strncmp(items[i], s, len)) {
            return true;
        }
    }
    return false;
}

/* The port's first IPv4 address and its subnet. */
static const char *
first_ip(json_t *port, json_t *subnets, json_t **ret_subnet)
{
    size_t i;
    json_t *fip;

    json_array_foreach (json_object_get(port, "fixed_ips"), i, fip) {
        json_t *sub = json_object_get(subnets, str(fip, "subnet_id"));
        if (sub
            && json_integer_value(json_object_get(sub, "ip_version")) == 4) {
            *ret_subnet = sub;
            return str(fip, "ip_address");
        }
    }
    *ret_subnet = NULL;
    return NULL;
}

/* The instance's host name: the port's name if it is one, else Neutron's
 * host-<address>. */
static char *
hostname(json_t *port, const char *ip)
{
    const char *name = str(port, "name");
    char *h;

    if (name && *name && strlen(name) < 64
        && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-")
               == strlen(name)) {
        return xstrdup(name);
    }
    h = xasprintf("host-%s", ip ? ip : "");
    for (char *p = h; *p; p++) {
        *p = *p == '.' ? '-' : *p;
    }
    return h;
}

static json_t *
meta_data(json_t *port, const char *ip)
{
    char *host = hostname(port, ip);
    json_t *md =
        json_pack("{s:s?, s:s, s:s, s:s, s:i, s:s?, s:{}, s:[]}", "uuid",
                  str(port, "device_id"), "hostname", host, "name", host,
                  "availability_zone", "nova", "launch_index", 0, "project_id",
                  str(port, "project_id"), "meta", "devices");

    free(host);
    return md;
}

static json_t *
network_data(json_t *network, json_t *port, json_t *sub, const char *ip)
{
    char link[16];
    struct ip_net net;
    char mask[IP_STRLEN] = "";
    json_t *routes = json_array(), *services = json_array(), *v;
    const char *gw = str(sub, "gateway_ip");
    size_t i;

    snprintf(link, sizeof link, "tap%.11s", str(port, "id"));
    if (!ipnet_parse(str(sub, "cidr"), &net)) {
        struct ip_addr m = ipnet_netmask(&net);
        ip_format(&m, mask);
    }
    if (gw) {
        json_array_append_new(routes, json_pack("{s:s, s:s, s:s}", "network",
                                                "0.0.0.0", "netmask",
                                                "0.0.0.0", "gateway", gw));
    }
    json_array_foreach (json_object_get(sub, "dns_nameservers"), i, v) {
        json_array_append_new(
            services, json_pack("{s:s, s:O}", "type", "dns", "address", v));
    }
    return json_pack(
        "{s:[{s:s, s:s, s:s?, s:O?, s:s?}], s:[{s:s, s:s, s:s, s:s, s:s, "
        "s:o, s:s?}], s:o}",
        "links", "id", link, "type", "ovs", "ethernet_mac_address",
        str(port, "mac_address"), "mtu", json_object_get(network, "mtu"),
        "vif_id", str(port, "id"), "networks", "id", "network0", "type",
        "ipv4", "link", link, "ip_address", ip, "netmask", mask, "routes",
        routes, "network_id", str(network, "id"), "services", services);
}

static int
ec2_answer(json_t *port, const char *ip, const char *key, char **ret_body)
{
    char *host = hostname(port, ip);
    int status = 200;

    if (!*key) {
        *ret_body = list(ec2_keys, ARRAY_SIZE(ec2_keys));
    } else if (!strcmp(key, "instance-id")) {
        *ret_body =
            xstrdup(str(port, "device_id") ? str(port, "device_id") : "");
    } else if (!strcmp(key, "local-ipv4")) {
        *ret_body = xstrdup(ip);
    } else if (!strcmp(key, "hostname") || !strcmp(key, "local-hostname")) {
        *ret_body = xstrdup(host);
    } else if (!strcmp(key, "mac")) {
        *ret_body =
            xstrdup(str(port, "mac_address") ? str(port, "mac_address") : "");
    } else if (!strcmp(key, "placement/") || !strcmp(key, "placement")) {
        *ret_body = xstrdup("availability-zone");
    } else if (!strcmp(key, "placement/availability-zone")) {
        *ret_body = xstrdup("nova");
    } else {
        status = 404;
    }
    free(host);
    return status;
}

/* Splits "/openstack/VERSION/rest": true if 'path' starts with 'prefix'
 * followed by a known version, with 'rest' what follows it ("" or
 * "/..."). */
static bool
versioned(const char *path, const char *prefix, const char *const *versions,
          size_t n, const char **rest)
{
    size_t plen = strlen(prefix), vlen;

    if (strncmp(path, prefix, plen)) {
        return false;
    }
    path += plen;
    vlen = strcspn(path, "/");
    *rest = path + vlen;
    return in_list(versions, n, path, vlen);
}

int
metadata_answer(json_t *network, json_t *subnets, json_t *port,
                const char *path, char **ret_body, const char **ret_type)
{
    json_t *sub = NULL, *doc = NULL;
    const char *ip = port ? first_ip(port, subnets, &sub) : NULL;
    const char *rest;
    int status = 200;

    *ret_type = TEXT_TYPE;
    *ret_body = NULL;
    if (!ip) {
        status = 404;
    } else if (!strcmp(path, "/openstack") || !strcmp(path, "/openstack/")) {
        *ret_body = list(os_versions, ARRAY_SIZE(os_versions));
    } else if (versioned(path, "/openstack/", os_versions,
                         ARRAY_SIZE(os_versions), &rest)) {
        if (!strcmp(rest, "") || !strcmp(rest, "/")) {
            *ret_body = xstrdup("meta_data.json\nnetwork_data.json");
        } else if (!strcmp(rest, "/meta_data.json")) {
            doc = meta_data(port, ip);
        } else if (!strcmp(rest, "/network_data.json")) {
            doc = network_data(network, port, sub, ip);
        } else {
            status = 404;
        }
    } else if (!strcmp(path, "/")) {
        *ret_body = list(ec2_versions, ARRAY_SIZE(ec2_versions));
    } else if (versioned(path, "/", ec2_versions, ARRAY_SIZE(ec2_versions),
                         &rest)) {
        if (!strcmp(rest, "") || !strcmp(rest, "/")) {
            *ret_body = xstrdup("meta-data/");
        } else if (str_startswith(rest, "/meta-data/")) {
            status =
                ec2_answer(port, ip, rest + strlen("/meta-data/"), ret_body);
        } else {
            status = 404;
        }
    } else {
        status = 404;
    }
    if (doc) {
        *ret_body = json_dumps(doc, JSON_SORT_KEYS);
        *ret_type = JSON_TYPE;
        json_decref(doc);
    }
    if (status != 200) {
        free(*ret_body);
        *ret_body = xstrdup("404 Not Found");
    }
    return status;
}

/* ---- The listener. ---- */

/* The port of the server's network whose fixed IP is 'ip'. */
static json_t *
port_of(struct metadata_server *s, const char *ip)
{
    const char *id;
    json_t *port;

    json_object_foreach (replica_ports(s->replica), id, port) {
        const char *net = str(port, "network_id");
        size_t i;
        json_t *fip;

        if (!net || strcmp(net, s->net_id)) {
            continue;
        }
        json_array_foreach (json_object_get(port, "fixed_ips"), i, fip) {
            if (str(fip, "ip_address")
                && !strcmp(str(fip, "ip_address"), ip)) {
                return port;
            }
        }
    }
    return NULL;
}

static enum MHD_Result
respond(const struct mhd_lib *mhd, struct MHD_Connection *conn, int status,
        char *body, size_t len, const char *type)
{
    struct MHD_Response *r =
        mhd->create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret;

    mhd->add_response_header(r, "Content-Type", type ? type : TEXT_TYPE);
    ret = mhd->queue_response(conn, status, r);
    mhd->destroy_response(r);
    return ret;
}

/* Neutron's X-Instance-ID-Signature: hex HMAC-SHA256 of the instance id
 * keyed with the shared secret.  'hex' holds 65 bytes. */
static void
sign(const struct ssl_lib *crypto, const char *secret, const char *instance_id,
     char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    crypto->HMAC(crypto->EVP_sha256(), secret, (int) strlen(secret),
                 (const unsigned char *) instance_id, strlen(instance_id), md,
                 &len);
    for (unsigned int i = 0; i < len && i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
}

static void
on_nova(void *aux, long status, const char *body, size_t len, const char *type)
{
    struct md_call *c = aux;

    /* Nova's answers pass as Neutron's agent passes them: 200 with its
     * body, client errors by code, anything else 500. */
    c->status = status == 200 || status == 400 || status == 403
                        || status == 404 || status == 409
                    ? (int) status
                    : 500;
    c->body = xmalloc(len + 1);
    memcpy(c->body, body, len);
    c->len = len;
    c->type = type ? xstrdup(type) : NULL;
    c->done = true;
    c->server->wake = true;
    c->server->mhd->resume_connection(c->conn);
}

static void
put_escaped(struct ds *ds, const char *s)
{
    for (; *s; s++) {
        unsigned char c = *s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || strchr("-._~", c)) {
            ds_put_char(ds, c);
        } else {
            ds_put_format(ds, "%%%02X", c);
        }
    }
}

static enum MHD_Result
put_arg(void *aux, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct ds *ds = aux;

    ds_put_char(ds, ds->len ? '&' : '?');
    put_escaped(ds, key);
    if (value) {
        ds_put_char(ds, '=');
        put_escaped(ds, value);
    }
    return MHD_YES;
}

/* The request's path with its query string (MHD hands them apart). */
static char *
path_and_query(const struct mhd_lib *mhd, struct MHD_Connection *conn,
               const char *url)
{
    struct ds query;
    char *full;

    ds_init(&query);
    mhd->get_connection_values(conn, MHD_GET_ARGUMENT_KIND, put_arg, &query);
    full = xasprintf("%s%s", url, query.len ? ds_cstr(&query) : "");
    ds_destroy(&query);
    return full;
}

/* Forwards the request of 'port' (at 'ip') to Nova with Neutron's headers
 * and suspends the connection until the answer. */
static void
forward(struct metadata_server *s, struct MHD_Connection *conn,
        const char *url, json_t *port, const char *ip, void **con_cls)
{
    struct md_call *c = xcalloc(1, sizeof *c);
    const char *instance = str(port, "device_id");
    const char *project = str(port, "project_id");
    char sig[65] = "";
    char *headers[4], *path;

    instance = instance ? instance : "";
    sign(s->crypto, s->secret, instance, sig);
    headers[0] = xasprintf("X-Forwarded-For: %s", ip);
    headers[1] = xasprintf("X-Instance-ID: %s", instance);
    headers[2] = xasprintf("X-Tenant-ID: %s", project ? project : "");
    headers[3] = xasprintf("X-Instance-ID-Signature: %s", sig);
    c->server = s;
    c->conn = conn;
    c->next = s->calls;
    if (c->next) {
        c->next->prev = c;
    }
    s->calls = c;
    *con_cls = c;
    s->mhd->suspend_connection(conn);
    path = path_and_query(s->mhd, conn, url);
    hclient_get_raw(s->nova, path, (const char *const *) headers, 4,
                    NOVA_TIMEOUT, on_nova, c);
    free(path);
    for (size_t i = 0; i < 4; i++) {
        free(headers[i]);
    }
}

static enum MHD_Result
handle(void *aux, struct MHD_Connection *conn, const char *url,
       const char *method, const char *version, const char *upload,
       size_t *upload_size, void **con_cls)
{
    struct metadata_server *s = aux;
    const union MHD_ConnectionInfo *info =
        s->mhd->get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr_in *sin =
        info ? (const struct sockaddr_in *) info->client_addr : NULL;
    struct md_call *call = *con_cls;
    char ip[INET_ADDRSTRLEN] = "";
    const char *type;
    json_t *port;
    char *body;
    int status;

    if (call) { /* Nova answered. */
        body = call->body;
        call->body = NULL;
        return respond(s->mhd, conn, call->status, body, call->len,
                       call->type);
    }
    if (*upload_size) {
        *upload_size = 0; /* Bodies are not wanted: dropped. */
        return MHD_YES;
    }
    if (sin && sin->sin_family == AF_INET) {
        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
    }
    port = port_of(s, ip);
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        status = 405;
        body = xstrdup("405 Method Not Allowed");
        type = TEXT_TYPE;
    } else if (s->nova && port) {
        forward(s, conn, url, port, ip, con_cls);
        return MHD_YES;
    } else {
        status = metadata_answer(replica_network(s->replica, s->net_id),
                                 replica_subnets(s->replica), port, url, &body,
                                 &type);
    }
    return respond(s->mhd, conn, status, body, strlen(body), type);
}

static void
call_free(struct md_call *c)
{
    struct metadata_server *s = c->server;

    if (c->prev) {
        c->prev->next = c->next;
    } else {
        s->calls = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    free(c->body);
    free(c->type);
    free(c);
}

static void
completed(void *aux, struct MHD_Connection *conn, void **con_cls,
          enum MHD_RequestTerminationCode code)
{
    if (*con_cls) {
        call_free(*con_cls);
        *con_cls = NULL;
    }
}

struct metadata_server *
metadata_server_create(int fd, const char *net_id, struct replica *replica,
                       const char *nova_url, const char *secret)
{
    struct metadata_server *s = xcalloc(1, sizeof *s);
    const union MHD_DaemonInfo *info;

    if (mhd_lib_open(&s->mhd) || (nova_url && ssl_lib_open(&s->crypto))) {
        close(fd);
        mhd_lib_close(s->mhd);
        free(s);
        return NULL;
    }
    s->net_id = xstrdup(net_id);
    s->replica = replica;
    s->daemon = s->mhd->start_daemon(
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, handle, s,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, completed,
        s, MHD_OPTION_CONNECTION_LIMIT, (unsigned int) 1024,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) 16,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 30,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) 32 * 1024,
        MHD_OPTION_END);
    if (!s->daemon) {
        close(fd);
        mhd_lib_close(s->mhd);
        ssl_lib_close(s->crypto);
        free(s->net_id);
        free(s);
        return NULL;
    }
    info = s->mhd->get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    s->epoll_fd = info->epoll_fd;
    if (nova_url) {
        s->nova = hclient_create(nova_url);
        s->secret = xstrdup(secret ? secret : "");
    }
    return s;
}

void
metadata_server_destroy(struct metadata_server *s)
{
    if (s) {
        /* Nova's pending answers are abandoned; their connections must be
         * resumed before the daemon may stop (it then closes them). */
        hclient_destroy(s->nova);
        for (struct md_call *c = s->calls; c; c = c->next) {
            if (!c->done) {
                s->mhd->resume_connection(c->conn);
            }
        }
        s->mhd->stop_daemon(s->daemon);
        mhd_lib_close(s->mhd);
        ssl_lib_close(s->crypto);
        free(s->net_id);
        free(s->secret);
        free(s);
    }
}

void
metadata_server_run(struct metadata_server *s)
{
    if (s->nova) {
        hclient_run(s->nova);
    }
    s->wake = false;
    s->mhd->run(s->daemon);
}

void
metadata_server_wait(struct metadata_server *s)
{
    MHD_UNSIGNED_LONG_LONG timeout;

    if (s->nova) {
        hclient_wait(s->nova);
    }
    if (s->wake) {
        ovsx_poll_immediate_wake();
    }
    ovsx_poll_fd_wait(s->epoll_fd, POLLIN);
    if (s->mhd->get_timeout(s->daemon, &timeout) == MHD_YES) {
        ovsx_poll_timer_wait((long long) timeout);
    }
}
