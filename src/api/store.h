/* Storage: every SQL statement of the server lives here, behind this one
 * interface, and runs unchanged on SQLite (one server) or PostgreSQL
 * (several servers on one database) through api/sql.h.
 *
 * Rows travel as JSON objects keyed by API attribute names; the resource
 * schemas (api/schema.h) say which attribute is which column.  Each API
 * request runs in one transaction: store_begin(), the calls, then
 * store_commit() or store_rollback().  Write transactions take the write
 * lock up front (SQLite's BEGIN IMMEDIATE; on PostgreSQL one advisory lock
 * all servers take), so a read-then-write never fails half way because
 * another writer committed in between, on this server or another.
 *
 * Functions return 0 or a negative errno: -ENOENT (no such row), -EEXIST (a
 * uniqueness constraint), -ENOSPC (nothing free), -EBUSY or -EAGAIN (the
 * database is busy: retry), -ENOTCONN (the database connection is lost;
 * the next store_begin() reconnects), -EIO (anything else, logged).
 * Returned json_t references belong to the caller. */
#ifndef API_STORE_H
#define API_STORE_H 1

#include <jansson.h>
#include <stdbool.h>

#include "api/query.h"
#include "api/schema.h"
#include "core/ds.h"
#include "core/ip.h"
#include "core/util.h"

struct store;

/* Opens (creating and migrating as needed) the database 'url' names (see
 * sql_open(): sqlite:///PATH or postgresql://...).  'sync_full' selects
 * SQLite's synchronous=FULL (survives power loss) over NORMAL (survives a
 * killed process).  Returns 0 or a negative errno with '*ret_error' set
 * (malloc'd). */
int store_open(const char *url, bool sync_full, struct store **ret,
               char **ret_error) WARN_UNUSED;
void store_close(struct store *);

int store_begin(struct store *, bool write) WARN_UNUSED;
int store_commit(struct store *) WARN_UNUSED;
void store_rollback(struct store *);
/* True while a transaction is open; a write transaction. */
bool store_in_transaction(struct store *);
bool store_in_write_transaction(struct store *);

/* Savepoints nest a request inside a larger (group-committed) transaction:
 * store_savepoint() marks, store_release() keeps the work since the mark,
 * store_rollback_to() undoes it (and releases the mark). */
int store_savepoint(struct store *) WARN_UNUSED;
int store_release(struct store *) WARN_UNUSED;
void store_rollback_to(struct store *);

/* Generic rows of a resource table. */
int store_insert(struct store *, const struct resource_def *,
                 json_t *row) WARN_UNUSED;
/* Writes every column attribute present in 'row' to row 'id'. */
int store_update(struct store *, const struct resource_def *, const char *id,
                 json_t *row) WARN_UNUSED;
int store_delete(struct store *, const struct resource_def *,
                 const char *id) WARN_UNUSED;
/* Locks row 'id' of 'def' until the transaction ends, so that a
 * concurrent writer of it (another server) waits; -ENOENT if there is no
 * such row. */
int store_lock_row(struct store *, const struct resource_def *,
                   const char *id) WARN_UNUSED;
/* Returns the row, or NULL if there is none. */
json_t *store_get(struct store *, const struct resource_def *, const char *id);
/* The same with only the attributes 'names', as store_rows_where_fields(). */
json_t *store_get_fields(struct store *, const struct resource_def *,
                         const char *id, const char *const *names);
/* 1 if row 'id' of 'def' is visible to 'project', 0 if not (or if there
 * is no such row), as Neutron scopes a non-admin context's queries:
 * networks owned by it, shared or external; subnets owned by it or on a
 * shared network; ports owned by it or on a network it owns; subnet
 * pools owned by it or shared.  Other
 * resources: every row. */
int store_visible(struct store *, const struct resource_def *, const char *id,
                  const char *project);
/* Lists rows matching 'q' in its order and page.  -ENOENT: the marker does
 * not exist. */
int store_list(struct store *, const struct resource_def *,
               const struct list_query *q, json_t **ret) WARN_UNUSED;
/* Appends the attributes a row's columns do not hold, as comma-separated
 * JSON members ("first": no member written yet).  'fields' as in the
 * query (NULL: all). */
typedef void store_row_func(void *aux, const char *id, char **fields,
                            bool first, struct ds *out);

/* Like store_list(), but writes the rows straight into 'out' as JSON
 * objects separated by commas (for big lists: no object tree in between),
 * honouring the query's fields; 'extra' adds derived attributes per row.
 * Sets '*ret_ids' to the ids written, in order. */
int store_list_json(struct store *, const struct resource_def *,
                    const struct list_query *q, store_row_func *extra,
                    void *aux, struct ds *out, json_t **ret_ids) WARN_UNUSED;

