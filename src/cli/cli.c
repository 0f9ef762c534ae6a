#include "cli/cli.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli-auth.h"
#include "cli/commands.h"

int
cli_fail(struct cli_ctx *ctx, const char *fmt, ...)
{
    va_list args;

    free(ctx->error);
    va_start(args, fmt);
    ctx->error = xvasprintf(fmt, args);
    va_end(args);
    return -EINVAL;
}

/* The formatter options cliff gives every command that prints. */
static const struct cli_opt one_opts[] = {
    {"--help", "-h", CLI_OPT_FLAG, 0},
    {"--format", "-f", CLI_OPT_VALUE, 0},
    {"--column", "-c", CLI_OPT_APPEND, 0},
    {"--noindent", NULL, CLI_OPT_FLAG, 0},
    {"--prefix", NULL, CLI_OPT_VALUE, 0},
    {"--max-width", NULL, CLI_OPT_VALUE, 0},
    {"--fit-width", NULL, CLI_OPT_FLAG, 0},
    {"--print-empty", NULL, CLI_OPT_FLAG, 0},
};
static const struct cli_opt list_opts[] = {
    {"--help", "-h", CLI_OPT_FLAG, 0},
    {"--format", "-f", CLI_OPT_VALUE, 0},
    {"--column", "-c", CLI_OPT_APPEND, 0},
    {"--quote", NULL, CLI_OPT_VALUE, 0},
    {"--noindent", NULL, CLI_OPT_FLAG, 0},
    {"--max-width", NULL, CLI_OPT_VALUE, 0},
    {"--fit-width", NULL, CLI_OPT_FLAG, 0},
    {"--print-empty", NULL, CLI_OPT_FLAG, 0},
    {"--sort-column", NULL, CLI_OPT_APPEND, 0},
    {"--sort-ascending", NULL, CLI_OPT_FLAG, 99},
    {"--sort-descending", NULL, CLI_OPT_FLAG, 99},
};
static const struct cli_opt quiet_opts[] = {
    {"--help", "-h", CLI_OPT_FLAG, 0},
};

struct command_table {
    const struct cli_command *commands;
    const size_t *n;
};

static const struct command_table tables[] = {
    {cli_network_commands, &cli_network_n_commands},
    {cli_subnet_commands, &cli_subnet_n_commands},
    {cli_port_commands, &cli_port_n_commands},
    {cli_agent_commands, &cli_agent_n_commands},
    {cli_security_group_commands, &cli_security_group_n_commands},
    {cli_address_group_commands, &cli_address_group_n_commands},
};

/* How many of the words at argv[0..] spell 'resource' ("security group
 * rule" takes three), or 0. */
static int
match_resource(int argc, char **argv, const char *resource)
{
    const char *p = resource;
    int n = 0;

    while (*p) {
        size_t len = strcspn(p, " ");

        if (n >= argc || strlen(argv[n]) != len || strncmp(argv[n], p, len)) {
            return 0;
        }
        n++;
        p += len + (p[len] == ' ');
    }
    return n;
}

/* Finds the command named by the words at argv[0..]; '*n_words' is how
 * many it took.  "agent VERB" stands for "network agent VERB". */
static const struct cli_command *
find_command(int argc, char **argv, int *n_words)
{
    for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
        for (size_t i = 0; i < *tables[t].n; i++) {
            const struct cli_command *c = &tables[t].commands[i];
            int n = match_resource(argc, argv, c->resource);

            if (!n && streq(c->resource, "network agent")) {
                n = match_resource(argc, argv, "agent");
            }
            if (n && n < argc && streq(argv[n], c->verb)) {
                *n_words = n + 1;
                return c;
            }
        }
    }
    return NULL;
}

static void
print_commands(FILE *f)
{
    fprintf(f, "usage: neutrino [--os-endpoint URL] [--os-project-id ID] "
               "COMMAND [OPTIONS]\n\nCommands:\n");
    fprintf(f, "  inspect network|port (see 'neutrino inspect --help')\n");
    for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
        for (size_t i = 0; i < *tables[t].n; i++) {
            const struct cli_command *c = &tables[t].commands[i];

            fprintf(f, "  %s %s\n", c->resource, c->verb);
        }
    }
}

