/* neutrino-server: options, configuration, wiring; then run the loop. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <systemd/sd-event.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/authz.h"
#include "api/feed.h"
#include "api/http.h"
#include "api/server-config.h"
#include "api/store.h"
#include "core/cmdline.h"
#include "core/log.h"

LOG_DEFINE_THIS_MODULE(main);

static const char usage[] =
    "usage: neutrino-server [--config-file FILE]... [--debug]\n"
    "Serves the OpenStack Networking (Neutron) v2.0 API.\n"
    "  --config-file FILE  INI file with Neutron's options; may be\n"
    "                      repeated, later files win\n"
    "  --debug             log at debug level\n"
    "  --help              show this help\n";

/* Makes the directories above 'path' (like mkdir -p of its dirname). */
static void
make_parent_dirs(const char *path)
{
    char *copy = xstrdup(path);

    for (char *p = copy + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            (void) mkdir(copy, 0755);
            *p = '/';
        }
    }
    free(copy);
}

static int
serve(const struct server_config *cfg, struct store *store,
      const struct authz *authz)
{
    struct http_server *http = NULL;
    struct feed *feed = NULL;
    struct api *api = NULL;
    struct auth *auth = NULL;
    sd_event *event = NULL;
    char *error = NULL;
    int r;

    r = sd_event_default(&event);
    if (r >= 0) {
        feed = feed_new(event, store, cfg);
        api = api_new(store, cfg, feed, authz);
        (void) sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        (void) sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        r = http_server_new(event, cfg->bind_host, cfg->bind_port,
                            cfg->max_request_body_size, api_handle_request,
                            api_commit_batch, api, &http);
        if (r < 0) {
            log_error_errno(r, "cannot listen on %s:%d", cfg->bind_host,
                            cfg->bind_port);
        }
    }
    if (r >= 0 && streq(cfg->auth_strategy, "keystone")) {
        r = auth_new(event, cfg, &auth, &error);
        if (r < 0) {
            log_error("%s", error);
        } else {
            http_server_set_gate(http, auth_gate, auth);
        }
    }
    if (r >= 0) {
        printf("neutrino-server: listening on http://%s%s%s:%d\n",
               strchr(cfg->bind_host, ':') ? "[" : "", cfg->bind_host,
               strchr(cfg->bind_host, ':') ? "]" : "", http_server_port(http));
        fflush(stdout);
        r = sd_event_loop(event);
    }
    auth_free(auth); /* Answers the requests it holds, so first. */
    http_server_free(http);
    feed_free(feed);
    api_free(api);
    sd_event_unref(event);
    free(error);
    return r;
}

int
main(int argc, char *argv[])
{
    struct server_config cfg;
    struct store *store = NULL;
    struct authz *authz = NULL;
    char **files = NULL, *error = NULL;
    size_t n_files = 0;
    sigset_t mask;
    int r;

    /* Blocked before any thread starts, so only the loop's signalfd sees
     * them. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Large list responses get pages of their own, returned when freed,
     * rather than growing the heap for good. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    r = cmdline_parse("neutrino-server", usage, argc, argv, &files, &n_files);

    if (r <= 0) {
        free(files);
        return r ? 2 : 0;
    }
    r = server_config_load(&cfg, files, n_files, &error);
    if (r < 0) {
        fprintf(stderr, "neutrino-server: %s\n", error);
    } else {
        if (server_config_sqlite_path(&cfg)) {
            make_parent_dirs(server_config_sqlite_path(&cfg));
        }
        r = store_open(cfg.connection,
                       !strcasecmp(cfg.sqlite_synchronous, "full"), &store,
                       &error);
        if (r < 0) {
            fprintf(stderr, "neutrino-server: database: %s\n", error);
        }
    }
    if (r >= 0) {
        r = authz_new(&cfg, &authz, &error);
        if (r < 0) {
            fprintf(stderr, "neutrino-server: policy: %s\n", error);
        }
    }
    if (r >= 0) {
        r = serve(&cfg, store, authz);
    }
    authz_free(authz);
    store_close(store);
    server_config_destroy(&cfg);
    free(error);
    free(files);
    return r < 0 ? 1 : 0;
}
