/* Values of one output column as python-openstackclient renders them.
 *
 * openstackclient wraps some attributes in cliff "formattable columns"
 * (osc_lib.cli.format_columns and the command modules' own classes): each
 * has a human-readable form, used by the table formatter, and a
 * machine-readable form, used by the json, value and shell formatters.
 * Attributes without a formatter are printed as Python prints the decoded
 * JSON value (None, True, 'str' ...).  This module turns one JSON value
 * from the API into a cell holding both forms.
 *
 * Cells own their strings and JSON references; cli_cell_destroy() frees
 * them.  Nothing here fails except by aborting on OOM. */
#ifndef CLI_COLUMN_H
#define CLI_COLUMN_H 1

#include <jansson.h>
#include <stdbool.h>

/* How a column's value is formatted (the openstackclient class). */
enum cli_fmt {
    CLI_FMT_RAW,         /* No formatter: the value as Python prints it. */
    CLI_FMT_ADMIN_STATE, /* AdminStateColumn: UP / DOWN. */
    CLI_FMT_EXTERNAL,    /* RouterExternalColumn: External / Internal. */
    CLI_FMT_ALIVE,       /* AliveColumn: ":-)" / "XXX". */
    CLI_FMT_LIST,        /* ListColumn: sorted, joined by ", ". */
    CLI_FMT_DICT,        /* DictColumn: key='value', ... (sorted). */
    CLI_FMT_LIST_DICT,   /* ListDictColumn: one DictColumn line each. */
    CLI_FMT_POOLS,       /* AllocationPoolsColumn: start-end,start-end. */
    CLI_FMT_ROUTES,      /* HostRoutesColumn: nexthop shown as gateway. */
    CLI_FMT_BLANK,       /* Not an attribute at all: '' whatever the value. */
    CLI_FMT_TAGS,        /* No formatter, absent is [] (the SDK's default). */
    CLI_FMT_SG_RULES,    /* A group's rules: one DictColumn line each,
                          * without empty values and owner ids. */
};

/* One value of an output row. */
struct cli_cell {
    char *human;     /* Table text (may hold newlines). */
    json_t *machine; /* For json/value/shell; never NULL (null for None). */
    bool numeric;    /* Unformatted number: right-aligned in list tables. */
    bool formatted;  /* Has a formatter: csv quotes it as a string. */
};

/* Fills 'cell' from 'value' (borrowed; NULL when the attribute is absent,
 * which openstacksdk shows as None) formatted as 'fmt'. */
void cli_cell_init(struct cli_cell *cell, enum cli_fmt fmt,
                   const json_t *value);
void cli_cell_destroy(struct cli_cell *cell);

/* Python's str() and repr() of a decoded JSON value (malloc'd): what the
 * value and shell formatters print, e.g. "[{'a': 'b'}]", "True", "None". */
char *cli_pystr(const json_t *value);
char *cli_pyrepr(const json_t *value);

#endif /* cli/cli-column.h */