static void
print_options(FILE *f, const struct cli_opt *opts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  %s%s%s%s\n", opts[i].alias ? opts[i].alias : "",
                opts[i].alias ? ", " : "", opts[i].name,
                opts[i].kind == CLI_OPT_FLAG     ? ""
                : opts[i].kind == CLI_OPT_APPEND ? " VALUE (repeatable)"
                                                 : " VALUE");
    }
}

static void
print_usage(FILE *f, const struct cli_command *c, const struct cli_opt *fmt,
            size_t n_fmt)
{
    fprintf(f, "usage: neutrino %s %s [OPTIONS]%s%s%s\n\n", c->resource,
            c->verb, c->metavar ? " " : "", c->metavar ? c->metavar : "",
            c->max_pos > 1 ? " [...]" : "");
    print_options(f, c->opts, c->n_opts);
    print_options(f, fmt, n_fmt);
}

/* cliff's --max-width (CLIFF_MAX_TERM_WIDTH) and --fit-width
 * (CLIFF_FIT_WIDTH=1): the width to fit tables to, 0 for none.  Fitting
 * without a width takes the terminal's, when stdout is one. */
static int
read_max_width(const struct cli_args *args, size_t *ret, char **error)
{
    const char *text = cli_args_value(args, "--max-width");
    const char *env_fit = getenv("CLIFF_FIT_WIDTH");
    bool fit = cli_args_flag(args, "--fit-width")
               || (env_fit && strtol(env_fit, NULL, 10));
    struct winsize ws;
    char *end;
    long v;

    text = text ? text : getenv("CLIFF_MAX_TERM_WIDTH");
    v = text && *text ? strtol(text, &end, 10) : 0;
    if (text && *text && *end) {
        *error =
            xasprintf("argument --max-width: invalid int value: '%s'", text);
        return -EINVAL;
    }
    *ret = v > 0 ? (size_t) v : 0;
    if (!*ret && fit && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws)) {
        *ret = ws.ws_col;
    }
    return 0;
}

/* Fills ctx->fmt from -f, -c, ...; returns 0 or -EINVAL with the usage
 * error in '*error'. */
static int
read_format_opts(struct cli_ctx *ctx, const struct cli_command *c,
                 const struct cli_args *args, char **error)
{
    /* In enum cli_output's order. */
    static const char *const names[] = {"table", "json", "value",
                                        "shell", "csv",  "yaml"};
    static const char *const quotes[] = {"nonnumeric", "minimal", "all",
                                         "none"};
    const char *f = cli_args_value(args, "--format");
    const char *q = cli_args_value(args, "--quote");
    bool one = c->kind == CLI_KIND_ONE;

    ctx->fmt.output = CLI_OUTPUT_TABLE;
    for (size_t i = 0; f && i < ARRAY_SIZE(names); i++) {
        if (streq(f, names[i])
            && (one ? i != CLI_OUTPUT_CSV : i != CLI_OUTPUT_SHELL)) {
            ctx->fmt.output = (enum cli_output) i;
            f = NULL;
        }
    }
    if (f) {
        *error = xasprintf("argument -f/--format: invalid choice: '%s' "
                           "(choose from %s)",
                           f,
                           one ? "'json', 'shell', 'table', 'value', 'yaml'"
                               : "'csv', 'json', 'table', 'value', 'yaml'");
        return -EINVAL;
    }
    ctx->fmt.quote = CLI_QUOTE_NONNUMERIC;
    for (size_t i = 0; q && i < ARRAY_SIZE(quotes); i++) {
        if (streq(q, quotes[i])) {
            ctx->fmt.quote = (enum cli_quote) i;
            q = NULL;
        }
    }
    if (q) {
        *error = xasprintf("argument --quote: invalid choice: '%s' (choose "
                           "from 'all', 'minimal', 'none', 'nonnumeric')",
                           q);
        return -EINVAL;
    }
    if (read_max_width(args, &ctx->fmt.max_width, error)) {
        return -EINVAL;
    }
    ctx->fmt.n_columns = cli_args_values(args, "--column", &ctx->fmt.columns);
    ctx->n_sort = cli_args_values(args, "--sort-column", &ctx->sort);
    ctx->sort_descending = cli_args_flag(args, "--sort-descending");
    ctx->fmt.noindent = cli_args_flag(args, "--noindent");
    ctx->fmt.print_empty = cli_args_flag(args, "--print-empty");
    ctx->fmt.prefix = cli_args_value(args, "--prefix");
    return 0;
}

