#include "api/store.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "api/sql.h"
#include "core/config.h"
#include "core/ds.h"
#include "core/json-writer.h"
#include "core/log.h"

LOG_DEFINE_THIS_MODULE(store);

/* A statement generated from a resource schema, kept for the store's
 * life. */
enum generated_kind {
    GEN_INSERT,       /* All columns. */
    GEN_SELECT_WHERE, /* 'names' (NULL: all columns), WHERE 'column' = ?. */
};

struct generated_stmt {
    const struct resource_def *def;
    enum generated_kind kind;
    const char *column;
    const char *const *names; /* Compared by address. */
    char *sql;
};

struct store {
    struct sql_db *db;
    bool pg; /* PostgreSQL, not SQLite: the few statements that differ. */
    struct generated_stmt generated[32];
    size_t n_generated;
};

/* Schema migrations, applied in order; PRAGMA user_version counts those
 * already applied.  Portable SQL only: TEXT, INTEGER, no SQLite-only types,
 * so the same statements can serve PostgreSQL. */
static const char *const migrations[] = {
    "CREATE TABLE networks ("
    " id TEXT PRIMARY KEY, project_id TEXT NOT NULL,"
    " name TEXT NOT NULL, description TEXT NOT NULL,"
    " admin_state_up INTEGER NOT NULL, status TEXT NOT NULL,"
    " shared INTEGER NOT NULL, router_external INTEGER NOT NULL,"
    " mtu INTEGER NOT NULL, port_security_enabled INTEGER NOT NULL,"
    " network_type TEXT, physical_network TEXT, segmentation_id INTEGER,"
    " availability_zone_hints TEXT NOT NULL, is_default INTEGER NOT NULL,"
    " tags TEXT NOT NULL, revision_number INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE TABLE segments ("
    " network_type TEXT NOT NULL, physical_network TEXT NOT NULL,"
    " segmentation_id INTEGER NOT NULL,"
    " network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE"
    " DEFERRABLE INITIALLY DEFERRED,"
    " PRIMARY KEY (network_type, physical_network, segmentation_id));"
    "CREATE INDEX segments_network ON segments(network_id);"
    "CREATE TABLE subnets ("
    " id TEXT PRIMARY KEY, project_id TEXT NOT NULL,"
    " name TEXT NOT NULL, description TEXT NOT NULL,"
    " network_id TEXT NOT NULL REFERENCES networks(id),"
    " ip_version INTEGER NOT NULL, cidr TEXT NOT NULL, gateway_ip TEXT,"
    " enable_dhcp INTEGER NOT NULL, ipv6_ra_mode TEXT,"
    " ipv6_address_mode TEXT, allocation_pools TEXT NOT NULL,"
    " dns_nameservers TEXT NOT NULL, host_routes TEXT NOT NULL,"
    " service_types TEXT NOT NULL, subnetpool_id TEXT, segment_id TEXT,"
    " tags TEXT NOT NULL, revision_number INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE INDEX subnets_network ON subnets(network_id);"
    "CREATE TABLE ports ("
    " id TEXT PRIMARY KEY, project_id TEXT NOT NULL,"
    " name TEXT NOT NULL, description TEXT NOT NULL,"
    " network_id TEXT NOT NULL REFERENCES networks(id),"
    " mac_address TEXT NOT NULL, admin_state_up INTEGER NOT NULL,"
    " status TEXT NOT NULL, device_id TEXT NOT NULL,"
    " device_owner TEXT NOT NULL, port_security_enabled INTEGER NOT NULL,"
    " binding_host_id TEXT NOT NULL, binding_profile TEXT NOT NULL,"
    " binding_vnic_type TEXT NOT NULL, binding_vif_type TEXT NOT NULL,"
    " binding_vif_details TEXT NOT NULL,"
    " allowed_address_pairs TEXT NOT NULL, extra_dhcp_opts TEXT NOT NULL,"
    " security_groups TEXT NOT NULL, fixed_ips TEXT NOT NULL,"
    " tags TEXT NOT NULL, revision_number INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
    " UNIQUE (network_id, mac_address));"
    "CREATE INDEX ports_device_id ON ports(device_id);"
    "CREATE INDEX ports_device_owner ON ports(device_owner);"
    "CREATE INDEX ports_host ON ports(binding_host_id);"
    "CREATE INDEX ports_updated ON ports(updated_at);"
    "CREATE INDEX ports_name ON ports(name);"
    /* The truth about which address belongs to whom: one row per address,
     * unique per subnet, so no two ports can ever share one. */
    "CREATE TABLE ipallocations ("
    " subnet_id TEXT NOT NULL REFERENCES subnets(id),"
    " ip_key TEXT NOT NULL, ip_address TEXT NOT NULL,"
    " port_id TEXT NOT NULL REFERENCES ports(id)"
    " DEFERRABLE INITIALLY DEFERRED,"
    " network_id TEXT NOT NULL,"
    " PRIMARY KEY (subnet_id, ip_key));"
    "CREATE INDEX ipallocations_port ON ipallocations(port_id);"
    "CREATE INDEX ipallocations_address ON ipallocations(ip_address);"
    /* Free address ranges inside the allocation pools, so allocation never
     * scans a subnet's addresses. */
    "CREATE TABLE ipam_ranges ("
    " subnet_id TEXT NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,"
    " first_key TEXT NOT NULL, last_key TEXT NOT NULL,"
    " PRIMARY KEY (subnet_id, first_key));"
    "CREATE TABLE tags ("
    " resource_type TEXT NOT NULL, resource_id TEXT NOT NULL,"
    " tag TEXT NOT NULL,"
    " PRIMARY KEY (resource_type, resource_id, tag));"
    "CREATE INDEX tags_tag ON tags(tag);",
    /* The change feed: one row per object, at the revision of its latest
     * write (older rows of the object are replaced), so the log never
     * outgrows the data; rows of deleted objects are pruned past a bound,
     * and 'floor' records the newest pruned revision. */
    "CREATE TABLE changes ("
    " revision INTEGER PRIMARY KEY AUTOINCREMENT,"
    " resource TEXT NOT NULL, object_id TEXT NOT NULL UNIQUE,"
    " deleted INTEGER NOT NULL, host TEXT NOT NULL,"
    " prev_host TEXT NOT NULL);"
    "CREATE INDEX changes_deleted ON changes(deleted, revision);"
    "CREATE TABLE feed_state (id INTEGER PRIMARY KEY,"
    " floor INTEGER NOT NULL);"
    "INSERT INTO feed_state VALUES (1, 0);"
    "CREATE TABLE agents ("
    " id TEXT PRIMARY KEY, agent_type TEXT NOT NULL,"
    " binary_name TEXT NOT NULL, topic TEXT NOT NULL, host TEXT NOT NULL,"
    " admin_state_up INTEGER NOT NULL, availability_zone TEXT,"
    " description TEXT, configurations TEXT NOT NULL,"
    " resource_versions TEXT NOT NULL, resources_synced INTEGER,"
    " created_at TEXT NOT NULL, started_at TEXT NOT NULL,"
    " heartbeat_timestamp TEXT NOT NULL,"
    " UNIQUE (agent_type, host));",
    /* Security groups, their rules, the groups of each port (the JSON
     * column ports.security_groups renders them; these rows answer "which
     * ports has this group"), each project's default group (unique per
     * project, so two servers cannot both make one), address groups. */
    "CREATE TABLE security_groups ("
    " id TEXT PRIMARY KEY, project_id TEXT NOT NULL,"
    " name TEXT NOT NULL, description TEXT NOT NULL,"
    " stateful INTEGER NOT NULL, shared INTEGER NOT NULL,"
    " tags TEXT NOT NULL, revision_number INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE INDEX security_groups_project ON security_groups(project_id);"
    "CREATE TABLE default_security_groups ("
    " project_id TEXT PRIMARY KEY,"
    " security_group_id TEXT NOT NULL UNIQUE"
    " REFERENCES security_groups(id) ON DELETE CASCADE);"
    "CREATE TABLE security_group_rules ("
    " id TEXT PRIMARY KEY, project_id TEXT NOT NULL,"
    " security_group_id TEXT NOT NULL"
    " REFERENCES security_groups(id) ON DELETE CASCADE,"
    " direction TEXT NOT NULL, ethertype TEXT NOT NULL, protocol TEXT,"
    " port_range_min INTEGER, port_range_max INTEGER,"
    " remote_ip_prefix TEXT, normalized_cidr TEXT, remote_group_id TEXT,"
    " remote_address_group_id TEXT, description TEXT,"
    " revision_number INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE INDEX sg_rules_group ON security_group_rules(security_group_id);"
    "CREATE INDEX sg_rules_remote_group"
    " ON security_group_rules(remote_group_id);"
    "CREATE INDEX sg_rules_remote_address_group"
    " ON security_group_rules(remote_address_group_id);"
    "CREATE TABLE security_group_port_bindings ("
    " port_id TEXT NOT NULL REFERENCES ports(id) ON DELETE CASCADE"
    " DEFERRABLE INITIALLY DEFERRED,"
    " security_group_id TEXT NOT NULL REFERENCES security_groups(id),"
    " PRIMARY KEY (port_id, security_group_id));"
    "CREATE INDEX sg_bindings_group"
    " ON security_group_port_bindings(security_group_id);"
    "CREATE TABLE address_groups ("
    " id TEXT PRIMARY KEY, project_id TEXT NOT NULL,"
    " name TEXT NOT NULL, description TEXT NOT NULL,"
    " addresses TEXT NOT NULL);",
    /* A project's own rows, for the scoped queries of non-admin callers
     * (store_visible()). */
    "CREATE INDEX networks_project ON networks(project_id);"
    "CREATE INDEX subnets_project ON subnets(project_id);"
    "CREATE INDEX ports_project ON ports(project_id);",
    /* RBAC policies on networks (Neutron's networkrbacs): who besides the
     * owner may use ('access_as_shared') or see as external
     * ('access_as_external') a network; target '*' is everyone, and is
     * what the network's 'shared' / 'router:external' flags mirror. */
    "CREATE TABLE networkrbacs ("
    " id TEXT PRIMARY KEY, project_id TEXT NOT NULL,"
    " object_type TEXT NOT NULL,"
    " object_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,"
    " target_project TEXT NOT NULL, action TEXT NOT NULL,"
    " UNIQUE (action, object_id, target_project));"
    "CREATE INDEX networkrbacs_target ON networkrbacs(target_project);",
    /* Per-project quota limits that differ from the configured defaults
     * (Neutron's quotas table). */
    "CREATE TABLE quotas ("
    " project_id TEXT NOT NULL, resource TEXT NOT NULL,"
    " quota_limit INTEGER NOT NULL,"
    " PRIMARY KEY (project_id, resource));",
    /* How many rows of each table each project owns, kept by
     * store_insert() and store_delete(), so a quota check never counts
     * rows. */
    "CREATE TABLE quota_usages ("
    " resource TEXT NOT NULL, project_id TEXT NOT NULL,"
    " in_use INTEGER NOT NULL, PRIMARY KEY (resource, project_id));"
    "INSERT INTO quota_usages SELECT 'networks', project_id, COUNT(*)"
    " FROM networks GROUP BY project_id;"
    "INSERT INTO quota_usages SELECT 'subnets', project_id, COUNT(*)"
    " FROM subnets GROUP BY project_id;"
    "INSERT INTO quota_usages SELECT 'ports', project_id, COUNT(*)"
    " FROM ports GROUP BY project_id;"
    "INSERT INTO quota_usages SELECT 'security_groups', project_id,"
    " COUNT(*) FROM security_groups GROUP BY project_id;"
    "INSERT INTO quota_usages SELECT 'security_group_rules', project_id,"
    " COUNT(*) FROM security_group_rules GROUP BY project_id;"
    "INSERT INTO quota_usages SELECT 'networkrbacs', project_id, COUNT(*)"
    " FROM networkrbacs GROUP BY project_id;",
    /* Which DHCP agents host which network (Neutron's table of the same
     * name); the scheduler writes it. */
    "CREATE TABLE networkdhcpagentbindings ("
    " network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,"
    " dhcp_agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,"
    " PRIMARY KEY (network_id, dhcp_agent_id));"
    "CREATE INDEX networkdhcpagentbindings_agent"
    " ON networkdhcpagentbindings(dhcp_agent_id);",
    /* Subnet pools (Neutron's subnetpools with its subnetpoolprefixes as
     * a JSON list): the prefix lengths are text, as the API shows them;
     * the subnets carved from a pool name it in subnets.subnetpool_id. */
    "CREATE TABLE subnetpools ("
    " id TEXT PRIMARY KEY, project_id TEXT NOT NULL,"
    " name TEXT NOT NULL, description TEXT NOT NULL,"
    " ip_version INTEGER NOT NULL, prefixes TEXT NOT NULL,"
    " default_prefixlen TEXT NOT NULL, min_prefixlen TEXT NOT NULL,"
    " max_prefixlen TEXT NOT NULL, default_quota INTEGER,"
    " shared INTEGER NOT NULL, is_default INTEGER NOT NULL,"
    " address_scope_id TEXT,"
    " tags TEXT NOT NULL, revision_number INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE INDEX subnetpools_project ON subnetpools(project_id);"
    "CREATE INDEX subnets_subnetpool ON subnets(subnetpool_id);",
};

