/* The agent's replica of the server's networks, subnets, ports, security
 * groups (with their rules and "members") and address groups, kept current
 * by following the change feed (docs/agent-protocol.md): a long
 * poll always in flight, a full snapshot at start, after "revived" and
 * whenever the server says the agent fell too far behind.  The agent never
 * polls the database.
 *
 * Objects are the /v2.0 API's JSON, owned by the replica: references
 * returned here are borrowed and valid until the next replica_run() or
 * replica_put_*(). */
#ifndef AGENT_REPLICA_H
#define AGENT_REPLICA_H 1

#include <jansson.h>
#include <stdbool.h>

struct hclient;

/* Follows the feed through 'client' (which must outlive the replica),
 * limited to the ports bound to 'host' when 'host' is not NULL. */
struct replica *replica_create(struct hclient *client, const char *host);
void replica_destroy(struct replica *);

/* Keeps a poll in flight (retrying after failures with backoff). */
void replica_run(struct replica *);
void replica_wait(struct replica *);

/* Asks for a full snapshot with the next poll. */
void replica_resync(struct replica *);

/* True once a snapshot arrived. */
bool replica_is_synced(const struct replica *);
/* Changes whenever the contents change. */
unsigned int replica_seqno(const struct replica *);
/* Change whenever security or address groups change, and whenever
 * anything else does (networks, subnets, ports): a consumer that only
 * saw the first change need not look at every port again. */
unsigned int replica_groups_seqno(const struct replica *);
unsigned int replica_others_seqno(const struct replica *);
/* The feed revision the replica is at. */
long long replica_revision(const struct replica *);

json_t *replica_network(const struct replica *, const char *id);
json_t *replica_port(const struct replica *, const char *id);
/* All ports, networks, subnets, each as an object keyed by id. */
json_t *replica_ports(const struct replica *);
json_t *replica_networks(const struct replica *);
json_t *replica_subnets(const struct replica *);
/* Every security group and address group, whatever the host filter. */
json_t *replica_security_groups(const struct replica *);
json_t *replica_address_groups(const struct replica *);
/* False while the server's snapshots carry no "security_groups" at all: a
 * server without security groups, whose ports nothing filters. */
bool replica_has_security_groups(const struct replica *);

/* Stores a fresher copy of an object the agent got from another answer
 * (e.g. a bind); the feed confirms it later.  Borrows the reference. */
void replica_put_port(struct replica *, json_t *port);
void replica_put_network(struct replica *, json_t *network);

#endif /* agent/replica.h */
