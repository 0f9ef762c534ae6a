/* Fuzz target: request bodies.
 *
 * Parses the input as the server parses a POST or PUT body (jansson,
 * duplicate keys rejected) and, when it is an object, runs the resource
 * validator for networks, subnets, ports, security groups and their rules
 * and address groups, for create and for update (a rule created also
 * through sgrule_normalize()), on
 *
 *   - the object itself,
 *   - its "network" / "subnet" / "port" member,
 *   - each item of its "networks" / "subnets" / "ports" array, unwrapped
 *     from {"port": {...}} as api.c's body_items() does.
 *
 * Besides the sanitizers it checks the validator's contract: exactly one of
 * the result and the error is set, an error is a 4xx with a type and a
 * message, and a result is an object holding only the resource's
 * attributes. */
#include "fuzz.h"

#include <jansson.h>

#include "api/api-error.h"
#include "api/schema.h"
#include "api/sg-rule.h"

static const struct resource_def *const defs[] = {
    &network_def,
    &subnet_def,
    &port_def,
    &security_group_def,
    &security_group_rule_def,
    &address_group_def,
};

static void
validate(const struct resource_def *def, json_t *obj, bool create)
{
    json_t *out = NULL;
    struct api_error *e;
    const char *key;
    json_t *value;

    e = schema_validate(def, obj, create, &out);
    if (e) {
        FUZZ_CHECK(!out, "%s: error and result both set", def->singular);
        FUZZ_CHECK(e->status >= 400 && e->status < 500,
                   "%s: status %d for bad input", def->singular, e->status);
        FUZZ_CHECK(e->type && e->message, "%s: error without text",
                   def->singular);
        /* The error is rendered for the client: make sure it can be. */
        json_t *rendered = api_error_to_json(e);
        FUZZ_CHECK(rendered, "%s: error not renderable: %s", def->singular,
                   e->message);
        json_decref(rendered);
        api_error_free(e);
        return;
    }
    FUZZ_CHECK(json_is_object(out), "%s: result is not an object",
               def->singular);
    json_object_foreach (out, key, value) {
        FUZZ_CHECK(resource_attr(def, key), "%s: result has unknown key '%s'",
                   def->singular, key);
        FUZZ_CHECK(value, "%s: NULL value for '%s'", def->singular, key);
    }
    if (create) {
        /* Required attributes must be there after a successful create. */
        for (size_t i = 0; i < def->n_attrs; i++) {
            if (def->attrs[i].flags & A_REQUIRED) {
                FUZZ_CHECK(json_object_get(out, def->attrs[i].name),
                           "%s: required '%s' missing from result",
                           def->singular, def->attrs[i].name);
            }
        }
    }
    if (create && def == &security_group_rule_def) {
        /* The rule checks that follow the schema's. */
        e = sgrule_normalize(out);
        FUZZ_CHECK(!e || (e->status >= 400 && e->status < 500),
                   "rule: status %d for bad input", e ? e->status : 0);
        api_error_free(e);
    }
    /* What the store would do with it next. */
    char *dump = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    FUZZ_CHECK(dump, "%s: result cannot be serialised", def->singular);
    free(dump);
    json_decref(out);
}

static void
validate_both(const struct resource_def *def, json_t *obj)
{
    if (json_is_object(obj)) {
        validate(def, obj, true);
        validate(def, obj, false);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *body =
        json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, &err);

    if (!body) {
        return 0;
    }
    if (json_is_object(body)) {
        for (size_t d = 0; d < sizeof defs / sizeof *defs; d++) {
            const struct resource_def *def = defs[d];
            json_t *many = json_object_get(body, def->plural);
            json_t *item;
            size_t i;

            validate_both(def, body);
            validate_both(def, json_object_get(body, def->singular));
            if (json_is_array(many)) {
                json_array_foreach (many, i, item) {
                    json_t *inner = json_object_get(item, def->singular);
                    if (inner && json_object_size(item) == 1) {
                        item = inner;
                    }
                    validate_both(def, item);
                }
            }
        }
    }
    json_decref(body);
    return 0;
}