/* A migration as PostgreSQL spells it: its one SQLite-only phrase is the
 * change log's ever-growing revision. */
static char *
migration_sql(const struct store *st, const char *sql)
{
    static const char autoinc[] = "INTEGER PRIMARY KEY AUTOINCREMENT";
    const char *at = st->pg ? strstr(sql, autoinc) : NULL;

    return at ? xasprintf("%.*sBIGSERIAL PRIMARY KEY%s", (int) (at - sql), sql,
                          at + strlen(autoinc))
              : xstrdup(sql);
}

/* The number of migrations applied, read inside the migration's write
 * transaction (so two servers starting together migrate once). */
static int
schema_version(struct store *st, int *ret, char **ret_error)
{
    struct sql_stmt *stmt;
    int r;

    if (st->pg
        && sql_exec(st->db,
                    "CREATE TABLE IF NOT EXISTS neutrino_schema"
                    " (version INTEGER NOT NULL);"
                    "INSERT INTO neutrino_schema SELECT 0 WHERE NOT EXISTS"
                    " (SELECT 1 FROM neutrino_schema)",
                    ret_error)) {
        return -EIO;
    }
    stmt = sql_prepare(st->db, st->pg ? "SELECT version FROM neutrino_schema"
                                      : "PRAGMA user_version");
    r = stmt ? sql_step(stmt) : -EIO;
    if (r != SQL_ROW) {
        *ret_error = xstrdup("cannot read the schema version");
        if (stmt) {
            sql_reset(stmt);
        }
        return -EIO;
    }
    *ret = sql_column_int64(stmt, 0);
    sql_reset(stmt);
    return 0;
}

/* Applies the next migration if there is one: 1 if it did, 0 if none was
 * left. */
static int
migrate_one(struct store *st, char **ret_error)
{
    int version, r = sql_begin(st->db, true);
    char *sql, *bump;

    if (r) {
        *ret_error = xstrdup("cannot begin a transaction");
        return r;
    }
    r = schema_version(st, &version, ret_error);
    if (!r && version > (int) ARRAY_SIZE(migrations)) {
        *ret_error = xasprintf("database schema version %d is newer than "
                               "this server (%zu)",
                               version, ARRAY_SIZE(migrations));
        r = -EPROTO;
    }
    if (r || version == (int) ARRAY_SIZE(migrations)) {
        sql_rollback(st->db);
        return r;
    }
    sql = migration_sql(st, migrations[version]);
    bump = st->pg ? xasprintf("UPDATE neutrino_schema SET version = %d",
                              version + 1)
                  : xasprintf("PRAGMA user_version = %d", version + 1);
    r = sql_exec(st->db, sql, ret_error);
    if (!r) {
        r = sql_exec(st->db, bump, ret_error);
    }
    if (!r) {
        r = sql_commit(st->db);
        if (r) {
            *ret_error = xasprintf("cannot commit migration %d", version + 1);
        }
    }
    free(bump);
    free(sql);
    if (r) {
        sql_rollback(st->db);
        return r;
    }
    return 1;
}

static int
migrate(struct store *st, char **ret_error)
{
    int r;

    while ((r = migrate_one(st, ret_error)) > 0) {
        continue;
    }
    return r;
}

int
store_open(const char *url, bool sync_full, struct store **ret,
           char **ret_error)
{
    struct store *st = xcalloc(1, sizeof *st);
    int r = sql_open(url, sync_full, &st->db, ret_error);

    if (!r) {
        st->pg = sql_dialect(st->db) == SQL_POSTGRESQL;
        r = migrate(st, ret_error);
    }
    if (r) {
        store_close(st);
        return r;
    }
    *ret = st;
    return 0;
}

void
store_close(struct store *st)
{
    if (st) {
        for (size_t i = 0; i < st->n_generated; i++) {
            free(st->generated[i].sql);
        }
        sql_close(st->db);
        free(st);
    }
}

/* Returns a reset statement for 'sql' (cached), or NULL (logged). */
static struct sql_stmt *
prepare(struct store *st, const char *sql)
{
    return sql_prepare(st->db, sql);
}

/* A failed or unexpected sql_step() result as a negative errno. */
static int
step_error(int rc)
{
    return rc < 0 ? rc : -EIO;
}

/* Runs a statement that returns no rows. */
static int
run(struct store *st, struct sql_stmt *stmt)
{
    int rc;

    if (!stmt) {
        return -EIO;
    }
    rc = sql_step(stmt);
    sql_reset(stmt);
    return rc == SQL_DONE ? 0 : step_error(rc);
}

/* Text is bound without a copy: each statement is stepped
 * and reset while the caller's strings live, and its bindings are cleared
 * before it is used again (prepare()). */
