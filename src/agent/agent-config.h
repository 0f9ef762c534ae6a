/* neutrino-agent's configuration: the option names of Neutron's Open
 * vSwitch agent ([DEFAULT] host, [ovs], [agent]) and of its DHCP agent
 * ([DEFAULT] state_path, dhcp_*, dnsmasq_*, ...) plus [agent] server_url,
 * loaded from one or more INI files (see core/config.h).  Server and agent
 * may share one file: each ignores the other's options. */
#ifndef AGENT_AGENT_CONFIG_H
#define AGENT_AGENT_CONFIG_H 1

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

/* [securitygroup] firewall_driver. */
enum agent_firewall {
    AGENT_FW_OPENVSWITCH,     /* Conntrack flows on br-int (default). */
    AGENT_FW_IPTABLES_HYBRID, /* iptables on the qbr Linux bridge. */
    AGENT_FW_NOOP,            /* No filtering. */
};

/* One entry of [ovs] bridge_mappings: physical network -> bridge. */
struct bridge_mapping {
    char *physnet;
    char *bridge;
};

struct agent_config {
    /* [DEFAULT] */
    char *host;
    /* [DEFAULT], as Neutron's DHCP agent names them. */
    char *state_path;              /* dnsmasq's files: state_path/dhcp. */
    bool ovs_use_veth;             /* Accepted; the DHCP port is a veth. */
    bool enable_isolated_metadata; /* 169.254.169.254 in qdhcp. */
    bool force_metadata;           /* The same, routed or not. */
    char **dnsmasq_dns_servers;    /* --server= of dnsmasq. */
    int dhcp_lease_duration;       /* Seconds; -1: infinite. */
    int dnsmasq_lease_max;         /* --dhcp-lease-max cap. */
    char *dhcp_domain;             /* --domain= of dnsmasq. */
    /* [DEFAULT], as Neutron's metadata agent names them: with both host
     * and secret set, metadata requests go to Nova. */
    char *nova_metadata_host;
    int nova_metadata_port;
    char *metadata_proxy_shared_secret;
    /* [ovs] */
    char *integration_bridge;
    struct bridge_mapping *mappings;
    size_t n_mappings;
    char *datapath_type;
    char *ovsdb_connection; /* "tcp:IP:PORT" or "unix:PATH". */
    char *of_listen_address;
    int of_listen_port;
    int of_inactivity_probe; /* Seconds. */
    /* [agent] */
    int report_interval; /* Seconds. */
    char *server_url;    /* Comma-separated: see http-client.h. */
    char *shared_secret; /* With noauth: sent to the server; NULL: none. */
    /* How the agent authenticates to the server (agent/agent-auth.h): the
     * server's own [DEFAULT] auth_strategy and, for "keystone", the service
     * user of [keystone_authtoken] (keystonemiddleware's names). */
    char *auth_strategy; /* "noauth" or "keystone". */
    char *ks_auth_url;
    char *ks_username;
    char *ks_password;
    char *ks_project_name;
    char *ks_user_domain_name;
    char *ks_project_domain_name;
    /* [securitygroup] */
    enum agent_firewall firewall_driver;
    bool enable_security_group; /* false: noop, whatever the driver. */
};

/* Fills 'cfg' with defaults, then loads 'files' in order.  Returns 0, or a
 * negative errno with '*ret_error' ("FILE:LINE: reason", malloc'd).  The
 * caller destroys 'cfg' in both cases. */
int agent_config_load(struct agent_config *cfg, char *const *files,
                      size_t n_files, char **ret_error) WARN_UNUSED;
void agent_config_destroy(struct agent_config *);

/* The firewall in effect (noop when security groups are disabled). */
enum agent_firewall agent_config_firewall(const struct agent_config *);
/* Neutron's short name of 'fw': "openvswitch", "iptables_hybrid",
 * "noop". */
const char *agent_config_firewall_name(enum agent_firewall fw);

/* The bridge 'physnet' is mapped to, or NULL. */
const char *agent_config_bridge(const struct agent_config *,
                                const char *physnet);

#endif /* agent/agent-config.h */
