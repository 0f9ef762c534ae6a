#include "api/server-config.h"

#include <errno.h>
#include <stdio.h>
#include <strings.h>
#include <unistd.h>

#include "core/config.h"
#include "core/mac.h"

static const struct config_int_range port_range = {0, 65535};
static const struct config_int_range mtu_range = {0, 65535};
static const struct config_int_range count_range = {0, 1000000};
static const struct config_int_range limit_range = {-1, 1000000000};
static const struct config_int_range body_range = {1024, 64 << 20};
static const struct config_int_range cache_time_range = {-1, 86400 * 365};
static const struct config_int_range seconds_range = {1, 86400};
static const struct config_int_range cache_size_range = {1, 10000000};
static const struct config_int_range quota_range = {-1, 2147483647};
static const struct config_int_range per_network_range = {1, 1000};

static int
parse_auth_strategy(const char *value, void *field, const void *arg,
                    char **ret_reason)
{
    if (strcmp(value, "noauth") && strcmp(value, "keystone")) {
        *ret_reason = xstrdup("must be 'noauth' or 'keystone'");
        return -EINVAL;
    }
    return config_parse_string(value, field, arg, ret_reason);
}

static int
parse_base_mac(const char *value, void *field, const void *arg,
               char **ret_reason)
{
    struct base_mac *base = field;
    uint8_t mac[6];

    if (mac_parse(value, mac) < 0) {
        *ret_reason = xstrdup("not a MAC address");
        return -EINVAL;
    }
    memcpy(base->mac, mac, 6);
    base->fixed = mac[3] ? 4 : 3;
    return 0;
}

static int
parse_connection(const char *value, void *field, const void *arg,
                 char **ret_reason)
{
    /* SQLAlchemy's URLs, as oslo.db takes them: postgresql+DRIVER://
     * names a Python driver, which means nothing to libpq. */
    bool sqlite = str_startswith(value, "sqlite:///") && value[10];
    bool pg =
        str_startswith(value, "postgresql://")
        || str_startswith(value, "postgres://")
        || (str_startswith(value, "postgresql+") && strstr(value, "://"));

    if (!sqlite && !pg) {
        *ret_reason = xstrdup("only sqlite:///PATH and "
                              "postgresql://USER:PASSWORD@HOST[:PORT]/DB "
                              "connections are supported");
        return -EINVAL;
    }
    return config_parse_string(value, field, arg, ret_reason);
}

static int
parse_synchronous(const char *value, void *field, const void *arg,
                  char **ret_reason)
{
    if (strcasecmp(value, "normal") && strcasecmp(value, "full")) {
        *ret_reason = xstrdup("must be 'normal' or 'full'");
        return -EINVAL;
    }
    return config_parse_string(value, field, arg, ret_reason);
}

static int
parse_int_field(const char *s, int min, int max, int *ret)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        return -EINVAL;
    }
    *ret = v;
    return 0;
}

static void
free_vlan_ranges(struct vlan_ranges *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->items[i].physnet);
    }
    free(v->items);
    v->items = NULL;
    v->n = 0;
}