static void
bind_json(struct sql_stmt *stmt, int idx, json_t *v)
{
    if (!v || json_is_null(v)) {
        sql_bind_null(stmt, idx);
    } else if (json_is_string(v)) {
        sql_bind_text(stmt, idx, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        sql_bind_int64(stmt, idx, json_integer_value(v));
    } else if (json_is_boolean(v)) {
        sql_bind_int64(stmt, idx, json_is_true(v));
    } else if (json_is_array(v) && !json_array_size(v)) {
        sql_bind_text(stmt, idx, "[]", 2);
    } else if (json_is_object(v) && !json_object_size(v)) {
        sql_bind_text(stmt, idx, "{}", 2);
    } else {
        struct ds text = DS_EMPTY_INITIALIZER;
        size_t len;

        json_put_value(&text, v);
        len = text.len;
        sql_bind_text_take(stmt, idx, ds_steal(&text), len);
    }
}

static void
bind_text(struct sql_stmt *stmt, int idx, const char *s)
{
    sql_bind_text(stmt, idx, s, -1);
}

/* Runs 'sql', which returns no rows, with 'n' text parameters. */
static int
run_texts(struct store *st, const char *sql, size_t n,
          const char *const args[])
{
    struct sql_stmt *stmt = prepare(st, sql);

    if (!stmt) {
        return -EIO;
    }
    for (size_t i = 0; i < n; i++) {
        bind_text(stmt, i + 1, args[i]);
    }
    return run(st, stmt);
}

/* Returns 1 if 'sql' with 'n' text parameters finds a row, 0 if not. */
static int
exists_texts(struct store *st, const char *sql, size_t n,
             const char *const args[])
{
    struct sql_stmt *stmt = prepare(st, sql);
    int found;

    if (!stmt) {
        return -EIO;
    }
    for (size_t i = 0; i < n; i++) {
        bind_text(stmt, i + 1, args[i]);
    }
    found = sql_step(stmt) == SQL_ROW;
    sql_reset(stmt);
    return found;
}

#define TEXTS(...)                                                            \
    ARRAY_SIZE(((const char *[]){__VA_ARGS__})),                              \
        ((const char *[]){__VA_ARGS__})

/* Binds 'v' for comparison with a column of 'type' (JSON columns compare
 * as their text). */
static void
bind_column_value(struct sql_stmt *stmt, int idx, enum col_type type,
                  json_t *v)
{
    if (type == COL_BOOL && json_is_boolean(v)) {
        sql_bind_int64(stmt, idx, json_is_true(v));
    } else {
        bind_json(stmt, idx, v);
    }
}

static json_t *
column_json(struct sql_stmt *stmt, int col, enum col_type type)
{
    if (sql_column_null(stmt, col)) {
        return json_null();
    }
    switch (type) {
    case COL_INT:
        return json_integer(sql_column_int64(stmt, col));
    case COL_BOOL:
        return json_boolean(sql_column_int64(stmt, col));
    case COL_JSON: {
        const char *text = sql_column_text(stmt, col);
        json_t *v;

        /* Most JSON columns hold an empty list or dict: skip the parser's
         * set-up for those. */
        if (!strcmp(text, "[]")) {
            return json_array();
        } else if (!strcmp(text, "{}")) {
            return json_object();
        }
        v = json_loads(text, JSON_DECODE_ANY, NULL);
        return v ? v : json_null();
    }
    case COL_TEXT:
    case COL_NONE:
    default:
        return json_stringn(sql_column_text(stmt, col),
                            sql_column_bytes(stmt, col));
    }
}

int
store_begin(struct store *st, bool write)
{
    return sql_begin(st->db, write);
}

int
store_commit(struct store *st)
{
    return sql_commit(st->db);
}

void
store_rollback(struct store *st)
{
    sql_rollback(st->db);
}

bool
store_in_transaction(struct store *st)
{
    return sql_in_transaction(st->db);
}

bool
store_in_write_transaction(struct store *st)
{
    return sql_in_write_transaction(st->db);
}

int
store_savepoint(struct store *st)
{
    return run(st, prepare(st, "SAVEPOINT request"));
}

int
store_release(struct store *st)
{
    return run(st, prepare(st, "RELEASE request"));
}

void
store_rollback_to(struct store *st)
{
    (void) run(st, prepare(st, "ROLLBACK TO request"));
    (void) run(st, prepare(st, "RELEASE request"));
}

/* Appends "col1, col2, ..." of the column attributes of 'def'. */
static void
put_columns(struct ds *sql, const struct resource_def *def)
{
    bool first = true;

    for (size_t i = 0; i < def->n_attrs; i++) {
        if (ATTR_STORED(&def->attrs[i])) {
            ds_put_format(sql, "%s%s", first ? "" : ", ",
                          def->attrs[i].column);
            first = false;
        }
    }
}

/* Appends the columns of the attributes 'names' (NULL: all columns). */
static void
put_named_columns(struct ds *sql, const struct resource_def *def,
                  const char *const *names)
{
    if (!names) {
        put_columns(sql, def);
        return;
    }
    for (size_t i = 0; names[i]; i++) {
        ds_put_format(sql, "%s%s", i ? ", " : "",
                      resource_attr(def, names[i])->column);
    }
}

static char *
generate_sql(const struct resource_def *def, enum generated_kind kind,
             const char *column, const char *const *names)
{
    struct ds sql = DS_EMPTY_INITIALIZER;
    int n = 0;

    if (kind == GEN_INSERT) {
        ds_put_format(&sql, "INSERT INTO %s (", def->table);
        put_columns(&sql, def);
        ds_put_cstr(&sql, ") VALUES (");
        for (size_t i = 0; i < def->n_attrs; i++) {
            if (ATTR_STORED(&def->attrs[i])) {
                ds_put_cstr(&sql, n++ ? ", ?" : "?");
            }
        }
        ds_put_char(&sql, ')');
    } else {
        ds_put_cstr(&sql, "SELECT ");
        put_named_columns(&sql, def, names);
        ds_put_format(&sql, " FROM %s WHERE %s = ?", def->table, column);
        if (strcmp(column, "id")) {
            /* Creation order where the table keeps it. */
            ds_put_cstr(&sql, resource_attr(def, "created_at")
                                  ? " ORDER BY created_at, id"
                                  : " ORDER BY id");
        }
    }
    return ds_steal(&sql);
}

/* A reset statement generated from 'def', its SQL built once. */
static struct sql_stmt *
prepare_generated(struct store *st, const struct resource_def *def,
                  enum generated_kind kind, const char *column,
                  const char *const *names)
{
    struct generated_stmt *g;
    struct sql_stmt *stmt;
    char *sql;

    for (size_t i = 0; i < st->n_generated; i++) {
        g = &st->generated[i];
        if (g->def == def && g->kind == kind && g->names == names
            && (!column || !strcmp(g->column, column))) {
            return prepare(st, g->sql);
        }
    }
    sql = generate_sql(def, kind, column, names);
    stmt = prepare(st, sql);
    if (st->n_generated == ARRAY_SIZE(st->generated)) {
        free(sql); /* Built again next time. */
        return stmt;
    }
    st->generated[st->n_generated++] =
        (struct generated_stmt){def, kind, column, names, sql};
    return stmt;
}

/* ---- The change feed's log. ---- */

static bool
def_is_fed(const struct resource_def *def)
{
    return def == &network_def || def == &subnet_def || def == &port_def
           || def == &security_group_def || def == &address_group_def;
}

/* Keeps the newest 10,000 deleted objects, raising the floor past the
 * rest (an agent away for longer resyncs). */
static int
prune_tombstones(struct store *st)
{
    static const char *const sql[] = {
        "UPDATE feed_state SET floor = (SELECT revision FROM changes"
        " WHERE deleted = 1 ORDER BY revision DESC LIMIT 1 OFFSET 10000)"
        " WHERE floor < (SELECT revision FROM changes WHERE deleted = 1"
        " ORDER BY revision DESC LIMIT 1 OFFSET 10000)",
        "DELETE FROM changes WHERE deleted = 1 AND revision <="
        " (SELECT floor FROM feed_state)",
    };
    int r = 0;

    for (size_t i = 0; i < ARRAY_SIZE(sql) && !r; i++) {
        r = run(st, prepare(st, sql[i]));
    }
    return r;
}

/* Records a write of object 'id' of 'def' for the feed, before it is made
 * (so a port's previous host is still in its row).  'host' is the port's
 * host after the write, NULL to keep it. */
static int
log_change(struct store *st, const struct resource_def *def, const char *id,
           bool deleted, const char *host)
{
    /* SQLite replaces the object's row, giving it the next revision;
     * PostgreSQL updates it to the sequence's next value.  (Under the
     * write lock of sql_begin(), revisions are taken in commit order.) */
    static const char *const sql[2][2] = {
        {"INSERT OR REPLACE INTO changes (resource, object_id, deleted,"
         " host, prev_host) VALUES (?1, ?2, ?3, '', '') RETURNING revision",
         "INSERT OR REPLACE INTO changes (resource, object_id, deleted,"
         " host, prev_host) SELECT ?1, ?2, ?3, coalesce(?4, p.h, ''),"
         " coalesce(p.h, '') FROM (SELECT (SELECT binding_host_id FROM"
         " ports WHERE id = ?2) AS h) AS p RETURNING revision"},
        {"INSERT INTO changes (resource, object_id, deleted, host,"
         " prev_host) VALUES (?1, ?2, ?3, '', '') ON CONFLICT (object_id)"
         " DO UPDATE SET revision = nextval('changes_revision_seq'),"
         " resource = excluded.resource, deleted = excluded.deleted,"
         " host = excluded.host, prev_host = excluded.prev_host"
         " RETURNING revision",
         "INSERT INTO changes (resource, object_id, deleted, host,"
         " prev_host) SELECT ?1::text, ?2::text, ?3::integer,"
         " coalesce(?4::text, p.h, ''), coalesce(p.h, '') FROM (SELECT"
         " (SELECT binding_host_id FROM ports WHERE id = ?2::text) AS h)"
         " AS p ON CONFLICT (object_id)"
         " DO UPDATE SET revision = nextval('changes_revision_seq'),"
         " resource = excluded.resource, deleted = excluded.deleted,"
         " host = excluded.host, prev_host = excluded.prev_host"
         " RETURNING revision"},
    };
    struct sql_stmt *stmt;
    long long revision;
    int r;

    if (!def_is_fed(def)) {
        return 0;
    }
    stmt = prepare(st, sql[st->pg][def == &port_def]);
    if (!stmt) {
        return -EIO;
    }
    bind_text(stmt, 1, def->singular);
    bind_text(stmt, 2, id);
    sql_bind_int64(stmt, 3, deleted);
    if (host) {
        bind_text(stmt, 4, host);
    }
    r = sql_step(stmt);
    revision = r == SQL_ROW ? sql_column_int64(stmt, 0) : 0;
    sql_reset(stmt);
    if (r != SQL_ROW) {
        return step_error(r);
    }
    sql_notify(st->db);
    return deleted && !(revision % 1024) ? prune_tombstones(st) : 0;
}

int
store_feed_bounds(struct store *st, long long *ret_floor,
                  long long *ret_latest)
{
    struct sql_stmt *stmt =
        prepare(st, "SELECT floor, (SELECT max(revision) FROM changes)"
                    " FROM feed_state");
    int rc;

    if (!stmt) {
        return -EIO;
    }
    rc = sql_step(stmt);
    if (rc != SQL_ROW) {
        sql_reset(stmt);
        return step_error(rc);
    }
    *ret_floor = sql_column_int64(stmt, 0);
    *ret_latest = sql_column_int64(stmt, 1);
    if (*ret_latest < *ret_floor) {
        *ret_latest = *ret_floor;
    }
    sql_reset(stmt);
    return 0;
}

int
store_feed_changes(struct store *st, long long since, const char *host,
                   int max, json_t **ret)
{
    struct sql_stmt *stmt = prepare(
        st, "SELECT revision, resource, object_id, deleted FROM changes"
            " WHERE revision > ?1 AND (CAST(?2 AS TEXT) IS NULL"
            " OR resource <> 'port'"
            " OR host = ?2 OR prev_host = ?2) ORDER BY revision LIMIT ?3");
    json_t *rows = json_array();
    int rc;

    if (!stmt) {
        json_decref(rows);
        return -EIO;
    }
    sql_bind_int64(stmt, 1, since);
    if (host) {
        bind_text(stmt, 2, host);
    }
    sql_bind_int64(stmt, 3, max);
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        json_array_append_new(rows,
                              json_pack("{s:I, s:s, s:s, s:b}", "revision",
                                        (json_int_t) sql_column_int64(stmt, 0),
                                        "resource", sql_column_text(stmt, 1),
                                        "id", sql_column_text(stmt, 2),
                                        "deleted", sql_column_int64(stmt, 3)));
    }
    sql_reset(stmt);
    if (rc != SQL_DONE) {
        json_decref(rows);
        return step_error(rc);
    }
    *ret = rows;
    return 0;
}