/* The rows of 'def' whose 'column' equals 'value', in creation order. */
json_t *store_rows_where(struct store *, const struct resource_def *,
                         const char *column, const char *value);
/* The same with only the attributes 'names' (stored ones, NULL-terminated;
 * NULL: all): cheaper where only a few are needed.  The statement is
 * prepared once per 'names' array, so it must be static. */
json_t *store_rows_where_fields(struct store *, const struct resource_def *,
                                const char *column, const char *value,
                                const char *const *names);

/* Ids of the rows of 'def' whose 'column' equals 'value', in creation
 * order. */
json_t *store_ids_where(struct store *, const struct resource_def *,
                        const char *column, const char *value);

/* RBAC policies on networks (table networkrbacs, rows of rbac_def). */
/* 1 if a policy grants 'action' on 'network_id' to 'project' or to '*',
 * 0 if not. */
int store_rbac_allows(struct store *, const char *network_id,
                      const char *action, const char *project);
/* 1 if ports on 'network_id' depend on sharing it with 'target' (a
 * project or '*'): ports of projects other than 'owner' that no other
 * access_as_shared policy covers; 0 if none. */
int store_rbac_in_use(struct store *, const char *network_id,
                      const char *owner, const char *target);

/* Quotas. */
/* Rows of 'def' that 'project' owns (a kept count: no rows are read).
 * store_insert() and store_delete() keep it for every table with a
 * project_id. */
long store_count_owned(struct store *, const struct resource_def *,
                       const char *project);
/* The limit set for 'resource' of 'project'; -ENOENT if none is. */
int store_quota_get(struct store *, const char *project, const char *resource,
                    long *ret) WARN_UNUSED;
/* The limits set for 'project' (NULL: every project) as
 * {"project": {"resource": limit, ...}, ...}, projects in order. */
int store_quota_list(struct store *, const char *project,
                     json_t **ret) WARN_UNUSED;
int store_quota_set(struct store *, const char *project, const char *resource,
                    long limit) WARN_UNUSED;
/* Drops every limit set for 'project'; -ENOENT if there was none. */
int store_quota_delete(struct store *, const char *project) WARN_UNUSED;

/* Network segments: (type, physnet, segmentation id) owned by a network;
 * flat segments use segmentation id 0.  -EEXIST if taken. */
int store_segment_claim(struct store *, const char *type, const char *physnet,
                        int segid, const char *network_id) WARN_UNUSED;
/* Lowest VLAN id in [min, max] not taken on 'physnet'. -ENOSPC if none. */
int store_segment_free_vlan(struct store *, const char *physnet, int min,
                            int max, int *ret) WARN_UNUSED;
int store_segment_release(struct store *, const char *network_id) WARN_UNUSED;

/* Tags of (resource type, id): the tags table is the index the filters
 * use; the row's "tags" column is a copy for rendering. */
int store_tags_set(struct store *, const struct resource_def *, const char *id,
                   json_t *tags) WARN_UNUSED;

/* IP allocations. */
int store_ip_insert(struct store *, const char *port_id, const char *subnet_id,
                    const char *network_id,
                    const struct ip_addr *) WARN_UNUSED;
int store_ip_delete(struct store *, const char *subnet_id,
                    const struct ip_addr *) WARN_UNUSED;
/* 1 if allocated, 0 if not. */
int store_ip_exists(struct store *, const char *subnet_id,
                    const struct ip_addr *);
/* Number of allocations in 'subnet_id' (with 'port_id' not NULL: of other
 * ports than 'port_id'). */
long store_ip_count(struct store *, const char *subnet_id,
                    const char *except_port_id);
/* Allocated addresses of 'subnet_id' within [first, last], ascending, as a
 * JSON array of keys (see ip_to_key()). */
json_t *store_ip_keys(struct store *, const char *subnet_id,
                      const struct ip_addr *first, const struct ip_addr *last);

/* IPAM free ranges of a subnet: [first, last] inclusive, disjoint. */
struct ip_range {
    struct ip_addr first, last;
};
int store_range_insert(struct store *, const char *subnet_id,
                       const struct ip_range *) WARN_UNUSED;
int store_range_delete(struct store *, const char *subnet_id,
                       const struct ip_addr *first) WARN_UNUSED;
/* Changes the range starting at 'first' to end at 'last' / to start at
 * 'new_first' instead. */
int store_range_set_last(struct store *, const char *subnet_id,
                         const struct ip_addr *first,
                         const struct ip_addr *last) WARN_UNUSED;
int store_range_move_first(struct store *, const char *subnet_id,
                           const struct ip_addr *first,
                           const struct ip_addr *new_first) WARN_UNUSED;
