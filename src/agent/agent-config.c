#include "agent/agent-config.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "core/config.h"

static const struct config_int_range port_range = {1, 65535};
static const struct config_int_range interval_range = {1, 3600};
static const struct config_int_range lease_range = {-1, 0x7fffffff};
static const struct config_int_range lease_max_range = {1, 0x7fffffff};

static void
free_mappings(struct agent_config *cfg)
{
    for (size_t i = 0; i < cfg->n_mappings; i++) {
        free(cfg->mappings[i].physnet);
        free(cfg->mappings[i].bridge);
    }
    free(cfg->mappings);
    cfg->mappings = NULL;
    cfg->n_mappings = 0;
}

/* "physnet:bridge,..." as Neutron's [ovs] bridge_mappings; each physnet
 * and each bridge at most once. */
static int
parse_mappings(const char *value, void *field, const void *arg,
               char **ret_reason)
{
    struct agent_config *cfg = field;
    char **items = strv_split_commas(value);
    size_t n = strv_length(items);
    int r = 0;

    free_mappings(cfg);
    cfg->mappings = xcalloc(n ? n : 1, sizeof *cfg->mappings);
    for (size_t i = 0; i < n && !r; i++) {
        char *colon = strchr(items[i], ':');

        if (!colon || colon == items[i] || !colon[1]
            || strlen(colon + 1) > 15) {
            *ret_reason = xasprintf("'%s' is not physnet:bridge (a bridge "
                                    "name of at most 15 characters)",
                                    items[i]);
            r = -EINVAL;
            break;
        }
        *colon = '\0';
        for (size_t j = 0; j < cfg->n_mappings; j++) {
            if (!strcmp(cfg->mappings[j].physnet, items[i])
                || !strcmp(cfg->mappings[j].bridge, colon + 1)) {
                *ret_reason = xasprintf("'%s' or '%s' is mapped twice",
                                        items[i], colon + 1);
                r = -EINVAL;
            }
        }
        cfg->mappings[cfg->n_mappings++] =
            (struct bridge_mapping){xstrdup(items[i]), xstrdup(colon + 1)};
    }
    strv_free(items);
    return r;
}

static int
parse_remote(const char *value, void *field, const void *arg,
             char **ret_reason)
{
    if (!str_startswith(value, "tcp:") && !str_startswith(value, "unix:")) {
        *ret_reason = xasprintf("'%s' is not tcp:IP:PORT or unix:PATH", value);
        return -EINVAL;
    }
    return config_parse_string(value, field, arg, ret_reason);
}

static int
parse_urls(const char *value, void *field, const void *arg, char **ret_reason)
{
    char **urls = strv_split_commas(value);
    int r = urls[0] ? 0 : -EINVAL;

    for (char **u = urls; *u && !r; u++) {
        if (!str_startswith(*u, "http://")
            && !str_startswith(*u, "https://")) {
            *ret_reason = xasprintf("'%s' is not an http(s):// URL", *u);
            r = -EINVAL;
        }
    }
    if (!urls[0]) {
        *ret_reason = xstrdup("no URL");
    }
    strv_free(urls);
    return r ? r : config_parse_string(value, field, arg, ret_reason);
}

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

/* Neutron's driver names: the short ones (stevedore aliases) and the class
 * paths older configurations still carry. */
static const struct {
    const char *name;
    enum agent_firewall fw;
} firewall_names[] = {
    {"openvswitch", AGENT_FW_OPENVSWITCH},
    {"neutron.agent.linux.openvswitch_firewall:OVSFirewallDriver",
     AGENT_FW_OPENVSWITCH},
    {"iptables_hybrid", AGENT_FW_IPTABLES_HYBRID},
    {"neutron.agent.linux.iptables_firewall."
     "OVSHybridIptablesFirewallDriver",
     AGENT_FW_IPTABLES_HYBRID},
    {"neutron.agent.linux.iptables_firewall:"
     "OVSHybridIptablesFirewallDriver",
     AGENT_FW_IPTABLES_HYBRID},
    {"noop", AGENT_FW_NOOP},
    {"neutron.agent.firewall.NoopFirewallDriver", AGENT_FW_NOOP},
    {"neutron.agent.firewall:NoopFirewallDriver", AGENT_FW_NOOP},
};

static int
parse_firewall(const char *value, void *field, const void *arg,
               char **ret_reason)
{
    for (size_t i = 0; i < ARRAY_SIZE(firewall_names); i++) {
        if (!strcmp(value, firewall_names[i].name)) {
            *(enum agent_firewall *) field = firewall_names[i].fw;
            return 0;
        }
    }
    *ret_reason = xasprintf("'%s' is not a firewall driver (openvswitch, "
                            "iptables_hybrid, noop)",
                            value);
    return -EINVAL;
}

#define OPT(SECTION, KEY, PARSE, FIELD, ARG)                                  \
    {                                                                         \
        SECTION, KEY, PARSE, offsetof(struct agent_config, FIELD), ARG        \
    }

