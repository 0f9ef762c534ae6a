/* The agents' side door: the /neutrino/v1/ paths of docs/agent-protocol.md
 * (change feed, port binding and status, state reports).  Neutron's agents
 * do the same over RPC on a message bus. */
#ifndef API_RPC_H
#define API_RPC_H 1

#include "api/call.h"

/* The header that carries [agent] shared_secret with noauth. */
#define RPC_SECRET_HEADER "X-Neutrino-Agent-Secret"

/* Serves a call whose path starts with /neutrino/v1/: with Keystone only
 * for tokens with the admin or service role (403), with noauth and [agent]
 * shared_secret set only for requests carrying it (401). */
void rpc_route(struct call *, struct http_response *);

#endif /* api/rpc.h */