/* argparse's checks of positional arguments and required options. */
static int
check_args(const struct cli_command *c, const struct cli_args *args,
           char **error)
{
    if (args->n_pos < c->min_pos) {
        *error =
            xasprintf("the following arguments are required: %s", c->metavar);
    } else if (c->required && !cli_args_flag(args, c->required)) {
        *error =
            xasprintf("the following arguments are required: %s", c->required);
    } else if (args->n_pos > c->max_pos) {
        struct ds extra = DS_EMPTY_INITIALIZER;

        for (size_t i = c->max_pos; i < args->n_pos; i++) {
            ds_put_format(&extra, "%s%s", i > c->max_pos ? " " : "",
                          args->pos[i]);
        }
        *error = xasprintf("unrecognized arguments: %s", ds_cstr(&extra));
        ds_destroy(&extra);
    } else {
        return 0;
    }
    return -EINVAL;
}

/* Runs command 'c' with its words 'argv'; returns the exit status. */
static int
run_command(const struct cli_command *c, const struct cli_auth *auth, int argc,
            char **argv, FILE *out, FILE *err)
{
    const struct cli_opt *fmt = c->kind == CLI_KIND_ONE    ? one_opts
                                : c->kind == CLI_KIND_LIST ? list_opts
                                                           : quiet_opts;
    size_t n_fmt = c->kind == CLI_KIND_ONE    ? ARRAY_SIZE(one_opts)
                   : c->kind == CLI_KIND_LIST ? ARRAY_SIZE(list_opts)
                                              : ARRAY_SIZE(quiet_opts);
    /* A command without options of its own has only the formatter's. */
    const struct cli_opt *const opt_tables[] = {c->opts ? c->opts : fmt,
                                                c->opts ? fmt : NULL, NULL};
    const size_t sizes[] = {c->opts ? c->n_opts : n_fmt, n_fmt};
    struct cli_ctx ctx = {.out = DS_EMPTY_INITIALIZER,
                          .warnings = DS_EMPTY_INITIALIZER};
    struct cli_args args = {0};
    char *error = NULL;
    int status = 2;
    int r = cli_args_parse(&args, opt_tables, sizes, argc, argv, &error);

    if (!r && cli_args_flag(&args, "--help")) {
        print_usage(out, c, fmt, n_fmt);
        status = 0;
    } else if (!r && !(r = check_args(c, &args, &error))
               && !(r = c->check ? c->check(&args, &error) : 0)
               && !(r = read_format_opts(&ctx, c, &args, &error))) {
        char *auth_error = NULL;

        if (cli_auth_connect(auth, &ctx.api, &auth_error)) {
            fprintf(err, "%s\n", auth_error);
            free(auth_error);
            status = 1;
        } else {
            r = c->run(&ctx, &args);
            fputs(ds_cstr(&ctx.warnings), err);
            fputs(ds_cstr(&ctx.out), out);
            if (r < 0) {
                fprintf(err, "%s\n", ctx.error ? ctx.error : strerror(-r));
            }
            status = r < 0 ? 1 : 0;
        }
    }
    if (error) {
        fprintf(err, "usage: neutrino %s %s [OPTIONS]%s%s\n", c->resource,
                c->verb, c->metavar ? " " : "", c->metavar ? c->metavar : "");
        fprintf(err, "neutrino %s %s: error: %s\n", c->resource, c->verb,
                error);
    }
    free(error);
    free(ctx.error);
    ds_destroy(&ctx.out);
    ds_destroy(&ctx.warnings);
    cli_api_destroy(ctx.api);
    cli_args_destroy(&args);
    return status;
}

