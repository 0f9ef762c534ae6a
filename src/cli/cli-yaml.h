/* YAML as cliff's yaml formatter prints it: PyYAML's
 * yaml.safe_dump(value, default_flow_style=False) -- block collections,
 * keys sorted, empty collections as [] and {}, strings plain when YAML 1.1
 * would read them back as the same string, else single-quoted, else
 * double-quoted with escapes (non-ASCII text is escaped: safe_dump does not
 * allow unicode), long lines folded at spaces past column 80.  The
 * emitter follows PyYAML's (indentation, indicators, folding) so outputs
 * match byte for byte. */
#ifndef CLI_CLI_YAML_H
#define CLI_CLI_YAML_H 1

#include <jansson.h>

#include "core/ds.h"

/* Appends the YAML document for 'value' (a JSON array or object) to
 * 'out'. */
void cli_yaml_dump(struct ds *out, const json_t *value);

#endif /* cli/cli-yaml.h */
