/* The agents' side door: the /neutrino/v1/ paths of docs/agent-protocol.md
 * (change feed, port binding and status, state reports).  Neutron's agents
 * do the same over RPC on a message bus. */
#ifndef API_RPC_H
#define API_RPC_H 1

#include "api/call.h"

/* Serves a call whose path starts with /neutrino/v1/. */
void rpc_route(struct call *, struct http_response *);

#endif /* api/rpc.h */