int
store_insert(struct store *st, const struct resource_def *def, json_t *row)
{
    struct sql_stmt *stmt;
    int n = 0, r;

    r = log_change(st, def, json_string_value(json_object_get(row, "id")),
                   false,
                   json_string_value(json_object_get(row, "binding:host_id")));
    if (r) {
        return r;
    }
    stmt = prepare_generated(st, def, GEN_INSERT, NULL, NULL);
    if (!stmt) {
        return -EIO;
    }
    for (size_t i = 0; i < def->n_attrs; i++) {
        const struct attr *a = &def->attrs[i];
        if (ATTR_STORED(a)) {
            bind_column_value(stmt, ++n, a->type,
                              json_object_get(row, a->name));
        }
    }
    r = run(st, stmt);
    if (!r && resource_attr(def, "project_id")) {
        r = run_texts(st,
                      "INSERT INTO quota_usages VALUES (?, ?, 1)"
                      " ON CONFLICT (resource, project_id)"
                      " DO UPDATE SET in_use = quota_usages.in_use + 1",
                      TEXTS(def->table, json_string_value(json_object_get(
                                            row, "project_id"))));
    }
    return r;
}

int
store_update(struct store *st, const struct resource_def *def, const char *id,
             json_t *row)
{
    struct ds sql = DS_EMPTY_INITIALIZER;
    struct sql_stmt *stmt;
    int n = 0;

    ds_put_format(&sql, "UPDATE %s SET ", def->table);
    for (size_t i = 0; i < def->n_attrs; i++) {
        const struct attr *a = &def->attrs[i];
        if (ATTR_STORED(a) && json_object_get(row, a->name)) {
            ds_put_format(&sql, "%s%s = ?", n++ ? ", " : "", a->column);
        }
    }
    if (!n) {
        ds_destroy(&sql);
        return 0;
    }
    ds_put_cstr(&sql, " WHERE id = ?");
    n = log_change(st, def, id, false,
                   json_string_value(json_object_get(row, "binding:host_id")));
    stmt = n ? NULL : prepare(st, ds_cstr(&sql));
    ds_destroy(&sql);
    if (!stmt) {
        return n ? n : -EIO;
    }
    n = 0;
    for (size_t i = 0; i < def->n_attrs; i++) {
        const struct attr *a = &def->attrs[i];
        json_t *v = json_object_get(row, a->name);
        if (ATTR_STORED(a) && v) {
            bind_column_value(stmt, ++n, a->type, v);
        }
    }
    bind_text(stmt, n + 1, id);
    return run(st, stmt);
}

int
store_delete(struct store *st, const struct resource_def *def, const char *id)
{
    char *sql = xasprintf("DELETE FROM %s WHERE id = ?", def->table);
    char *uncount = xasprintf("UPDATE quota_usages SET in_use = in_use - 1"
                              " WHERE resource = ? AND project_id ="
                              " (SELECT project_id FROM %s WHERE id = ?)",
                              def->table);
    int r = log_change(st, def, id, true, NULL);

    if (!r && resource_attr(def, "project_id")) {
        r = run_texts(st, uncount, TEXTS(def->table, id));
    }
    r = r ? r : run_texts(st, sql, TEXTS(id));

    free(uncount);
    free(sql);
    return r ? r
             : run_texts(st,
                         "DELETE FROM tags WHERE resource_type = ? AND "
                         "resource_id = ?",
                         TEXTS(def->singular, id));
}

int
store_lock_row(struct store *st, const struct resource_def *def,
               const char *id)
{
    char *sql = xasprintf("UPDATE %s SET id = id WHERE id = ?", def->table);
    int r = run_texts(st, sql, TEXTS(id));

    free(sql);
    return r ? r : sql_changes(st->db) ? 0 : -ENOENT;
}

static json_t *
row_to_json(struct sql_stmt *stmt, const struct resource_def *def)
{
    json_t *obj = json_object();
    int col = 0;

    for (size_t i = 0; i < def->n_attrs; i++) {
        const struct attr *a = &def->attrs[i];
        if (ATTR_STORED(a)) {
            json_object_set_new(obj, a->name,
                                column_json(stmt, col++, a->type));
        }
    }
    return obj;
}

/* The attributes 'names' (NULL: all) of the current row of 'stmt'. */
static json_t *
named_row_to_json(struct sql_stmt *stmt, const struct resource_def *def,
                  const char *const *names)
{
    json_t *obj;

    if (!names) {
        return row_to_json(stmt, def);
    }
    obj = json_object();
    for (int i = 0; names[i]; i++) {
        json_object_set_new(
            obj, names[i],
            column_json(stmt, i, resource_attr(def, names[i])->type));
    }
    return obj;
}

json_t *
store_get(struct store *st, const struct resource_def *def, const char *id)
{
    return store_get_fields(st, def, id, NULL);
}

json_t *
store_get_fields(struct store *st, const struct resource_def *def,
                 const char *id, const char *const *names)
{
    struct sql_stmt *stmt =
        prepare_generated(st, def, GEN_SELECT_WHERE, "id", names);
    json_t *row = NULL;

    if (!stmt) {
        return NULL;
    }
    bind_text(stmt, 1, id);
    if (sql_step(stmt) == SQL_ROW) {
        row = named_row_to_json(stmt, def, names);
    }
    sql_reset(stmt);
    return row;
}

json_t *
store_rows_where(struct store *st, const struct resource_def *def,
                 const char *column, const char *value)
{
    return store_rows_where_fields(st, def, column, value, NULL);
}

json_t *
store_rows_where_fields(struct store *st, const struct resource_def *def,
                        const char *column, const char *value,
                        const char *const *names)
{
    struct sql_stmt *stmt =
        prepare_generated(st, def, GEN_SELECT_WHERE, column, names);
    json_t *rows = json_array();

    if (!stmt) {
        return rows;
    }
    bind_text(stmt, 1, value);
    while (sql_step(stmt) == SQL_ROW) {
        json_array_append_new(rows, named_row_to_json(stmt, def, names));
    }
    sql_reset(stmt);
    return rows;
}

json_t *
store_ids_where(struct store *st, const struct resource_def *def,
                const char *column, const char *value)
{
    char *sql = xasprintf("SELECT id FROM %s WHERE %s = ? "
                          "ORDER BY created_at, id",
                          def->table, column);
    struct sql_stmt *stmt = prepare(st, sql);
    json_t *ids = json_array();

    free(sql);
    if (!stmt) {
        return ids;
    }
    bind_text(stmt, 1, value);
    while (sql_step(stmt) == SQL_ROW) {
        json_array_append_new(ids, json_string(sql_column_text(stmt, 0)));
    }
    sql_reset(stmt);
    return ids;
}

/* A list query's SQL under construction, with its parameters. */
struct sql_builder {
    struct ds sql;
    json_t *params;      /* Array of values to bind, in order. */
    json_t *param_types; /* Matching array of enum col_type. */
};

static void
builder_param(struct sql_builder *b, json_t *v, enum col_type type)
{
    json_array_append(b->params, v);
    json_array_append_new(b->param_types, json_integer(type));
    ds_put_char(&b->sql, '?');
}