/* "physnet[:min:max],..." as ml2_type_vlan's network_vlan_ranges. */
static int
parse_vlan_ranges(const char *value, void *field, const void *arg,
                  char **ret_reason)
{
    struct vlan_ranges *v = field;
    char **items = strv_split_commas(value);
    size_t n = strv_length(items);
    struct vlan_range *ranges = xcalloc(n, sizeof *ranges);
    int r = 0;

    for (size_t i = 0; i < n && !r; i++) {
        char **parts = xcalloc(4, sizeof *parts);
        char *save = NULL, *copy = xstrdup(items[i]);
        size_t np = 0;

        for (char *t = strtok_r(copy, ":", &save); t && np < 4;
             t = strtok_r(NULL, ":", &save)) {
            parts[np++] = t;
        }
        ranges[i].physnet = xstrdup(np ? parts[0] : "");
        if (np == 3
            && (parse_int_field(parts[1], 1, 4094, &ranges[i].min) < 0
                || parse_int_field(parts[2], 1, 4094, &ranges[i].max) < 0
                || ranges[i].min > ranges[i].max)) {
            r = -EINVAL;
        } else if (np != 1 && np != 3) {
            r = -EINVAL;
        }
        if (r) {
            *ret_reason = xasprintf("'%s' is not physnet or "
                                    "physnet:vlan_min:vlan_max with "
                                    "1 <= min <= max <= 4094",
                                    items[i]);
        }
        free(copy);
        free(parts);
    }
    free_vlan_ranges(v);
    v->items = ranges;
    v->n = 0;
    while (v->n < n && ranges[v->n].physnet) {
        v->n++; /* Only what was parsed (all, on success). */
    }
    for (size_t i = v->n; i < n; i++) {
        free(ranges[i].physnet);
    }
    strv_free(items);
    return r;
}

static void
free_physnet_mtus(struct physnet_mtus *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->items[i].physnet);
    }
    free(m->items);
    m->items = NULL;
    m->n = 0;
}

/* "physnet:mtu,..." as [ml2] physical_network_mtus. */
static int
parse_physnet_mtus(const char *value, void *field, const void *arg,
                   char **ret_reason)
{
    struct physnet_mtus *m = field;
    char **items = strv_split_commas(value);
    size_t n = strv_length(items);
    struct physnet_mtu *mtus = xcalloc(n, sizeof *mtus);
    int r = 0;

    for (size_t i = 0; i < n; i++) {
        char *colon = strrchr(items[i], ':');

        mtus[i].physnet =
            xstrndup(items[i], colon ? (size_t) (colon - items[i]) : 0);
        if (!r
            && (!colon || colon == items[i]
                || parse_int_field(colon + 1, 0, 65535, &mtus[i].mtu) < 0)) {
            *ret_reason = xasprintf("'%s' is not physnet:mtu", items[i]);
            r = -EINVAL;
        }
    }
    free_physnet_mtus(m);
    m->items = mtus;
    m->n = n;
    strv_free(items);
    return r;
}

#define OPT(SECTION, KEY, PARSE, FIELD, ARG)                                  \
    {                                                                         \
        SECTION, KEY, PARSE, offsetof(struct server_config, FIELD), ARG       \
    }

