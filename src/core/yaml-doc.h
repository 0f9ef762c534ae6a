/* yamldoc: YAML documents read as jansson values, for the files OpenStack
 * keeps in YAML (clouds.yaml, policy.yaml).  Built on libyaml's parser.
 *
 * Mappings become objects (a repeated key: the last wins, as PyYAML's
 * safe_load has it), sequences arrays, and every scalar a string: no type
 * resolution, so "true", "1" and "~" stay text, which is what the callers
 * want (policy rules and cloud settings are strings).  JSON in flow style
 * is YAML too, so a policy.json reads the same way.  Anchors, aliases and
 * non-string keys are refused. */
#ifndef CORE_YAML_DOC_H
#define CORE_YAML_DOC_H 1

#include <jansson.h>
#include <stddef.h>

/* The first document of 'text' ('len' bytes).  Returns a new reference, or
 * NULL with the reason ("line N: ...") in '*ret_error' (freed with free();
 * 'ret_error' may be NULL). */
json_t *yamldoc_parse(const char *text, size_t len, char **ret_error);

/* The same for the file at 'path' (at most 'max_len' bytes of it); the
 * error names the file.  -ENOENT and the like are in the error's text. */
json_t *yamldoc_load_file(const char *path, size_t max_len, char **ret_error);

#endif /* core/yaml-doc.h */