static void
put_in_list(struct sql_builder *b, json_t *values, enum col_type type)
{
    size_t i;
    json_t *v;

    ds_put_cstr(&b->sql, " IN (");
    json_array_foreach (values, i, v) {
        if (i) {
            ds_put_cstr(&b->sql, ", ");
        }
        builder_param(b, v, type);
    }
    ds_put_char(&b->sql, ')');
}

static void
put_strv_values(struct sql_builder *b, char **strv)
{
    json_t *values = json_array();

    for (size_t i = 0; strv[i]; i++) {
        json_array_append_new(values, json_string(strv[i]));
    }
    put_in_list(b, values, COL_TEXT);
    json_decref(values);
}

/* Appends a tag condition: the row has all ('all') or any of 'tags';
 * 'negate' inverts it. */
static void
put_tag_filter(struct sql_builder *b, const struct resource_def *def,
               char **tags, bool all, bool negate)
{
    json_t *type = json_string(def->singular);

    ds_put_format(&b->sql,
                  " AND id %sIN (SELECT resource_id FROM tags "
                  "WHERE resource_type = ",
                  negate ? "NOT " : "");
    builder_param(b, type, COL_TEXT);
    ds_put_cstr(&b->sql, " AND tag");
    put_strv_values(b, tags);
    if (all) {
        json_t *n = json_integer(strv_length(tags));
        ds_put_cstr(&b->sql, " GROUP BY resource_id HAVING COUNT(*) = ");
        builder_param(b, n, COL_INT);
        json_decref(n);
    }
    ds_put_char(&b->sql, ')');
    json_decref(type);
}

static void
put_fixed_ip_filters(struct sql_builder *b, const struct list_query *q)
{
    size_t i;
    json_t *v;

    if (q->fixed_ip_addresses) {
        ds_put_cstr(&b->sql, " AND id IN (SELECT port_id FROM ipallocations"
                             " WHERE ip_address");
        put_in_list(b, q->fixed_ip_addresses, COL_TEXT);
        ds_put_char(&b->sql, ')');
    }
    if (q->fixed_ip_subnets) {
        ds_put_cstr(&b->sql, " AND id IN (SELECT port_id FROM ipallocations"
                             " WHERE subnet_id");
        put_in_list(b, q->fixed_ip_subnets, COL_TEXT);
        ds_put_char(&b->sql, ')');
    }
    json_array_foreach (q->fixed_ip_substrs, i, v) {
        json_t *pattern = json_sprintf("%%%s%%", json_string_value(v));
        ds_put_cstr(&b->sql, " AND id IN (SELECT port_id FROM ipallocations"
                             " WHERE ip_address LIKE ");
        builder_param(b, pattern, COL_TEXT);
        ds_put_char(&b->sql, ')');
        json_decref(pattern);
    }
}

/* The visibility condition of store_visible(), in terms of 'table''s
 * columns, with 'n' parameters that are all the project: NULL if the
 * table has none. */
static const char *
scope_sql(const struct resource_def *def, int *n)
{
    static const struct {
        const char *table, *sql;
        int n;
    } scopes[] = {
        {"networks",
         "(project_id = ? OR shared = 1 OR id IN (SELECT object_id FROM"
         " networkrbacs WHERE target_project IN (?, '*')))",
         2},
        {"subnets",
         "(project_id = ? OR network_id IN"
         " (SELECT id FROM networks WHERE shared = 1) OR network_id IN"
         " (SELECT object_id FROM networkrbacs WHERE target_project = ?"
         " AND action = 'access_as_shared'))",
         2},
        {"ports",
         "(project_id = ? OR network_id IN"
         " (SELECT id FROM networks WHERE project_id = ?))",
         2},
        {"networkrbacs", "(project_id = ?)", 1},
        {"subnetpools", "(project_id = ? OR shared = 1)", 1},
    };

    for (size_t i = 0; i < ARRAY_SIZE(scopes); i++) {
        if (!strcmp(scopes[i].table, def->table)) {
            *n = scopes[i].n;
            return scopes[i].sql;
        }
    }
    return NULL;
}

static void
put_scope(struct sql_builder *b, const struct resource_def *def,
          const char *project)
{
    int n;
    const char *sql = project ? scope_sql(def, &n) : NULL;
    json_t *v;

    if (!sql) {
        return;
    }
    v = json_string(project);
    ds_put_cstr(&b->sql, " AND ");
    for (const char *p = sql; *p; p++) {
        if (*p == '?') {
            builder_param(b, v, COL_TEXT);
        } else {
            ds_put_char(&b->sql, *p);
        }
    }
    json_decref(v);
}

int
store_visible(struct store *st, const struct resource_def *def, const char *id,
              const char *project)
{
    int n;
    const char *scope = scope_sql(def, &n);
    const char *args[3] = {id, project, project};
    char *sql;
    int r;

    if (!scope) {
        return 1;
    }
    sql = xasprintf("SELECT 1 FROM %s WHERE id = ? AND %s", def->table, scope);
    r = exists_texts(st, sql, n + 1, args);
    free(sql);
    return r;
}

static void
put_where(struct sql_builder *b, const struct resource_def *def,
          const struct list_query *q)
{
    ds_put_cstr(&b->sql, " WHERE 1 = 1");
    put_scope(b, def, q->scope_project);
    for (size_t i = 0; i < q->n_filters; i++) {
        const struct query_filter *f = &q->filters[i];
        if (def == &port_def && !strcmp(f->attr->name, "security_groups")) {
            /* The JSON column renders; the bindings are the index. */
            ds_put_cstr(&b->sql, " AND id IN (SELECT port_id FROM"
                                 " security_group_port_bindings WHERE"
                                 " security_group_id");
            put_in_list(b, f->values, COL_TEXT);
            ds_put_char(&b->sql, ')');
            continue;
        }
        ds_put_format(&b->sql, " AND %s", f->attr->column);
        put_in_list(b, f->values, f->attr->type);
    }
    if (q->tags && q->tags[0]) {
        put_tag_filter(b, def, q->tags, true, false);
    }
    if (q->tags_any && q->tags_any[0]) {
        put_tag_filter(b, def, q->tags_any, false, false);
    }
    if (q->not_tags && q->not_tags[0]) {
        put_tag_filter(b, def, q->not_tags, true, true);
    }
    if (q->not_tags_any && q->not_tags_any[0]) {
        put_tag_filter(b, def, q->not_tags_any, false, true);
    }
    if (q->changed_since) {
        json_t *v = json_string(q->changed_since);
        ds_put_cstr(&b->sql, " AND updated_at >= ");
        builder_param(b, v, COL_TEXT);
        json_decref(v);
    }
    put_fixed_ip_filters(b, q);
}

/* Sort keys with "id" appended as the final tie-breaker.  A plain list
 * (no sort, no page) has none: it comes in table order, creation order,
 * read sequentially rather than through the id index. */
static size_t
effective_sorts(const struct resource_def *def, const struct list_query *q,
                struct query_sort *out)
{
    size_t n = 0;
    bool has_id = false;

    if (!q->n_sorts && q->limit <= 0) {
        return 0;
    }
    for (size_t i = 0; i < q->n_sorts; i++) {
        out[n++] = q->sorts[i];
        has_id |= !strcmp(q->sorts[i].attr->name, "id");
    }
    if (!has_id) {
        out[n++] = (struct query_sort){resource_attr(def, "id"), false};
    }
    return n;
}

/* Appends the keyset condition "after the marker row" for 'sorts'. */
static int
put_marker(struct store *st, struct sql_builder *b,
           const struct resource_def *def, const struct list_query *q,
           const struct query_sort *sorts, size_t n)
{
    json_t *marker = store_get(st, def, q->marker);

    if (!marker) {
        return -ENOENT;
    }
    ds_put_cstr(&b->sql, " AND (");
    for (size_t i = 0; i < n; i++) {
        bool desc = sorts[i].desc != q->page_reverse;
        ds_put_cstr(&b->sql, i ? " OR (" : "(");
        for (size_t j = 0; j < i; j++) {
            ds_put_format(&b->sql, "%s = ", sorts[j].attr->column);
            builder_param(b, json_object_get(marker, sorts[j].attr->name),
                          sorts[j].attr->type);
            ds_put_cstr(&b->sql, " AND ");
        }
        ds_put_format(&b->sql, "%s %s ", sorts[i].attr->column,
                      desc ? "<" : ">");
        builder_param(b, json_object_get(marker, sorts[i].attr->name),
                      sorts[i].attr->type);
        ds_put_char(&b->sql, ')');
    }
    ds_put_char(&b->sql, ')');
    json_decref(marker);
    return 0;
}

static void
put_order(struct sql_builder *b, const struct list_query *q,
          const struct query_sort *sorts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool desc = sorts[i].desc != q->page_reverse;
        ds_put_format(&b->sql, "%s%s %s", i ? ", " : " ORDER BY ",
                      sorts[i].attr->column, desc ? "DESC" : "ASC");
    }
    if (q->limit > 0) {
        ds_put_format(&b->sql, " LIMIT %ld", q->limit);
    }
}

static json_t *
fetch_rows(struct store *st, const struct resource_def *def,
           struct sql_builder *b, bool reverse)
{
    struct sql_stmt *stmt = prepare(st, ds_cstr(&b->sql));
    json_t *rows = json_array();
    size_t i;
    json_t *v;
    int rc;