/* "neutrino [GLOBALS] inspect ARGS" runs "neutrino-inspect GLOBALS ARGS",
 * from the directory of this program if it is there, else from PATH: the
 * inspector links Open vSwitch's library and src/nl, which the other
 * commands must not pay for at start.  Returns only on failure. */
static int
exec_inspect(int argc, char **argv, int first, FILE *err)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char **args = xcalloc((size_t) argc + 1, sizeof *args);
    int k = 0;

    args[k++] = "neutrino-inspect";
    for (int i = 1; i < argc; i++) {
        if (i != first) {
            args[k++] = argv[i];
        }
    }
    fflush(NULL);
    if (n > 0) {
        self[n] = '\0';
        char *path = xasprintf("%s/neutrino-inspect", dirname(self));

        execv(path, args);
        free(path);
    }
    execvp(args[0], args);
    fprintf(err, "neutrino: cannot run neutrino-inspect: %s\n",
            strerror(errno));
    free(args);
    return 1;
}

/* The global options, before the command: --help and the
 * authentication options (cli-auth). */
static const struct cli_opt help_opt[] = {
    {"--help", "-h", CLI_OPT_FLAG, 0},
};

/* Auth types this CLI speaks: none, or Keystone passwords. */
static bool
auth_type_ok(const char *t)
{
    static const char *const ok[] = {"none", "noauth", "password",
                                     "v3password"};

    for (size_t i = 0; t && *t && i < ARRAY_SIZE(ok); i++) {
        if (streq(t, ok[i])) {
            return true;
        }
    }
    return !t || !*t;
}

int
cli_main(int argc, char **argv, FILE *out, FILE *err)
{
    const struct cli_opt *const opt_tables[] = {help_opt, cli_auth_opts, NULL};
    const size_t sizes[] = {ARRAY_SIZE(help_opt), cli_auth_n_opts};
    struct cli_args globals = {0};
    const struct cli_command *c;
    char *error = NULL;
    struct cli_auth auth;
    int first = 1, n_words = 0, status;

    /* Global options end at the first word that is not one. */
    while (first < argc && argv[first][0] == '-') {
        bool valued = !strchr(argv[first], '=') && !streq(argv[first], "-h")
                      && !streq(argv[first], "--help");

        first += valued && first + 1 < argc ? 2 : 1;
    }
    if (cli_args_parse(&globals, opt_tables, sizes, first - 1, argv + 1,
                       &error)
            < 0
        || globals.n_pos) {
        fprintf(err, "neutrino: error: %s\n",
                error ? error : "misplaced arguments");
        free(error);
        cli_args_destroy(&globals);
        return 2;
    }
    if (first < argc && streq(argv[first], "inspect")) {
        cli_args_destroy(&globals);
        return exec_inspect(argc, argv, first, err);
    }
    if (cli_auth_read(&globals, &auth, &error)) {
        fprintf(err, "%s\n", error);
        free(error);
        cli_auth_destroy(&auth);
        cli_args_destroy(&globals);
        return 1;
    }
    c = find_command(argc - first, argv + first, &n_words);
    if (cli_args_flag(&globals, "--help") || first >= argc
        || (streq(argv[first], "help") && argc == first + 1)) {
        print_commands(out);
        status = 0;
    } else if (!auth_type_ok(auth.auth_type)) {
        fprintf(err,
                "neutrino: --os-auth-type %s is not supported (none or "
                "password)\n",
                auth.auth_type);
        status = 1;
    } else if (!c) {
        fprintf(err,
                "neutrino: '%s' is not a neutrino command. See "
                "'neutrino --help'.\n",
                argv[first]);
        status = 2;
    } else {
        status = run_command(c, &auth, argc - first - n_words,
                             argv + first + n_words, out, err);
    }
    cli_auth_destroy(&auth);
    cli_args_destroy(&globals);
    return status;
}