static const struct config_option agent_options[] = {
    OPT("DEFAULT", "host", config_parse_string, host, NULL),
    OPT("DEFAULT", "state_path", config_parse_string, state_path, NULL),
    OPT("DEFAULT", "ovs_use_veth", config_parse_bool, ovs_use_veth, NULL),
    OPT("DEFAULT", "enable_isolated_metadata", config_parse_bool,
        enable_isolated_metadata, NULL),
    OPT("DEFAULT", "force_metadata", config_parse_bool, force_metadata, NULL),
    OPT("DEFAULT", "dnsmasq_dns_servers", config_parse_strv,
        dnsmasq_dns_servers, NULL),
    OPT("DEFAULT", "dhcp_lease_duration", config_parse_int,
        dhcp_lease_duration, &lease_range),
    OPT("DEFAULT", "dnsmasq_lease_max", config_parse_int, dnsmasq_lease_max,
        &lease_max_range),
    OPT("DEFAULT", "dhcp_domain", config_parse_string, dhcp_domain, NULL),
    OPT("DEFAULT", "nova_metadata_host", config_parse_string,
        nova_metadata_host, NULL),
    OPT("DEFAULT", "nova_metadata_port", config_parse_int, nova_metadata_port,
        &port_range),
    OPT("DEFAULT", "metadata_proxy_shared_secret", config_parse_string,
        metadata_proxy_shared_secret, NULL),
    OPT("ovs", "integration_bridge", config_parse_string, integration_bridge,
        NULL),
    {"ovs", "bridge_mappings", parse_mappings, 0, NULL},
    OPT("ovs", "datapath_type", config_parse_string, datapath_type, NULL),
    OPT("ovs", "ovsdb_connection", parse_remote, ovsdb_connection, NULL),
    OPT("ovs", "of_listen_address", config_parse_string, of_listen_address,
        NULL),
    OPT("ovs", "of_listen_port", config_parse_int, of_listen_port,
        &port_range),
    OPT("ovs", "of_inactivity_probe", config_parse_int, of_inactivity_probe,
        &interval_range),
    OPT("agent", "report_interval", config_parse_int, report_interval,
        &interval_range),
    OPT("agent", "server_url", parse_urls, server_url, NULL),
    OPT("agent", "shared_secret", config_parse_string, shared_secret, NULL),
    OPT("DEFAULT", "auth_strategy", parse_auth_strategy, auth_strategy, NULL),
#define KS_STR(KEY)                                                           \
    OPT("keystone_authtoken", #KEY, config_parse_string, ks_##KEY, NULL)
    KS_STR(auth_url),
    KS_STR(username),
    KS_STR(password),
    KS_STR(project_name),
    KS_STR(user_domain_name),
    KS_STR(project_domain_name),
#undef KS_STR
    OPT("securitygroup", "firewall_driver", parse_firewall, firewall_driver,
        NULL),
    OPT("securitygroup", "enable_security_group", config_parse_bool,
        enable_security_group, NULL),
};

static void
agent_config_defaults(struct agent_config *cfg)
{
    char host[256] = "localhost";

    gethostname(host, sizeof host - 1);
    *cfg = (struct agent_config){
        .host = xstrdup(host),
        .state_path = xstrdup("/var/lib/neutrino"),
        .dhcp_lease_duration = 86400,
        .dnsmasq_lease_max = 1 << 24,
        .dhcp_domain = xstrdup("openstacklocal"),
        .nova_metadata_port = 8775,
        .integration_bridge = xstrdup("br-int"),
        .datapath_type = xstrdup("system"),
        .ovsdb_connection = xstrdup("tcp:127.0.0.1:6640"),
        .of_listen_address = xstrdup("127.0.0.1"),
        .of_listen_port = 6633,
        .of_inactivity_probe = 10,
        .report_interval = 30,
        .server_url = xstrdup("http://127.0.0.1:9696"),
        .auth_strategy = xstrdup("noauth"),
        .ks_user_domain_name = xstrdup("Default"),
        .ks_project_domain_name = xstrdup("Default"),
        .firewall_driver = AGENT_FW_OPENVSWITCH,
        .enable_security_group = true,
    };
}

int
agent_config_load(struct agent_config *cfg, char *const *files, size_t n_files,
                  char **ret_error)
{
    agent_config_defaults(cfg);
    return config_load(files, n_files, agent_options,
                       ARRAY_SIZE(agent_options), cfg, ret_error);
}

void
agent_config_destroy(struct agent_config *cfg)
{
    free(cfg->host);
    free(cfg->state_path);
    strv_free(cfg->dnsmasq_dns_servers);
    free(cfg->dhcp_domain);
    free(cfg->nova_metadata_host);
    free(cfg->metadata_proxy_shared_secret);
    free(cfg->integration_bridge);
    free_mappings(cfg);
    free(cfg->datapath_type);
    free(cfg->ovsdb_connection);
    free(cfg->of_listen_address);
    free(cfg->server_url);
    free(cfg->shared_secret);
    free(cfg->auth_strategy);
    free(cfg->ks_auth_url);
    free(cfg->ks_username);
    free(cfg->ks_password);
    free(cfg->ks_project_name);
    free(cfg->ks_user_domain_name);
    free(cfg->ks_project_domain_name);
}

const char *
agent_config_bridge(const struct agent_config *cfg, const char *physnet)
{
    for (size_t i = 0; physnet && i < cfg->n_mappings; i++) {
        if (!strcmp(cfg->mappings[i].physnet, physnet)) {
            return cfg->mappings[i].bridge;
        }
    }
    return NULL;
}

enum agent_firewall
agent_config_firewall(const struct agent_config *cfg)
{
    return cfg->enable_security_group ? cfg->firewall_driver : AGENT_FW_NOOP;
}

const char *
agent_config_firewall_name(enum agent_firewall fw)
{
    return fw == AGENT_FW_OPENVSWITCH       ? "openvswitch"
           : fw == AGENT_FW_IPTABLES_HYBRID ? "iptables_hybrid"
                                            : "noop";
}