    if (!stmt) {
        json_decref(rows);
        return NULL;
    }
    json_array_foreach (b->params, i, v) {
        bind_column_value(
            stmt, i + 1, json_integer_value(json_array_get(b->param_types, i)),
            v);
    }
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        json_t *row = row_to_json(stmt, def);
        if (reverse) {
            json_array_insert_new(rows, 0, row);
        } else {
            json_array_append_new(rows, row);
        }
    }
    sql_reset(stmt);
    if (rc != SQL_DONE) {
        log_error("list query failed");
        json_decref(rows);
        return NULL;
    }
    return rows;
}

/* Builds the SELECT of a list query into 'b'.  -ENOENT: no such marker. */
static int
build_list_query(struct store *st, const struct resource_def *def,
                 const struct list_query *q, struct sql_builder *b)
{
    struct query_sort *sorts = xcalloc(q->n_sorts + 1, sizeof *sorts);
    size_t n_sorts = effective_sorts(def, q, sorts);
    int r = 0;

    ds_put_cstr(&b->sql, "SELECT ");
    put_columns(&b->sql, def);
    ds_put_format(&b->sql, " FROM %s", def->table);
    put_where(b, def, q);
    if (q->marker) {
        r = put_marker(st, b, def, q, sorts, n_sorts);
    }
    if (!r) {
        put_order(b, q, sorts, n_sorts);
    }
    free(sorts);
    return r;
}

static void
builder_destroy(struct sql_builder *b)
{
    ds_destroy(&b->sql);
    json_decref(b->params);
    json_decref(b->param_types);
}

int
store_list(struct store *st, const struct resource_def *def,
           const struct list_query *q, json_t **ret)
{
    struct sql_builder b = {DS_EMPTY_INITIALIZER, json_array(), json_array()};
    int r = build_list_query(st, def, q, &b);
    json_t *rows = NULL;

    if (!r) {
        rows = fetch_rows(st, def, &b, q->page_reverse);
        r = rows ? 0 : -EIO;
    }
    builder_destroy(&b);
    if (!r) {
        *ret = rows;
    }
    return r;
}

/* Writes the current row of 'stmt' as a JSON object. */
static void
write_row(struct sql_stmt *stmt, const struct resource_def *def, char **fields,
          store_row_func *extra, void *aux, struct ds *out)
{
    const char *id = NULL, *project = NULL;
    int project_len = 0;
    bool first = true;
    int col = 0;

    ds_put_char(out, '{');
    for (size_t i = 0; i < def->n_attrs; i++) {
        const struct attr *a = &def->attrs[i];
        int c = ATTR_STORED(a) ? col++ : -1;
        const char *text;
        int len;

        if (c < 0 || !query_fields_want(fields, a->name)) {
            if (c >= 0 && !strcmp(a->name, "id")) {
                id = sql_column_text(stmt, c);
            }
            if (c >= 0 && !strcmp(a->name, "project_id")) {
                project = sql_column_text(stmt, c);
                project_len = sql_column_bytes(stmt, c);
            }
            continue;
        }
        ds_put_cstr(out, first ? "" : ",");
        first = false;
        json_put_string(out, a->name, strlen(a->name));
        ds_put_char(out, ':');
        text = sql_column_text(stmt, c);
        len = sql_column_bytes(stmt, c);
        if (!text) {
            ds_put_cstr(out, "null");
        } else if (a->type == COL_BOOL) {
            ds_put_cstr(out, sql_column_int64(stmt, c) ? "true" : "false");
        } else if (a->type == COL_INT || a->type == COL_JSON) {
            ds_put_buf(out, text, len); /* Our own JSON, stored as text. */
        } else {
            json_put_string(out, text, len);
        }
        if (!strcmp(a->name, "id")) {
            id = text;
        } else if (!strcmp(a->name, "project_id")) {
            project = text;
            project_len = len;
        }
    }
    if (project && query_fields_want(fields, "tenant_id")) {
        ds_put_cstr(out, first ? "\"tenant_id\":" : ",\"tenant_id\":");
        json_put_string(out, project, project_len);
        first = false;
    }
    if (extra && id) {
        extra(aux, id, fields, first, out);
    }
    ds_put_char(out, '}');
}

int
store_list_json(struct store *st, const struct resource_def *def,
                const struct list_query *q, store_row_func *extra, void *aux,
                struct ds *out, json_t **ret_ids)
{
    struct sql_builder b = {DS_EMPTY_INITIALIZER, json_array(), json_array()};
    int r = build_list_query(st, def, q, &b);
    struct sql_stmt *stmt = r ? NULL : prepare(st, ds_cstr(&b.sql));
    json_t *rows = json_array(), *ids = json_array();
    struct ds one = DS_EMPTY_INITIALIZER;
    size_t i;
    json_t *v;
    int rc = SQL_DONE;

    if (!r && !stmt) {
        r = -EIO;
    }
    json_array_foreach (stmt ? b.params : NULL, i, v) {
        bind_column_value(stmt, i + 1,
                          json_integer_value(json_array_get(b.param_types, i)),
                          v);
    }
    while (stmt && (rc = sql_step(stmt)) == SQL_ROW) {
        /* "id" is every table's first column (STANDARD_ATTRS). */
        json_t *id = json_string(sql_column_text(stmt, 0));
        if (!q->page_reverse) {
            ds_put_cstr(out, json_array_size(ids) ? "," : "");
            write_row(stmt, def, q->fields, extra, aux, out);
            json_array_append_new(ids, id);
            continue;
        }
        /* Reversed pages come out of SQL backwards. */
        ds_clear(&one);
        write_row(stmt, def, q->fields, extra, aux, &one);
        json_array_insert_new(rows, 0, json_string(ds_cstr(&one)));
        json_array_insert_new(ids, 0, id);
    }
    if (stmt) {
        sql_reset(stmt);
    }
    if (!r && rc != SQL_DONE) {
        log_error("list query failed");
        r = -EIO;
    }
    json_array_foreach (rows, i, v) {
        ds_put_cstr(out, i ? "," : "");
        ds_put_cstr(out, json_string_value(v));
    }
    ds_destroy(&one);
    json_decref(rows);
    builder_destroy(&b);
    if (r) {
        json_decref(ids);
        return r;
    }
    *ret_ids = ids;
    return 0;
}

int
store_rbac_allows(struct store *st, const char *network_id, const char *action,
                  const char *project)
{
    return exists_texts(st,
                        "SELECT 1 FROM networkrbacs WHERE object_id = ?"
                        " AND action = ? AND target_project IN (?, '*')",
                        TEXTS(network_id, action, project));
}

int
store_rbac_in_use(struct store *st, const char *network_id, const char *owner,
                  const char *target)
{
    /* Projects that keep access without the policy: the owner and, for
     * the wildcard, every other target; for a project, all if a
     * wildcard remains. */
    if (!strcmp(target, "*")) {
        return exists_texts(
            st,
            "SELECT 1 FROM ports WHERE network_id = ? AND project_id != ?"
            " AND project_id NOT IN (SELECT target_project FROM networkrbacs"
            " WHERE object_id = ? AND action = 'access_as_shared'"
            " AND target_project != '*')",
            TEXTS(network_id, owner, network_id));
    }
    return exists_texts(
        st,
        "SELECT 1 FROM ports WHERE network_id = ? AND project_id = ?"
        " AND project_id != ? AND NOT EXISTS (SELECT 1 FROM networkrbacs"
        " WHERE object_id = ? AND action = 'access_as_shared'"
        " AND target_project = '*')",
        TEXTS(network_id, target, owner, network_id));
}

long
store_count_owned(struct store *st, const struct resource_def *def,
                  const char *project)
{
    struct sql_stmt *stmt =
        prepare(st, "SELECT in_use FROM quota_usages"
                    " WHERE resource = ? AND project_id = ?");
    long n = -EIO;
    int rc;

    if (!stmt) {
        return n;
    }
    bind_text(stmt, 1, def->table);
    bind_text(stmt, 2, project);
    rc = sql_step(stmt);
    n = rc == SQL_ROW    ? sql_column_int64(stmt, 0)
        : rc == SQL_DONE ? 0
                         : step_error(rc);
    sql_reset(stmt);
    return n;
}

int
store_quota_get(struct store *st, const char *project, const char *resource,
                long *ret)
{
    struct sql_stmt *stmt =
        prepare(st, "SELECT quota_limit FROM quotas"
                    " WHERE project_id = ? AND resource = ?");
    int rc, r;

    if (!stmt) {
        return -EIO;
    }
    bind_text(stmt, 1, project);
    bind_text(stmt, 2, resource);
    rc = sql_step(stmt);
    r = rc == SQL_ROW ? 0 : rc == SQL_DONE ? -ENOENT : step_error(rc);
    if (!r) {
        *ret = sql_column_int64(stmt, 0);
    }
    sql_reset(stmt);
    return r;
}

int
store_quota_list(struct store *st, const char *project, json_t **ret)
{
    struct sql_stmt *stmt =
        prepare(st, project ? "SELECT project_id, resource, quota_limit"
                              " FROM quotas WHERE project_id = ?"
                            : "SELECT project_id, resource, quota_limit"
                              " FROM quotas ORDER BY project_id");
    json_t *all = json_object();
    int rc;

    if (!stmt) {
        json_decref(all);
        return -EIO;
    }
    if (project) {
        bind_text(stmt, 1, project);
    }
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        const char *p = sql_column_text(stmt, 0);
        json_t *limits = json_object_get(all, p);

        if (!limits) {
            limits = json_object();
            json_object_set_new(all, p, limits);
        }
        json_object_set_new(limits, sql_column_text(stmt, 1),
                            json_integer(sql_column_int64(stmt, 2)));
    }
    sql_reset(stmt);
    if (rc != SQL_DONE) {
        json_decref(all);
        return step_error(rc);
    }
    *ret = all;
    return 0;
}

