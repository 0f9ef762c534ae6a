/* Fuzz target: YAML files (policy.yaml, clouds.yaml) through
 * yamldoc_parse().
 *
 * Checks: a document comes back exactly when there is no error, and the
 * error reads "line N: ..." or names what is missing; every value in the
 * document is an object, array or string (no other type is made), and
 * nesting stays within the parser's bound. */
#include "fuzz.h"

#include "core/yaml-doc.h"

/* Aborts unless 'v' holds only objects, arrays and strings, at most
 * 'depth' levels deep. */
static void
check_shape(json_t *v, int depth)
{
    const char *key;
    json_t *item;
    size_t i;

    if (depth < 0) {
        abort();
    }
    if (json_is_object(v)) {
        json_object_foreach (v, key, item) {
            check_shape(item, depth - 1);
        }
    } else if (json_is_array(v)) {
        json_array_foreach (v, i, item) {
            check_shape(item, depth - 1);
        }
    } else if (!json_is_string(v)) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *error = NULL;
    json_t *doc = yamldoc_parse((const char *) data, size, &error);

    if (!doc == !error) {
        abort();
    }
    if (doc) {
        check_shape(doc, 66);
    } else if (strncmp(error, "line ", 5) && strcmp(error, "no document")
               && strcmp(error, "a mapping key that is not a string")) {
        fprintf(stderr, "unexpected error text: %s\n", error);
        abort();
    }
    json_decref(doc);
    free(error);
    return 0;
}
