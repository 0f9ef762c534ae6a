/* The command line every neutrino daemon takes, as Neutron's do:
 * "--config-file FILE" (repeatable, later files win), "--debug" and
 * "--help". */
#ifndef CORE_CMDLINE_H
#define CORE_CMDLINE_H 1

#include <stddef.h>

/* Parses 'argv'.  Appends each config file to '*files' (a malloc'd array
 * of pointers into 'argv', '*n_files' long; the caller frees the array),
 * sets the log level for --debug.  Prints 'usage' for --help and returns 0;
 * returns 1 to go on, or -EINVAL after printing why. */
int cmdline_parse(const char *program, const char *usage, int argc,
                  char *argv[], char ***files, size_t *n_files);

#endif /* core/cmdline.h */
