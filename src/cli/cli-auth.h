/* How the neutrino CLI authenticates, as the openstack CLI does with the
 * same options and OS_* variables: noauth against an endpoint
 * (--os-endpoint, --os-auth-type none), or Keystone v3 password
 * credentials (--os-auth-url, --os-username, --os-password, project and
 * domains), which buy a token (sent as X-Auth-Token) and the network
 * endpoint from the token's catalog unless --os-endpoint names one.
 *
 * The request body and the catalog lookup are pure, for the tests; the
 * token request is one blocking libcurl call.  Strings in 'struct
 * cli_auth' are borrowed (options or the environment). */
#ifndef CLI_CLI_AUTH_H
#define CLI_CLI_AUTH_H 1

#include <jansson.h>
#include <stdbool.h>

#include "cli/cli-api.h"
#include "cli/cli-args.h"

struct cli_auth {
    const char *endpoint;  /* --os-endpoint, OS_ENDPOINT. */
    const char *auth_type; /* --os-auth-type: none, password, ... */
    const char *auth_url;  /* Keystone; "/v3" is added if missing. */
    const char *username;
    const char *password;
    const char *project_id; /* Scope; with noauth, X-Project-Id. */
    const char *project_name;
    const char *user_domain_name;
    const char *user_domain_id;
    const char *project_domain_name;
    const char *project_domain_id;
    const char *region_name; /* Of the endpoint; NULL: any. */
    const char *interface;   /* "public" (default), "internal", "admin". */
    const char *cloud;       /* --os-cloud, OS_CLOUD: a clouds.yaml entry. */
    json_t *clouds;          /* The clouds.yaml read for it (owned). */
};

/* The options: --os-endpoint, --os-auth-type, --os-auth-url,
 * --os-username, --os-password, --os-project-id, --os-project-name,
 * --os-{user,project}-domain-{name,id}, --os-region-name, --os-interface. */
extern const struct cli_opt cli_auth_opts[];
extern const size_t cli_auth_n_opts;

/* Fills 'a' from those options in 'args', then the rest from the named
 * cloud of clouds.yaml if --os-cloud or OS_CLOUD names one, else from the
 * environment (cli_auth_from_env()).  Returns 0, or -ENOENT with the
 * openstack CLI's message in '*ret_error' when the cloud is not found.
 * Free with cli_auth_destroy() in both cases. */
int cli_auth_read(const struct cli_args *args, struct cli_auth *a,
                  char **ret_error) WARN_UNUSED;
void cli_auth_destroy(struct cli_auth *a);

/* clouds.yaml as openstacksdk finds it: $OS_CLIENT_CONFIG_FILE, else
 * ./clouds.yaml, ~/.config/openstack/clouds.yaml,
 * /etc/openstack/clouds.yaml, the first that exists.  Returns it as JSON
 * (scalars as strings), or NULL when there is none or it is not YAML. */
json_t *cli_auth_load_clouds(void);

/* Fills the fields of 'a' still NULL from cloud 'name' of 'clouds' (its
 * "auth" keys, region_name, interface, auth_type).  Returns 0 or -ENOENT
 * if there is no such cloud. */
int cli_auth_from_cloud(struct cli_auth *a, json_t *clouds, const char *name);

/* Fills every field still NULL from its OS_* variable (OS_ENDPOINT,
 * OS_AUTH_TYPE, OS_AUTH_URL, OS_USERNAME, ...). */
void cli_auth_from_env(struct cli_auth *);

/* True if the settings ask for Keystone: an auth URL, and an auth type
 * that is not "none"/"noauth". */
bool cli_auth_uses_keystone(const struct cli_auth *);

/* The body of POST /v3/auth/tokens for password credentials, scoped to
 * the project (domains default to "default", as the openstack CLI's
 * --os-default-domain).  A new object. */
json_t *cli_auth_token_request(const struct cli_auth *);

/* The URL of the network service's endpoint for 'interface' (NULL:
 * public) in 'region' (NULL: any) in the token body 'token' ({"token":
 * {"catalog": [...]}}), malloc'd, or NULL. */
char *cli_auth_find_endpoint(json_t *token, const char *interface,
                             const char *region);

/* The API client these settings call for: noauth (an endpoint is needed)
 * or with a token from Keystone.  Returns 0 with '*ret_api', or -EINVAL
 * with the message the openstack CLI would print in '*ret_error'. */
int cli_auth_connect(const struct cli_auth *, struct cli_api **ret_api,
                     char **ret_error) WARN_UNUSED;

#endif /* cli/cli-auth.h */
