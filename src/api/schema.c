#include "api/schema.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "api/api-error.h"
#include "core/config.h"
#include "core/ds.h"
#include "core/ip.h"
#include "core/mac.h"
#include "core/uuid.h"

#define MAX_STRING 255

const struct attr *
resource_attr(const struct resource_def *def, const char *name)
{
    for (size_t i = 0; i < def->n_attrs; i++) {
        if (!strcmp(def->attrs[i].name, name)) {
            return &def->attrs[i];
        }
    }
    return NULL;
}

char *
schema_repr(json_t *value)
{
    if (json_is_string(value)) {
        return xstrdup(json_string_value(value));
    }
    if (json_is_true(value)) {
        return xstrdup("True");
    }
    if (json_is_false(value)) {
        return xstrdup("False");
    }
    if (json_is_null(value)) {
        return xstrdup("None");
    }
    return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Formats a validator message around the printable form of 'VALUE'. */
#define reason(FMT, VALUE)                                                    \
    ({                                                                        \
        char *repr_ = schema_repr(VALUE);                                     \
        char *reason_ = xasprintf(FMT, repr_);                                \
        free(repr_);                                                          \
        reason_;                                                              \
    })

static char *
accept(json_t *value, json_t **ret)
{
    *ret = json_incref(value);
    return NULL;
}

static char *
check_string(json_t *value, size_t max, json_t **ret)
{
    if (!json_is_string(value)) {
        return reason("'%s' is not a valid string", value);
    }
    if (max && json_string_length(value) > max) {
        char *repr = schema_repr(value);
        char *r = xasprintf("'%s' exceeds maximum length of %zu", repr, max);
        free(repr);
        return r;
    }
    return accept(value, ret);
}

char *
convert_string(json_t *value, json_t **ret)
{
    return check_string(value, MAX_STRING, ret);
}

char *
convert_string_any(json_t *value, json_t **ret)
{
    return check_string(value, 0, ret);
}

char *
convert_bool(json_t *value, json_t **ret)
{
    int b = -1;

    if (json_is_boolean(value)) {
        b = json_is_true(value);
    } else if (json_is_string(value)) {
        /* neutron-lib's convert_to_boolean: fewer spellings than oslo. */
        const char *s = json_string_value(value);
        b = !strcasecmp(s, "true") || !strcmp(s, "1")    ? 1
            : !strcasecmp(s, "false") || !strcmp(s, "0") ? 0
                                                         : -1;
    } else if (json_is_integer(value)) {
        json_int_t i = json_integer_value(value);
        b = i == 0 ? 0 : i == 1 ? 1 : -1;
    }
    if (b < 0) {
        return reason("'%s' cannot be converted to boolean", value);
    }
    *ret = json_boolean(b);
    return NULL;
}

char *
convert_int(json_t *value, json_t **ret)
{
    if (json_is_integer(value)) {
        return accept(value, ret);
    }
    if (json_is_string(value)) {
        const char *s = json_string_value(value);
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (!errno && end != s && !*end && !isspace((unsigned char) *s)) {
            *ret = json_integer(v);
            return NULL;
        }
    }
    return reason("'%s' is not an integer", value);
}

char *
convert_uuid(json_t *value, json_t **ret)
{
    if (!json_is_string(value) || !uuid_is_valid(json_string_value(value))) {
        return reason("'%s' is not a valid UUID", value);
    }
    return accept(value, ret);
}

char *
convert_uuid_or_null(json_t *value, json_t **ret)
{
    return json_is_null(value) ? accept(value, ret) : convert_uuid(value, ret);
}

char *
convert_ip_or_null(json_t *value, json_t **ret)
{
    struct ip_addr a;
    char buf[IP_STRLEN];

    if (json_is_null(value)) {
        return accept(value, ret);
    }
    if (!json_is_string(value) || ip_parse(json_string_value(value), &a) < 0) {
        return reason("'%s' is not a valid IP address", value);
    }
    ip_format(&a, buf);
    *ret = json_string(buf);
    return NULL;
}

/* Checks that 'value' is a list whose items all pass 'check'. */
static char *
convert_list(json_t *value, json_t **ret, attr_convert_func *check)
{
    size_t i;
    json_t *item, *ignored;

    if (!json_is_array(value)) {
        return reason("'%s' is not a list", value);
    }
    json_array_foreach (value, i, item) {
        char *why = check(item, &ignored);
        if (why) {
            return why;
        }
        json_decref(ignored);
    }
    return accept(value, ret);
}

char *
convert_string_list(json_t *value, json_t **ret)
{
    return convert_list(value, ret, convert_string);
}

char *
convert_uuid_list(json_t *value, json_t **ret)
{
    return convert_list(value, ret, convert_uuid);
}

char *
convert_dict(json_t *value, json_t **ret)
{
    if (json_is_null(value)) {
        *ret = json_object();
        return NULL;
    }
    if (!json_is_object(value)) {
        return reason("'%s' is not a dictionary", value);
    }
    return accept(value, ret);
}

char *
convert_mac_or_null(json_t *value, json_t **ret)
{
    uint8_t mac[6];
    char buf[MAC_STRLEN];

    if (json_is_null(value)) {
        return accept(value, ret);
    }
    if (!json_is_string(value) || mac_parse(json_string_value(value), mac) < 0
        || mac_is_zero(mac) || mac_is_broadcast(mac)) {
        return reason("'%s' is not a valid MAC address", value);
    }
    mac_format(mac, buf);
    *ret = json_string(buf);
    return NULL;
}

/* The JSON value of a default.  The common ones are built directly: this
 * runs for every attribute a create leaves out. */
static json_t *
default_value(const char *text)
{
    size_t len = strlen(text);

    if (!strcmp(text, "true") || !strcmp(text, "false")) {
        return json_boolean(text[0] == 't');
    } else if (!strcmp(text, "null")) {
        return json_null();
    } else if (!strcmp(text, "[]")) {
        return json_array();
    } else if (!strcmp(text, "{}")) {
        return json_object();
    } else if (len >= 2 && text[0] == '"' && text[len - 1] == '"'
               && !memchr(text + 1, '\\', len - 2)) {
        return json_stringn(text + 1, len - 2);
    }
    return json_loads(text, JSON_DECODE_ANY, NULL);
}

static struct api_error *
unrecognized(json_t *obj, const struct resource_def *def)
{
    struct ds names = DS_EMPTY_INITIALIZER;
    const char *key;
    json_t *value;
    struct api_error *e;

    json_object_foreach (obj, key, value) {
        if (!resource_attr(def, key)) {
            ds_put_format(&names, "%s'%s'", names.len ? ", " : "", key);
        }
    }
    if (!names.len) {
        return NULL;
    }
    e = api_bad_request("Unrecognized attribute(s) %s", ds_cstr(&names));
    ds_destroy(&names);
    return e;
}

bool
schema_is_conversion(const struct attr *a)
{
    return a->convert == convert_bool || a->convert == convert_int
           || (a->flags & A_CONVERT);
}

static struct api_error *
convert_attr(const struct attr *a, json_t *value, json_t **ret)
{
    char *why;
    struct api_error *e;

    if (json_is_null(value) && (a->flags & A_NULLABLE)) {
        *ret = json_null();
        return NULL;
    }
    if (!a->convert) {
        *ret = json_incref(value);
        return NULL;
    }
    why = a->convert(value, ret);
    if (!why) {
        return NULL;
    }
    /* neutron-lib's converters raise InvalidInput; its validators' messages
     * become "Invalid input for ATTR" bad requests. */
    e = schema_is_conversion(a) ? api_invalid_input("%s", why)
                                : api_bad_request("Invalid input for %s. "
                                                  "Reason: %s.",
                                                  a->name, why);
    free(why);
    return e;
}

struct api_error *
schema_validate(const struct resource_def *def, json_t *obj, bool create,
                json_t **ret)
{
    json_t *out;
    struct api_error *e = unrecognized(obj, def);

    if (e) {
        return e;
    }
    out = json_object();
    for (size_t i = 0; i < def->n_attrs; i++) {
        const struct attr *a = &def->attrs[i];
        json_t *value = json_object_get(obj, a->name);
        json_t *conv;

        if (!value) {
            if (create && (a->flags & A_REQUIRED)) {
                e = api_bad_request("Failed to parse request. Required "
                                    "attribute '%s' not specified",
                                    a->name);
                break;
            }
            if (create && a->dflt && (a->flags & A_POST)) {
                json_object_set_new(out, a->name, default_value(a->dflt));
            }
            continue;
        }
        if (create && !(a->flags & A_POST)) {
            e = api_bad_request("Attribute '%s' not allowed in POST", a->name);
            break;
        }
        if (!create && !(a->flags & A_PUT)) {
            e = api_bad_request("Cannot update read-only attribute %s",
                                a->name);
            break;
        }
        e = convert_attr(a, value, &conv);
        if (e) {
            break;
        }
        json_object_set_new(out, a->name, conv);
    }
    if (e) {
        json_decref(out);
        return e;
    }
    *ret = out;
    return NULL;
}

char *
schema_convert_filter(const struct attr *a, const char *text, json_t **ret)
{
    json_t *s = json_string(text);
    char *why = NULL;

    if (!s) {
        return xstrdup("not valid UTF-8");
    }
    switch (a->type) {
    case COL_BOOL:
        why = convert_bool(s, ret);
        break;
    case COL_INT:
        why = convert_int(s, ret);
        break;
    default:
        *ret = json_incref(s);
        break;
    }
    json_decref(s);
    return why;
}

/* neutron-lib's validate_subnet(): a CIDR with its prefix length (an IPv4
 * one as netaddr prints it).  Sets '*ret' to its network. */
char *
schema_check_subnet(json_t *value, struct ip_net *ret)
{
    const char *s = json_string_value(value);
    char buf[IPNET_STRLEN];
    struct ip_net net, network;
    char *repr;
    char *why;

    if (s && !ipnet_parse(s, &net)) {
        ipnet_format(&net, buf);
        network = ipnet_network(&net);
        if (strchr(s, '/') && (net.addr.version == 6 || !strcmp(buf, s))) {
            *ret = network;
            return NULL;
        }
        ipnet_format(&network, buf);
        return xasprintf("'%s' isn't a recognized IP subnet cidr, '%s' is "
                         "recommended",
                         s, buf);
    }
    repr = schema_repr(value);
    why = xasprintf("'%s' is not a valid IP subnet", repr);
    free(repr);
    return why;
}
