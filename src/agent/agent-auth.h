/* How the agent proves itself to the server on every call
 * (docs/agent-protocol.md, "Authentication"):
 *
 * - auth_strategy = keystone: a token of the service user of
 *   [keystone_authtoken] (auth_url, username, password, project_name,
 *   user_domain_name, project_domain_name; the server's own options, so
 *   both may share one file) in X-Auth-Token.  The token comes from
 *   Keystone v3 (password method, project scope) through an HTTP client of
 *   its own; it is renewed before it expires (5 minutes before, or halfway
 *   for shorter lives) and as soon as the server answers 401 to it.  Calls
 *   made before the first token wait for it.
 * - noauth with [agent] shared_secret: the secret in the
 *   X-Neutrino-Agent-Secret header.
 * - otherwise nothing.
 *
 * Run/wait discipline on the agent's loop; loop thread only. */
#ifndef AGENT_AGENT_AUTH_H
#define AGENT_AGENT_AUTH_H 1

#include "agent/agent-config.h"

struct agent_auth;
struct hclient;

/* The header carrying [agent] shared_secret (the server's rpc.h). */
#define AGENT_AUTH_SECRET_HEADER "X-Neutrino-Agent-Secret"

/* Creates what 'cfg' asks for (copied).  Returns 0, or -EINVAL with
 * '*ret_error' (malloc'd) naming what is missing or malformed. */
int agent_auth_create(const struct agent_config *cfg, struct agent_auth **ret,
                      char **ret_error) WARN_UNUSED;
/* Frees 'auth' (NULL is fine).  Detach it from its clients first (destroy
 * them). */
void agent_auth_destroy(struct agent_auth *auth);

/* Gets or renews the token when due. */
void agent_auth_run(struct agent_auth *auth);
void agent_auth_wait(struct agent_auth *auth);

/* Makes every call of 'client' authenticate with 'auth', which must
 * outlive it. */
void agent_auth_attach(struct agent_auth *auth, struct hclient *client);

#endif /* agent/agent-auth.h */