int
store_quota_set(struct store *st, const char *project, const char *resource,
                long limit)
{
    struct sql_stmt *stmt =
        prepare(st, "INSERT INTO quotas (project_id, resource, quota_limit)"
                    " VALUES (?, ?, ?) ON CONFLICT (project_id, resource)"
                    " DO UPDATE SET quota_limit = excluded.quota_limit");

    if (!stmt) {
        return -EIO;
    }
    bind_text(stmt, 1, project);
    bind_text(stmt, 2, resource);
    sql_bind_int64(stmt, 3, limit);
    return run(st, stmt);
}

int
store_quota_delete(struct store *st, const char *project)
{
    int r = run_texts(st, "DELETE FROM quotas WHERE project_id = ?",
                      TEXTS(project));

    return r ? r : sql_changes(st->db) ? 0 : -ENOENT;
}

int
store_segment_claim(struct store *st, const char *type, const char *physnet,
                    int segid, const char *network_id)
{
    struct sql_stmt *stmt = prepare(st, "INSERT INTO segments (network_type, "
                                        "physical_network, segmentation_id, "
                                        "network_id) VALUES (?, ?, ?, ?)");

    if (!stmt) {
        return -EIO;
    }
    bind_text(stmt, 1, type);
    bind_text(stmt, 2, physnet);
    sql_bind_int64(stmt, 3, segid);
    bind_text(stmt, 4, network_id);
    return run(st, stmt);
}

int
store_segment_free_vlan(struct store *st, const char *physnet, int min,
                        int max, int *ret)
{
    struct sql_stmt *stmt = prepare(st, "SELECT segmentation_id FROM segments "
                                        "WHERE network_type = 'vlan' AND "
                                        "physical_network = ? AND "
                                        "segmentation_id BETWEEN ? AND ? "
                                        "ORDER BY segmentation_id");
    int next = min;

    if (!stmt) {
        return -EIO;
    }
    bind_text(stmt, 1, physnet);
    sql_bind_int64(stmt, 2, min);
    sql_bind_int64(stmt, 3, max);
    while (sql_step(stmt) == SQL_ROW) {
        int used = sql_column_int64(stmt, 0);
        if (used > next) {
            break;
        }
        next = used + 1;
    }
    sql_reset(stmt);
    if (next > max) {
        return -ENOSPC;
    }
    *ret = next;
    return 0;
}

int
store_segment_release(struct store *st, const char *network_id)
{
    return run_texts(st, "DELETE FROM segments WHERE network_id = ?",
                     TEXTS(network_id));
}

int
store_tags_set(struct store *st, const struct resource_def *def,
               const char *id, json_t *tags)
{
    int r = run_texts(st,
                      "DELETE FROM tags WHERE resource_type = ? AND "
                      "resource_id = ?",
                      TEXTS(def->singular, id));
    json_t *row;
    size_t i;
    json_t *tag;

    json_array_foreach (tags, i, tag) {
        if (r) {
            return r;
        }
        r = run_texts(st,
                      "INSERT INTO tags (resource_type, resource_id, tag) "
                      "VALUES (?, ?, ?)",
                      TEXTS(def->singular, id, json_string_value(tag)));
    }
    if (r) {
        return r;
    }
    row = json_pack("{s:O}", "tags", tags);
    r = store_update(st, def, id, row);
    json_decref(row);
    return r;
}

int
store_ip_insert(struct store *st, const char *port_id, const char *subnet_id,
                const char *network_id, const struct ip_addr *a)
{
    char key[IP_KEYLEN], text[IP_STRLEN];

    ip_to_key(a, key);
    ip_format(a, text);
    return run_texts(st,
                     "INSERT INTO ipallocations (subnet_id, ip_key, "
                     "ip_address, port_id, network_id) VALUES (?, ?, ?, ?, ?)",
                     TEXTS(subnet_id, key, text, port_id, network_id));
}

int
store_ip_delete(struct store *st, const char *subnet_id,
                const struct ip_addr *a)
{
    char key[IP_KEYLEN];

    ip_to_key(a, key);
    return run_texts(st,
                     "DELETE FROM ipallocations WHERE subnet_id = ? AND "
                     "ip_key = ?",
                     TEXTS(subnet_id, key));
}

int
store_ip_exists(struct store *st, const char *subnet_id,
                const struct ip_addr *a)
{
    char key[IP_KEYLEN];

    ip_to_key(a, key);
    return exists_texts(st,
                        "SELECT 1 FROM ipallocations WHERE subnet_id = ? AND "
                        "ip_key = ?",
                        TEXTS(subnet_id, key));
}

long
store_ip_count(struct store *st, const char *subnet_id,
               const char *except_port_id)
{
    struct sql_stmt *stmt =
        prepare(st, "SELECT COUNT(*) FROM ipallocations "
                    "WHERE subnet_id = ? AND port_id <> ?");
    long n = 0;

    if (!stmt) {
        return -EIO;
    }
    bind_text(stmt, 1, subnet_id);
    bind_text(stmt, 2, except_port_id ? except_port_id : "");
    if (sql_step(stmt) == SQL_ROW) {
        n = sql_column_int64(stmt, 0);
    }
    sql_reset(stmt);
    return n;
}

json_t *
store_ip_keys(struct store *st, const char *subnet_id,
              const struct ip_addr *first, const struct ip_addr *last)
{
    struct sql_stmt *stmt = prepare(st, "SELECT ip_key FROM ipallocations "
                                        "WHERE subnet_id = ? AND ip_key "
                                        "BETWEEN ? AND ? ORDER BY ip_key");
    char k0[IP_KEYLEN], k1[IP_KEYLEN];
    json_t *keys = json_array();

    if (!stmt) {
        return keys;
    }
    ip_to_key(first, k0);
    ip_to_key(last, k1);
    bind_text(stmt, 1, subnet_id);
    bind_text(stmt, 2, k0);
    bind_text(stmt, 3, k1);
    while (sql_step(stmt) == SQL_ROW) {
        json_array_append_new(keys, json_string(sql_column_text(stmt, 0)));
    }
    sql_reset(stmt);
    return keys;
}

int
store_range_insert(struct store *st, const char *subnet_id,
                   const struct ip_range *range)
{
    char k0[IP_KEYLEN], k1[IP_KEYLEN];

    ip_to_key(&range->first, k0);
    ip_to_key(&range->last, k1);
    return run_texts(st,
                     "INSERT INTO ipam_ranges (subnet_id, first_key, "
                     "last_key) VALUES (?, ?, ?)",
                     TEXTS(subnet_id, k0, k1));
}

int
store_range_delete(struct store *st, const char *subnet_id,
                   const struct ip_addr *first)
{
    char k0[IP_KEYLEN];

    ip_to_key(first, k0);
    return run_texts(st,
                     "DELETE FROM ipam_ranges WHERE subnet_id = ? AND "
                     "first_key = ?",
                     TEXTS(subnet_id, k0));
}

/* Sets one key column of the range starting at 'first' to 'value'. */
static int
update_range(struct store *st, const char *sql, const char *subnet_id,
             const struct ip_addr *first, const struct ip_addr *value)
{
    char k0[IP_KEYLEN], k1[IP_KEYLEN];

    ip_to_key(first, k0);
    ip_to_key(value, k1);
    return run_texts(st, sql, TEXTS(k1, subnet_id, k0));
}

int
store_range_set_last(struct store *st, const char *subnet_id,
                     const struct ip_addr *first, const struct ip_addr *last)
{
    return update_range(st,
                        "UPDATE ipam_ranges SET last_key = ? WHERE "
                        "subnet_id = ? AND first_key = ?",
                        subnet_id, first, last);
}

int
store_range_move_first(struct store *st, const char *subnet_id,
                       const struct ip_addr *first,
                       const struct ip_addr *new_first)
{
    return update_range(st,
                        "UPDATE ipam_ranges SET first_key = ? WHERE "
                        "subnet_id = ? AND first_key = ?",
                        subnet_id, first, new_first);
}

int
store_range_delete_all(struct store *st, const char *subnet_id)
{
    return run_texts(st, "DELETE FROM ipam_ranges WHERE subnet_id = ?",
                     TEXTS(subnet_id));
}

static int
read_range(struct sql_stmt *stmt, int version, struct ip_range *r)
{
    if (ip_from_key(sql_column_text(stmt, 0), version, &r->first) < 0
        || ip_from_key(sql_column_text(stmt, 1), version, &r->last) < 0) {
        return -EIO;
    }
    return 0;
}

int
store_range_list(struct store *st, const char *subnet_id, int version,
                 const struct ip_addr *from, struct ip_range *ranges, int max)
{
    struct sql_stmt *stmt = prepare(st, "SELECT first_key, last_key FROM "
                                        "ipam_ranges WHERE subnet_id = ? AND "
                                        "last_key >= ? ORDER BY first_key "
                                        "LIMIT ?");
    char key[IP_KEYLEN] = "";
    int n = 0;

    if (!stmt) {
        return -EIO;
    }
    if (from) {
        ip_to_key(from, key);
    }
    bind_text(stmt, 1, subnet_id);
    bind_text(stmt, 2, key);
    sql_bind_int64(stmt, 3, max);
    while (n < max && sql_step(stmt) == SQL_ROW) {
        if (read_range(stmt, version, &ranges[n]) < 0) {
            sql_reset(stmt);
            return -EIO;
        }
        n++;
    }
    sql_reset(stmt);
    return n;
}

