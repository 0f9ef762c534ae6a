/* neutrino-server's configuration: Neutron's option names and defaults,
 * loaded from one or more INI files (see core/config.h). */
#ifndef API_SERVER_CONFIG_H
#define API_SERVER_CONFIG_H 1

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

struct vlan_range {
    char *physnet;
    int min, max; /* Inclusive; 0 when the physnet has none. */
};

struct vlan_ranges {
    struct vlan_range *items;
    size_t n;
};

struct physnet_mtu {
    char *physnet;
    int mtu;
};

struct physnet_mtus {
    struct physnet_mtu *items;
    size_t n;
};

/* base_mac: the first 'fixed' bytes of 'mac' are kept (3, or 4 when the
 * fourth byte is not 0), the rest are random, as Neutron does. */
struct base_mac {
    uint8_t mac[6];
    int fixed;
};

struct server_config {
    /* [DEFAULT] */
    char *bind_host;
    int bind_port;           /* 0: an ephemeral port. */
    char *auth_strategy;     /* "noauth" or "keystone". */
    char *noauth_project_id; /* Project of requests without X-Project-Id */
    struct base_mac base_mac;
    int global_physnet_mtu;
    char *host;
    char *state_path;
    int max_dns_nameservers;
    int max_subnet_host_routes;
    int max_allowed_address_pair;
    int pagination_max_limit; /* -1: unlimited. */
    int agent_down_time;
    int dhcp_agents_per_network;        /* DHCP agents hosting a network. */
    bool network_auto_schedule;         /* Give agents unhosted networks. */
    bool allow_automatic_dhcp_failover; /* Move networks off dead agents. */
    /* [database] */
    char *connection;         /* sqlite:///relative, sqlite:////abs or
                               * postgresql://... */
    char *sqlite_synchronous; /* "normal" or "full". */
    /* [ml2] */
    char **tenant_network_types;
    struct physnet_mtus physnet_mtus;
    /* [ml2_type_flat] */
    char **flat_networks; /* "*" allows any physnet. */
    /* [ml2_type_vlan] */
    struct vlan_ranges vlan_ranges;
    /* [oslo_middleware] */
    int max_request_body_size;
    /* [agent] shared_secret: with noauth, what agents must present on
     * /neutrino/v1/ (api/rpc.h); NULL or "": no check. */
    char *agent_shared_secret;
    /* [oslo_policy] */
    bool enforce_new_defaults; /* false, as Neutron 21 (Zed). */
    char *policy_file;         /* JSON rules over the defaults, or NULL. */
    /* [quotas]: per-project limits, -1 unlimited. */
    int quota_network;
    int quota_subnet;
    int quota_port;
    int quota_security_group;
    int quota_security_group_rule;
    int quota_rbac_policy;
    int default_quota; /* Resources without an option of their own. */
    /* [keystone_authtoken], keystonemiddleware's names (see api/auth.h). */
    char *ks_www_authenticate_uri; /* NULL: auth_url without "/v3". */
    char *ks_auth_url;
    char *ks_auth_type; /* Only "password". */
    char *ks_username;
    char *ks_password;
    char *ks_project_name;
    char *ks_user_domain_name;
    char *ks_project_domain_name;
    char *ks_region_name;            /* Accepted; auth_url is used as is. */
    int ks_http_connect_timeout;     /* s, per request to Keystone. */
    int ks_token_cache_time;         /* s; -1: no caching. */
    int ks_token_cache_size;         /* Entries. */
    int ks_token_cache_invalid_time; /* s a rejected token is remembered. */
};

/* Fills 'cfg' with defaults, then loads 'files' in order.  Returns 0, or a
 * negative errno with '*ret_error' ("FILE:LINE: reason", malloc'd).  The
 * caller destroys 'cfg' in both cases. */
int server_config_load(struct server_config *cfg, char *const *files,
                       size_t n_files, char **ret_error) WARN_UNUSED;
void server_config_destroy(struct server_config *);

/* Path of the SQLite database named by [database] connection, or NULL if
 * the URL is not an sqlite:// one (checked at load time). */
const char *server_config_sqlite_path(const struct server_config *);

/* True if 'physnet' may carry a flat network. */
bool server_config_flat_allowed(const struct server_config *,
                                const char *physnet);

/* The VLAN range configured for 'physnet', or NULL. */
const struct vlan_range *server_config_vlan_range(const struct server_config *,
                                                  const char *physnet);

/* Largest MTU a network on 'physnet' may have (0: unknown). */
int server_config_max_mtu(const struct server_config *, const char *physnet);

#endif /* api/server-config.h */
