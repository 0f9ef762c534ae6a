/* neutrino: the command-line client (see cli/cli.h). */
#include <stdio.h>

#include "cli/cli.h"

int
main(int argc, char *argv[])
{
    return cli_main(argc, argv, stdout, stderr);
}
