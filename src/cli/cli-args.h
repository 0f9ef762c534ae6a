/* Command-line options of one neutrino command, parsed as Python's
 * argparse parses the openstack CLI's: "--name VALUE" or "--name=VALUE",
 * short options "-c VALUE" / "-cVALUE", unambiguous prefixes of long
 * options, "--" ending the options, positional arguments anywhere, and
 * mutually exclusive groups.
 *
 * A command describes its options in tables of struct cli_opt; the parsed
 * values point into argv (which must outlive them).  On a usage error the
 * parser returns -EINVAL with argparse's message. */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H 1

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

enum cli_opt_kind {
    CLI_OPT_FLAG,   /* --share */
    CLI_OPT_VALUE,  /* --name NAME: the last one wins. */
    CLI_OPT_APPEND, /* --tag TAG: every one counts. */
};

struct cli_opt {
    const char *name;  /* Long form, "--share". */
    const char *alias; /* Short form, "-c", or NULL. */
    enum cli_opt_kind kind;
    int group; /* Non-zero: excludes the other options of this group. */
};

/* Parsed options: one slot per option of the tables given to the parser. */
struct cli_args {
    const struct cli_opt *const *tables; /* NULL-terminated. */
    const size_t *sizes;
    const char ***values; /* Per option, in table order. */
    size_t *counts;
    const char **pos; /* Positional arguments. */
    size_t n_pos;
};

/* Parses 'argv' (the words after the command's name) against the option
 * tables 'tables' (NULL-terminated, 'sizes' entries each).  Returns 0, or
 * -EINVAL with argparse's message in '*ret_error' (malloc'd). */
int cli_args_parse(struct cli_args *, const struct cli_opt *const *tables,
                   const size_t *sizes, int argc, char **argv,
                   char **ret_error) WARN_UNUSED;
void cli_args_destroy(struct cli_args *);

/* Whether option 'name' was given (any kind). */
bool cli_args_flag(const struct cli_args *, const char *name);
/* The last value of option 'name', or NULL. */
const char *cli_args_value(const struct cli_args *, const char *name);
/* Every value of option 'name', in order; returns their count (0 also
 * when the command has no such option, so tables shared by several
 * commands can name options only some of them take). */
size_t cli_args_values(const struct cli_args *, const char *name,
                       const char *const **ret_values);

#endif /* cli/cli-args.h */