int store_range_delete_all(struct store *, const char *subnet_id) WARN_UNUSED;
/* Up to 'max' free ranges of 'subnet_id' in address order, starting with
 * the one containing or following 'from' (NULL: the lowest).  Returns the
 * number found, or a negative errno. */
int store_range_list(struct store *, const char *subnet_id, int version,
                     const struct ip_addr *from, struct ip_range *ranges,
                     int max) WARN_UNUSED;
/* The free range containing 'a', if any (1 found, 0 none). */
int store_range_find(struct store *, const char *subnet_id,
                     const struct ip_addr *a,
                     struct ip_range *ret) WARN_UNUSED;

/* The change feed.  Every store_insert/update/delete of a network,
 * subnet or port is logged at a new revision.  '*ret_floor': revisions at
 * or below it may have been forgotten; '*ret_latest': the newest. */
int store_feed_bounds(struct store *, long long *ret_floor,
                      long long *ret_latest) WARN_UNUSED;
/* Up to 'max' changes after 'since', oldest first, as an array of
 * {"revision", "resource", "id", "deleted"}; with 'host', ports only if
 * bound to 'host' before or after their change. */
int store_feed_changes(struct store *, long long since, const char *host,
                       int max, json_t **ret) WARN_UNUSED;

/* Other servers' commits on the same database (PostgreSQL's LISTEN/NOTIFY;
 * SQLite has none).  store_notify_fd(): the descriptor to watch (-1:
 * none); '*ret_session' changes whenever the connection was made again.
 * store_take_notifications(): how many commits of others were heard since
 * the last call, without blocking, or a negative errno (connection
 * lost). */
int store_notify_fd(struct store *, unsigned long *ret_session);
int store_take_notifications(struct store *);

/* Records a change of object 'id' of 'def' for the feed without writing
 * its row: a security group whose members (ports) changed. */
int store_log_change(struct store *, const struct resource_def *,
                     const char *id) WARN_UNUSED;

/* Security groups.  The default group of 'project_id' (malloc'd in
 * '*ret'; -ENOENT if none), recording one (-EEXIST if the project has
 * one), and whether 'sg_id' is a project's default group (1 or 0). */
int store_default_sg_get(struct store *, const char *project_id,
                         char **ret) WARN_UNUSED;
int store_default_sg_set(struct store *, const char *project_id,
                         const char *sg_id) WARN_UNUSED;
int store_sg_is_default(struct store *, const char *sg_id);
/* Sets the groups of port 'port_id' to the ids in 'sg_ids', replacing
 * those it had if 'replace' (a new port has none). */
int store_sg_bindings_set(struct store *, const char *port_id, json_t *sg_ids,
                          bool replace) WARN_UNUSED;
/* 1 if a port has group 'sg_id', 0 if not. */
int store_sg_in_use(struct store *, const char *sg_id);
/* The addresses of the ports that have group 'sg_id': their fixed IPs
 * (in address order), then their allowed address pairs' "ip_address"
 * (addresses or CIDRs, as given), as an array of strings that may repeat
 * one. */
int store_sg_member_addresses(struct store *, const char *sg_id,
                              json_t **ret) WARN_UNUSED;

/* DHCP scheduling: Neutron's networkdhcpagentbindings, (network, DHCP
 * agent) pairs; deleting a network or an agent deletes its pairs.
 * store_dhcp_bind(): -EEXIST if the pair exists; store_dhcp_unbind():
 * -ENOENT if it does not. */
int store_dhcp_bind(struct store *, const char *network_id,
                    const char *agent_id) WARN_UNUSED;
int store_dhcp_unbind(struct store *, const char *network_id,
                      const char *agent_id) WARN_UNUSED;
/* Ids of the agents hosting 'network_id' / of the networks 'agent_id'
 * hosts, as JSON arrays of strings. */
json_t *store_dhcp_agents_of(struct store *, const char *network_id);
json_t *store_dhcp_networks_of(struct store *, const char *agent_id);
/* The admin-up DHCP agents, least loaded (fewest networks) first, then by
 * host: [[id, host, heartbeat_timestamp], ...]. */
json_t *store_dhcp_candidates(struct store *);
/* The pairs whose agent's heartbeat_timestamp sorts before 'cutoff' (the
 * agents' "YYYY-MM-DD HH:MM:SS" form): [[network, agent, host], ...]. */
json_t *store_dhcp_stale_bindings(struct store *, const char *cutoff);
/* Ids of the networks with a DHCP-enabled subnet and fewer than
 * 'per_network' agents, oldest first. */
json_t *store_dhcp_underhosted(struct store *, int per_network);

/* 1 if a port of 'network_id' has 'mac', 0 if not. */
int store_mac_exists(struct store *, const char *network_id, const char *mac);

#endif /* api/store.h */
