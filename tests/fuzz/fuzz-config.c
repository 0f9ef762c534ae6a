/* Fuzz target: INI configuration files.
 *
 * Writes the input to a temporary file (one path per process, made by
 * mkstemp() in LLVMFuzzerInitialize() and removed at exit) and loads it
 *
 *   - through config_load() with a small table of every stock parser
 *     (string, bool, int with and without a range, comma list) into a local
 *     struct, once as one file and once as the same file given twice (a
 *     later file replaces earlier values, which frees them);
 *   - through server_config_load(), the server's own option table, with
 *     its custom parsers (base_mac, VLAN ranges, physnet MTUs, ...).
 *
 * Checks: an error is returned exactly when loading failed, and reads
 * "FILE:LINE: ..."; integers stay within their ranges; lists are
 * NULL-terminated with trimmed, non-empty items; on success the server's
 * structured options are well formed. */
#include "fuzz.h"

#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "api/server-config.h"
#include "core/config.h"

static char tmp_path[] = "/tmp/neutrino-fuzz-config-XXXXXX";
static bool have_path;

struct fuzz_config {
    char *name;
    char *connection;
    bool debug;
    bool use_x;
    int workers; /* 1..64 */
    int any;     /* Any int. */
    int port;    /* 0..65535 */
    char **list;
    char **other_list;
};

static const struct config_int_range workers_range = {1, 64};
static const struct config_int_range port_range = {0, 65535};

#define OPT(SECTION, KEY, PARSE, FIELD, ARG)                                  \
    {                                                                         \
        SECTION, KEY, PARSE, offsetof(struct fuzz_config, FIELD), ARG         \
    }

static const struct config_option options[] = {
    OPT("DEFAULT", "name", config_parse_string, name, NULL),
    OPT("DEFAULT", "debug", config_parse_bool, debug, NULL),
    OPT("DEFAULT", "workers", config_parse_int, workers, &workers_range),
    OPT("DEFAULT", "any", config_parse_int, any, NULL),
    OPT("DEFAULT", "list", config_parse_strv, list, NULL),
    OPT("database", "connection", config_parse_string, connection, NULL),
    OPT("database", "port", config_parse_int, port, &port_range),
    OPT("x", "use_x", config_parse_bool, use_x, NULL),
    OPT("x", "list", config_parse_strv, other_list, NULL),
    /* A second entry for the same key: the first one wins. */
    OPT("x", "use_x", config_parse_int, any, NULL),
};

