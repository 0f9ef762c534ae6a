/* The neutrino command: "neutrino [GLOBAL OPTIONS] RESOURCE VERB [ARGS]",
 * the openstack CLI's network commands with its flags and its output.
 *
 * cli_main() parses the global options (--os-endpoint, --os-project-id,
 * their OS_* variables), finds the command in the resource modules'
 * tables, parses its options (cli-args), runs it against the server
 * (cli-api) and prints its result (cli-format).  Exit status as the
 * openstack CLI's: 0 done, 1 the command failed (the message on stderr),
 * 2 a usage error. */
#ifndef CLI_CLI_H
#define CLI_CLI_H 1

#include <stdio.h>

#include <stdint.h>

#include "cli/cli-api.h"
#include "cli/cli-args.h"
#include "cli/cli-format.h"
#include "core/ds.h"

/* What a running command uses. */
struct cli_ctx {
    struct cli_api *api;
    struct cli_format_opts fmt; /* From -f, -c, --noindent, ... */
    struct ds out;              /* Printed to stdout at the end. */
    struct ds warnings;         /* Printed to stderr at the end. */
    const char *const *sort;    /* --sort-column, for lists. */
    size_t n_sort;
    bool sort_descending;
    char *error; /* The failure's message (malloc'd). */
};

/* What a command prints, which decides its formatter options. */
enum cli_kind {
    CLI_KIND_ONE,   /* One object: table, json, value, shell. */
    CLI_KIND_LIST,  /* Objects: table, json, value. */
    CLI_KIND_QUIET, /* Nothing. */
};

struct cli_command {
    const char *resource; /* "network", "security group rule", ... */
    const char *verb;     /* "create", "list", ... */
    enum cli_kind kind;
    const struct cli_opt *opts;
    size_t n_opts;
    const char *metavar; /* Positional arguments, "<network>". */
    size_t min_pos, max_pos;
    const char *required; /* An option argparse requires, or NULL. */
    /* Returns 0 or a negative errno with ctx->error set. */
    int (*run)(struct cli_ctx *, const struct cli_args *);
    /* Optional: argparse's checks of option values (types, choices,
     * ranges); returns 0 or -EINVAL with the usage error in '*ret_error'
     * (malloc'd), which exits 2 before anything is sent. */
    int (*check)(const struct cli_args *, char **ret_error);
};

/* Sets ctx->error to the formatted message and returns -EINVAL (any
 * command failure maps to exit status 1). */
int cli_fail(struct cli_ctx *, const char *fmt, ...) PRINTF_FORMAT(2, 3);

/* Runs the command line; returns the process's exit status.  Writes to
 * 'out' and 'err' only. */
int cli_main(int argc, char **argv, FILE *out, FILE *err);

#endif /* cli/cli.h */
