/* inspect-print: the path inspector's output.  A report of the findings
 * (see inspect-check.h) for people, one line per step with OK or FAIL and
 * the hint under each failure; the same as one JSON document for
 * machines; and the topology picture of the path, as text or as a
 * graphviz DOT graph whose broken hops are red.  Pure: strings in, strings
 * out (malloc'd). */
#ifndef INSPECT_INSPECT_PRINT_H
#define INSPECT_INSPECT_PRINT_H 1

#include <jansson.h>

#include "inspect/inspect-check.h"

/* "OK    step  detail" lines, "      hint: ..." under failures, then a
 * summary line. */
char *inspect_print_table(const struct inspect_want *, json_t *findings);

/* {"network", "host", "ok", "findings", "observed"}, indented. */
char *inspect_print_json(const struct inspect_want *, json_t *findings,
                         json_t *observed);

/* The path of each traced port from its device to the NIC, one line per
 * port, hops marked "x" where a finding failed, then the DHCP namespace. */
char *inspect_print_graph(const struct inspect_want *, json_t *findings,
                          json_t *observed);

/* The same picture as a DOT graph ("dot -Tsvg" draws it). */
char *inspect_print_dot(const struct inspect_want *, json_t *findings,
                        json_t *observed);

#endif /* inspect/inspect-print.h */