static void
remove_tmp(void)
{
    if (have_path) {
        unlink(tmp_path);
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int fd = mkstemp(tmp_path);

    if (fd < 0) {
        perror("mkstemp");
        abort();
    }
    close(fd);
    have_path = true;
    atexit(remove_tmp);
    return 0;
}

static void
check_error(int r, const char *error, int n_files)
{
    size_t len = strlen(tmp_path);

    if (!r) {
        FUZZ_CHECK(!error, "success with error '%s'", error);
        return;
    }
    FUZZ_CHECK(r < 0, "config_load returned %d", r);
    FUZZ_CHECK(error, "failure %d without an error", r);
    FUZZ_CHECK(!strncmp(error, tmp_path, len) && error[len] == ':',
               "error does not start with the file name: '%s'", error);
    FUZZ_CHECK(strchr(error + len + 1, ':'), "error without a line: '%s'",
               error);
}

static void
check_strv(char **v, const char *what)
{
    for (size_t i = 0; v && v[i]; i++) {
        size_t len = strlen(v[i]);

        FUZZ_CHECK(len, "%s: empty item %zu", what, i);
        FUZZ_CHECK(!strchr(v[i], ','), "%s: comma in item '%s'", what, v[i]);
        FUZZ_CHECK(v[i][0] != ' ' && v[i][0] != '\t' && v[i][len - 1] != ' '
                       && v[i][len - 1] != '\t',
                   "%s: untrimmed item '%s'", what, v[i]);
    }
}

static void
load_table(int n_files)
{
    char *files[2] = {tmp_path, tmp_path};
    struct fuzz_config cfg = {.workers = 1};
    char *error = NULL;
    int r;

    r = config_load(files, (size_t) n_files, options,
                    sizeof options / sizeof *options, &cfg, &error);
    check_error(r, error, n_files);
    /* Rejected values are never stored, so ranges hold even on failure. */
    FUZZ_CHECK(cfg.workers >= 1 && cfg.workers <= 64, "workers = %d",
               cfg.workers);
    FUZZ_CHECK(cfg.port >= 0 && cfg.port <= 65535, "port = %d", cfg.port);
    check_strv(cfg.list, "list");
    check_strv(cfg.other_list, "x.list");

    free(error);
    free(cfg.name);
    free(cfg.connection);
    strv_free(cfg.list);
    strv_free(cfg.other_list);
}

static void
load_server(void)
{
    char *files[1] = {tmp_path};
    struct server_config cfg;
    char *error = NULL;
    int r;

    r = server_config_load(&cfg, files, 1, &error);
    check_error(r, error, 1);
    if (!r) {
        FUZZ_CHECK(cfg.bind_port >= 0 && cfg.bind_port <= 65535,
                   "bind_port = %d", cfg.bind_port);
        FUZZ_CHECK(cfg.base_mac.fixed == 3 || cfg.base_mac.fixed == 4,
                   "base_mac.fixed = %d", cfg.base_mac.fixed);
        FUZZ_CHECK(cfg.pagination_max_limit >= -1, "pagination_max_limit %d",
                   cfg.pagination_max_limit);
        FUZZ_CHECK((server_config_sqlite_path(&cfg)
                    && *server_config_sqlite_path(&cfg))
                       || !strncmp(cfg.connection, "postgres", 8),
                   "connection '%s' neither SQLite nor PostgreSQL",
                   cfg.connection);
        FUZZ_CHECK(!strcmp(cfg.auth_strategy, "noauth")
                       || !strcmp(cfg.auth_strategy, "keystone"),
                   "auth_strategy %s", cfg.auth_strategy);
        for (size_t i = 0; i < cfg.vlan_ranges.n; i++) {
            const struct vlan_range *v = &cfg.vlan_ranges.items[i];

            FUZZ_CHECK(v->physnet, "vlan range %zu without physnet", i);
            FUZZ_CHECK(
                (v->min == 0 && v->max == 0)
                    || (v->min >= 1 && v->min <= v->max && v->max <= 4094),
                "vlan range %s:%d:%d", v->physnet, v->min, v->max);
            FUZZ_CHECK(server_config_vlan_range(&cfg, v->physnet),
                       "vlan range %s not found", v->physnet);
        }
        for (size_t i = 0; i < cfg.physnet_mtus.n; i++) {
            const struct physnet_mtu *m = &cfg.physnet_mtus.items[i];

            FUZZ_CHECK(m->physnet && *m->physnet, "physnet mtu %zu", i);
            FUZZ_CHECK(m->mtu >= 0 && m->mtu <= 65535, "mtu %d", m->mtu);
            (void) server_config_max_mtu(&cfg, m->physnet);
        }
        check_strv(cfg.tenant_network_types, "tenant_network_types");
        check_strv(cfg.flat_networks, "flat_networks");
        (void) server_config_flat_allowed(&cfg, "physnet1");
        (void) server_config_max_mtu(&cfg, NULL);
    }
    free(error);
    server_config_destroy(&cfg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f;

    if (!have_path) {
        /* A driver that does not call LLVMFuzzerInitialize(). */
        LLVMFuzzerInitialize(NULL, NULL);
    }
    f = fopen(tmp_path, "wb");
    if (!f) {
        perror(tmp_path);
        abort();
    }
    if (size && fwrite(data, 1, size, f) != size) {
        perror(tmp_path);
        abort();
    }
    if (fclose(f)) {
        perror(tmp_path);
        abort();
    }

    load_table(1);
    load_table(2);
    load_server();
    return 0;
}
