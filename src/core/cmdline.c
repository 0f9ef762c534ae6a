#include "core/cmdline.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "core/log.h"
#include "core/util.h"

int
cmdline_parse(const char *program, const char *usage, int argc, char *argv[],
              char ***files, size_t *n_files)
{
    static const struct option options[] = {
        {"config-file", required_argument, NULL, 'c'},
        {"debug", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            *files = xrealloc(*files, (*n_files + 1) * sizeof **files);
            (*files)[(*n_files)++] = optarg;
            break;
        case 'd':
            log_set_level(LOG_LEVEL_DEBUG);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return -EINVAL;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", program,
                argv[optind]);
        return -EINVAL;
    }
    return 1;
}
