/* Unit tests for src/cli/cli-args.c: options parsed as argparse parses the
 * openstack CLI's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "cli/cli-args.h"

static const struct cli_opt opts[] = {
    {"--share", NULL, CLI_OPT_FLAG, 1},
    {"--no-share", NULL, CLI_OPT_FLAG, 1},
    {"--name", NULL, CLI_OPT_VALUE, 0},
    {"--network", NULL, CLI_OPT_VALUE, 0},
    {"--tag", NULL, CLI_OPT_APPEND, 0},
    {"--column", "-c", CLI_OPT_APPEND, 0},
    {"--provider-network-type", NULL, CLI_OPT_VALUE, 0},
};

/* Parses the words of 'line' (space-separated); returns the parser's
 * result with the error, if any, in '*error'. */
static int
parse(struct cli_args *args, char *line, char **error)
{
    static const struct cli_opt *const tables[] = {opts, NULL};
    static const size_t sizes[] = {ARRAY_SIZE(opts)};
    static char *argv[32];
    int argc = 0;

    for (char *w = strtok(line, " "); w; w = strtok(NULL, " ")) {
        argv[argc++] = w;
    }
    *error = NULL;
    return cli_args_parse(args, tables, sizes, argc, argv, error);
}

static void
test_values(void **state)
{
    char line[] = "pos1 --share --name=a --name b --tag x -cID --tag y "
                  "-c Name --provider-net flat -- --not-an-option";
    struct cli_args args;
    const char *const *values;
    char *error;

    (void) state;
    assert_int_equal(parse(&args, line, &error), 0);
    assert_true(cli_args_flag(&args, "--share"));
    assert_false(cli_args_flag(&args, "--no-share"));
    assert_string_equal(cli_args_value(&args, "--name"), "b");
    assert_null(cli_args_value(&args, "--network"));
    assert_int_equal(cli_args_values(&args, "--tag", &values), 2);
    assert_string_equal(values[0], "x");
    assert_string_equal(values[1], "y");
    assert_int_equal(cli_args_values(&args, "--column", &values), 2);
    assert_string_equal(values[0], "ID");
    assert_string_equal(values[1], "Name");
    /* A unique prefix names its option. */
    assert_string_equal(cli_args_value(&args, "--provider-network-type"),
                        "flat");
    /* Options the command does not have are simply absent. */
    assert_false(cli_args_flag(&args, "--other"));
    assert_int_equal(args.n_pos, 2);
    assert_string_equal(args.pos[0], "pos1");
    assert_string_equal(args.pos[1], "--not-an-option");
    cli_args_destroy(&args);
}

/* 'line' fails to parse with 'message'. */
static void
check_error(const char *line, const char *message)
{
    char *copy = strdup(line);
    struct cli_args args;
    char *error;

    assert_int_equal(parse(&args, copy, &error), -EINVAL);
    assert_string_equal(error, message);
    free(error);
    cli_args_destroy(&args);
    free(copy);
}

static void
test_errors(void **state)
{
    (void) state;
    check_error("--share --no-share",
                "argument --no-share: not allowed with argument --share");
    check_error("--name", "argument --name: expected one argument");
    check_error("--name --share", "argument --name: expected one argument");
    check_error("--bogus", "unrecognized arguments: --bogus");
    check_error("-x", "unrecognized arguments: -x");
    check_error("--n x",
                "ambiguous option: --n could match --no-share, --name, "
                "--network");
    check_error("--share=yes",
                "argument --share: ignored explicit argument 'yes'");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