static const struct config_option server_options[] = {
    OPT("DEFAULT", "bind_host", config_parse_string, bind_host, NULL),
    OPT("DEFAULT", "bind_port", config_parse_int, bind_port, &port_range),
    OPT("DEFAULT", "auth_strategy", parse_auth_strategy, auth_strategy, NULL),
    OPT("DEFAULT", "noauth_project_id", config_parse_string, noauth_project_id,
        NULL),
    OPT("DEFAULT", "base_mac", parse_base_mac, base_mac, NULL),
    OPT("DEFAULT", "global_physnet_mtu", config_parse_int, global_physnet_mtu,
        &mtu_range),
    OPT("DEFAULT", "host", config_parse_string, host, NULL),
    OPT("DEFAULT", "state_path", config_parse_string, state_path, NULL),
    OPT("DEFAULT", "max_dns_nameservers", config_parse_int,
        max_dns_nameservers, &count_range),
    OPT("DEFAULT", "max_subnet_host_routes", config_parse_int,
        max_subnet_host_routes, &count_range),
    OPT("DEFAULT", "max_allowed_address_pair", config_parse_int,
        max_allowed_address_pair, &count_range),
    OPT("DEFAULT", "pagination_max_limit", config_parse_int,
        pagination_max_limit, &limit_range),
    OPT("DEFAULT", "agent_down_time", config_parse_int, agent_down_time,
        &count_range),
    OPT("DEFAULT", "dhcp_agents_per_network", config_parse_int,
        dhcp_agents_per_network, &per_network_range),
    OPT("DEFAULT", "network_auto_schedule", config_parse_bool,
        network_auto_schedule, NULL),
    OPT("DEFAULT", "allow_automatic_dhcp_failover", config_parse_bool,
        allow_automatic_dhcp_failover, NULL),
    OPT("database", "connection", parse_connection, connection, NULL),
    OPT("database", "sqlite_synchronous", parse_synchronous,
        sqlite_synchronous, NULL),
    OPT("ml2", "tenant_network_types", config_parse_strv, tenant_network_types,
        NULL),
    OPT("ml2", "physical_network_mtus", parse_physnet_mtus, physnet_mtus,
        NULL),
    OPT("ml2_type_flat", "flat_networks", config_parse_strv, flat_networks,
        NULL),
    OPT("ml2_type_vlan", "network_vlan_ranges", parse_vlan_ranges, vlan_ranges,
        NULL),
    OPT("oslo_middleware", "max_request_body_size", config_parse_int,
        max_request_body_size, &body_range),
    OPT("agent", "shared_secret", config_parse_string, agent_shared_secret,
        NULL),
    OPT("oslo_policy", "enforce_new_defaults", config_parse_bool,
        enforce_new_defaults, NULL),
    OPT("oslo_policy", "policy_file", config_parse_string, policy_file, NULL),
    OPT("quotas", "quota_network", config_parse_int, quota_network,
        &quota_range),
    OPT("quotas", "quota_subnet", config_parse_int, quota_subnet,
        &quota_range),
    OPT("quotas", "quota_port", config_parse_int, quota_port, &quota_range),
    OPT("quotas", "quota_security_group", config_parse_int,
        quota_security_group, &quota_range),
    OPT("quotas", "quota_security_group_rule", config_parse_int,
        quota_security_group_rule, &quota_range),
    OPT("quotas", "quota_rbac_policy", config_parse_int, quota_rbac_policy,
        &quota_range),
    OPT("quotas", "default_quota", config_parse_int, default_quota,
        &quota_range),
#define KS_STR(KEY)                                                           \
    OPT("keystone_authtoken", #KEY, config_parse_string, ks_##KEY, NULL)
    KS_STR(www_authenticate_uri),
    KS_STR(auth_url),
    KS_STR(auth_type),
    KS_STR(username),
    KS_STR(password),
    KS_STR(project_name),
    KS_STR(user_domain_name),
    KS_STR(project_domain_name),
    KS_STR(region_name),
#undef KS_STR
    OPT("keystone_authtoken", "http_connect_timeout", config_parse_int,
        ks_http_connect_timeout, &seconds_range),
    OPT("keystone_authtoken", "token_cache_time", config_parse_int,
        ks_token_cache_time, &cache_time_range),
    OPT("keystone_authtoken", "token_cache_size", config_parse_int,
        ks_token_cache_size, &cache_size_range),
    OPT("keystone_authtoken", "token_cache_invalid_time", config_parse_int,
        ks_token_cache_invalid_time, &seconds_range),
};

static void
server_config_defaults(struct server_config *cfg)
{
    char host[256] = "localhost";

    gethostname(host, sizeof host - 1);
    *cfg = (struct server_config){
        .bind_host = xstrdup("127.0.0.1"),
        .bind_port = 9696,
        .auth_strategy = xstrdup("noauth"),
        /* A fixed, Keystone-shaped id so an all-in-one's objects keep one
         * owner across restarts. */
        .noauth_project_id = xstrdup("8c2f6f3c2d6a4c0f9b1e0d7a5e4b3c21"),
        .base_mac = {{0xfa, 0x16, 0x3e, 0, 0, 0}, 3},
        .global_physnet_mtu = 1500,
        .host = xstrdup(host),
        .state_path = xstrdup("/var/lib/neutrino"),
        .max_dns_nameservers = 5,
        .max_subnet_host_routes = 20,
        .max_allowed_address_pair = 10,
        .pagination_max_limit = -1,
        .agent_down_time = 75,
        .dhcp_agents_per_network = 1,
        .network_auto_schedule = true,
        .allow_automatic_dhcp_failover = true,
        .connection = xstrdup("sqlite:////var/lib/neutrino/neutrino.db"),
        .sqlite_synchronous = xstrdup("normal"),
        .tenant_network_types = strv_split_commas("vlan"),
        .flat_networks = strv_split_commas("*"),
        .max_request_body_size = 114688,
        .quota_network = 100, /* Neutron's defaults. */
        .quota_subnet = 100,
        .quota_port = 500,
        .quota_security_group = 10,
        .quota_security_group_rule = 100,
        .quota_rbac_policy = 10,
        .default_quota = -1,
        .ks_auth_type = xstrdup("password"),
        .ks_user_domain_name = xstrdup("Default"),
        .ks_project_domain_name = xstrdup("Default"),
        .ks_http_connect_timeout = 30,
        .ks_token_cache_time = 300, /* keystonemiddleware's default. */
        .ks_token_cache_size = 10000,
        .ks_token_cache_invalid_time = 10,
    };
}

int
server_config_load(struct server_config *cfg, char *const *files,
                   size_t n_files, char **ret_error)
{
    server_config_defaults(cfg);
    return config_load(files, n_files, server_options,
                       ARRAY_SIZE(server_options), cfg, ret_error);
}

void
server_config_destroy(struct server_config *cfg)
{
    free(cfg->bind_host);
    free(cfg->auth_strategy);
    free(cfg->noauth_project_id);
    free(cfg->agent_shared_secret);
    free(cfg->policy_file);
    free(cfg->host);
    free(cfg->state_path);
    free(cfg->connection);
    free(cfg->sqlite_synchronous);
    strv_free(cfg->tenant_network_types);
    strv_free(cfg->flat_networks);
    free_vlan_ranges(&cfg->vlan_ranges);
    free_physnet_mtus(&cfg->physnet_mtus);
    free(cfg->ks_www_authenticate_uri);
    free(cfg->ks_auth_url);
    free(cfg->ks_auth_type);
    free(cfg->ks_username);
    free(cfg->ks_password);
    free(cfg->ks_project_name);
    free(cfg->ks_user_domain_name);
    free(cfg->ks_project_domain_name);
    free(cfg->ks_region_name);
}

const char *
server_config_sqlite_path(const struct server_config *cfg)
{
    /* sqlite:////abs/path and sqlite:///relative/path, as SQLAlchemy. */
    return str_startswith(cfg->connection, "sqlite:///") ? cfg->connection + 10
                                                         : NULL;
}

bool
server_config_flat_allowed(const struct server_config *cfg,
                           const char *physnet)
{
    for (size_t i = 0; cfg->flat_networks[i]; i++) {
        if (streq(cfg->flat_networks[i], "*")
            || streq(cfg->flat_networks[i], physnet)) {
            return true;
        }
    }
    return false;
}

const struct vlan_range *
server_config_vlan_range(const struct server_config *cfg, const char *physnet)
{
    for (size_t i = 0; i < cfg->vlan_ranges.n; i++) {
        if (streq(cfg->vlan_ranges.items[i].physnet, physnet)) {
            return &cfg->vlan_ranges.items[i];
        }
    }
    return NULL;
}

int
server_config_max_mtu(const struct server_config *cfg, const char *physnet)
{
    int mtu = cfg->global_physnet_mtu;

    for (size_t i = 0; physnet && i < cfg->physnet_mtus.n; i++) {
        const struct physnet_mtu *m = &cfg->physnet_mtus.items[i];
        if (streq(m->physnet, physnet) && m->mtu > 0) {
            mtu = mtu > 0 && mtu < m->mtu ? mtu : m->mtu;
        }
    }
    return mtu;
}