int
store_range_find(struct store *st, const char *subnet_id,
                 const struct ip_addr *a, struct ip_range *ret)
{
    struct sql_stmt *stmt = prepare(st, "SELECT first_key, last_key FROM "
                                        "ipam_ranges WHERE subnet_id = ? AND "
                                        "first_key <= ? ORDER BY first_key "
                                        "DESC LIMIT 1");
    char key[IP_KEYLEN];
    struct ip_range r;
    int found = 0;

    if (!stmt) {
        return -EIO;
    }
    ip_to_key(a, key);
    bind_text(stmt, 1, subnet_id);
    bind_text(stmt, 2, key);
    if (sql_step(stmt) == SQL_ROW && read_range(stmt, a->version, &r) == 0
        && ip_cmp(a, &r.last) <= 0) {
        *ret = r;
        found = 1;
    }
    sql_reset(stmt);
    return found;
}

int
store_mac_exists(struct store *st, const char *network_id, const char *mac)
{
    return exists_texts(st,
                        "SELECT 1 FROM ports WHERE network_id = ? AND "
                        "mac_address = ?",
                        TEXTS(network_id, mac));
}

int
store_notify_fd(struct store *st, unsigned long *ret_session)
{
    return sql_notify_fd(st->db, ret_session);
}

int
store_take_notifications(struct store *st)
{
    return sql_take_notifications(st->db);
}

int
store_log_change(struct store *st, const struct resource_def *def,
                 const char *id)
{
    return log_change(st, def, id, false, NULL);
}

int
store_default_sg_get(struct store *st, const char *project_id, char **ret)
{
    struct sql_stmt *stmt = prepare(st, "SELECT security_group_id FROM"
                                        " default_security_groups"
                                        " WHERE project_id = ?");
    int rc;

    if (!stmt) {
        return -EIO;
    }
    bind_text(stmt, 1, project_id);
    rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        *ret = xstrdup(sql_column_text(stmt, 0));
    }
    sql_reset(stmt);
    return rc == SQL_ROW ? 0 : rc == SQL_DONE ? -ENOENT : step_error(rc);
}

int
store_default_sg_set(struct store *st, const char *project_id,
                     const char *sg_id)
{
    return run_texts(st,
                     "INSERT INTO default_security_groups (project_id,"
                     " security_group_id) VALUES (?, ?)",
                     TEXTS(project_id, sg_id));
}

int
store_sg_is_default(struct store *st, const char *sg_id)
{
    return exists_texts(st,
                        "SELECT 1 FROM default_security_groups"
                        " WHERE security_group_id = ?",
                        TEXTS(sg_id));
}

int
store_sg_bindings_set(struct store *st, const char *port_id, json_t *sg_ids,
                      bool replace)
{
    int r = !replace ? 0
                     : run_texts(st,
                                 "DELETE FROM security_group_port_bindings"
                                 " WHERE port_id = ?",
                                 TEXTS(port_id));
    size_t i;
    json_t *id;

    json_array_foreach (sg_ids, i, id) {
        if (r) {
            break;
        }
        r = run_texts(st,
                      "INSERT INTO security_group_port_bindings"
                      " (port_id, security_group_id) VALUES (?, ?)"
                      " ON CONFLICT DO NOTHING",
                      TEXTS(port_id, json_string_value(id)));
    }
    return r;
}

int
store_sg_in_use(struct store *st, const char *sg_id)
{
    return exists_texts(st,
                        "SELECT 1 FROM security_group_port_bindings"
                        " WHERE security_group_id = ?",
                        TEXTS(sg_id));
}

/* Appends the text of each row's first column to 'out' (a JSON column's
 * array items' "ip_address" when 'pairs'). */
static int
collect_addresses(struct store *st, struct sql_stmt *stmt, bool pairs,
                  json_t *out)
{
    int rc;

    while ((rc = sql_step(stmt)) == SQL_ROW) {
        json_t *list, *item;
        size_t i;

        if (!pairs) {
            json_array_append_new(out, json_string(sql_column_text(stmt, 0)));
            continue;
        }
        list = column_json(stmt, 0, COL_JSON);
        json_array_foreach (list, i, item) {
            json_t *ip = json_object_get(item, "ip_address");
            if (json_is_string(ip)) {
                json_array_append(out, ip);
            }
        }
        json_decref(list);
    }
    sql_reset(stmt);
    return rc == SQL_DONE ? 0 : step_error(rc);
}

int
store_sg_member_addresses(struct store *st, const char *sg_id, json_t **ret)
{
    static const char *const sql[2] = {
        "SELECT a.ip_address FROM ipallocations a"
        " JOIN security_group_port_bindings b ON b.port_id = a.port_id"
        " WHERE b.security_group_id = ? ORDER BY a.ip_key",
        "SELECT p.allowed_address_pairs FROM ports p"
        " JOIN security_group_port_bindings b ON b.port_id = p.id"
        " WHERE b.security_group_id = ? AND p.allowed_address_pairs <> '[]'"
        " ORDER BY p.created_at, p.id",
    };
    json_t *out = json_array();
    int r = 0;

    for (int i = 0; i < 2 && !r; i++) {
        struct sql_stmt *stmt = prepare(st, sql[i]);
        if (!stmt) {
            r = -EIO;
            break;
        }
        bind_text(stmt, 1, sg_id);
        r = collect_addresses(st, stmt, i == 1, out);
    }
    if (r) {
        json_decref(out);
        return r;
    }
    *ret = out;
    return 0;
}

/* ---- DHCP scheduling. ---- */

/* The rows of 'stmt' (parameters bound): each one's first column as a
 * string, or with 'n_cols' > 1 an array of its first 'n_cols' columns. */
static json_t *
text_rows(struct sql_stmt *stmt, int n_cols)
{
    json_t *rows = json_array();

    while (stmt && sql_step(stmt) == SQL_ROW) {
        json_t *row = n_cols > 1 ? json_array() : NULL;
        for (int i = 0; i < n_cols; i++) {
            const char *v = sql_column_text(stmt, i);
            json_t *s = json_string(v ? v : "");
            if (row) {
                json_array_append_new(row, s);
            } else {
                row = s;
            }
        }
        json_array_append_new(rows, row);
    }
    if (stmt) {
        sql_reset(stmt);
    }
    return rows;
}

static json_t *
text_rows_of(struct store *st, const char *sql, int n_cols, size_t n,
             const char *const args[])
{
    struct sql_stmt *stmt = prepare(st, sql);

    for (size_t i = 0; stmt && i < n; i++) {
        bind_text(stmt, i + 1, args[i]);
    }
    return text_rows(stmt, n_cols);
}

int
store_dhcp_bind(struct store *st, const char *network_id, const char *agent_id)
{
    return run_texts(st,
                     "INSERT INTO networkdhcpagentbindings (network_id,"
                     " dhcp_agent_id) VALUES (?, ?)",
                     TEXTS(network_id, agent_id));
}

int
store_dhcp_unbind(struct store *st, const char *network_id,
                  const char *agent_id)
{
    int r = run_texts(st,
                      "DELETE FROM networkdhcpagentbindings WHERE"
                      " network_id = ? AND dhcp_agent_id = ?",
                      TEXTS(network_id, agent_id));

    return r ? r : sql_changes(st->db) ? 0 : -ENOENT;
}

json_t *
store_dhcp_agents_of(struct store *st, const char *network_id)
{
    return text_rows_of(st,
                        "SELECT dhcp_agent_id FROM networkdhcpagentbindings"
                        " WHERE network_id = ? ORDER BY dhcp_agent_id",
                        1, TEXTS(network_id));
}

json_t *
store_dhcp_networks_of(struct store *st, const char *agent_id)
{
    return text_rows_of(st,
                        "SELECT network_id FROM networkdhcpagentbindings"
                        " WHERE dhcp_agent_id = ? ORDER BY network_id",
                        1, TEXTS(agent_id));
}

json_t *
store_dhcp_candidates(struct store *st)
{
    return text_rows_of(
        st,
        "SELECT a.id, a.host, a.heartbeat_timestamp FROM agents a"
        " WHERE a.agent_type = 'DHCP agent' AND a.admin_state_up = 1"
        " ORDER BY (SELECT count(*) FROM networkdhcpagentbindings b"
        " WHERE b.dhcp_agent_id = a.id), a.host",
        3, 0, NULL);
}

json_t *
store_dhcp_stale_bindings(struct store *st, const char *cutoff)
{
    return text_rows_of(
        st,
        "SELECT b.network_id, b.dhcp_agent_id, a.host"
        " FROM networkdhcpagentbindings b JOIN agents a"
        " ON a.id = b.dhcp_agent_id WHERE a.heartbeat_timestamp < ?"
        " ORDER BY b.network_id",
        3, TEXTS(cutoff));
}

json_t *
store_dhcp_underhosted(struct store *st, int per_network)
{
    struct sql_stmt *stmt = prepare(
        st, "SELECT n.id FROM networks n WHERE EXISTS (SELECT 1 FROM"
            " subnets s WHERE s.network_id = n.id AND s.enable_dhcp = 1)"
            " AND (SELECT count(*) FROM networkdhcpagentbindings b"
            " WHERE b.network_id = n.id) < ? ORDER BY n.created_at, n.id");

    if (stmt) {
        sql_bind_int64(stmt, 1, per_network);
    }
    return text_rows(stmt, 1);
}
