#include "core/json-writer.h"

#include <stdbool.h>
#include <stdlib.h>

void
json_put_string(struct ds *ds, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0;

    ds_reserve(ds, len + 2); /* Enough unless something is escaped. */
    ds_put_char(ds, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        const char *esc = NULL;
        char u[7];

        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        default:
            u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0';
            u[4] = hex[c >> 4], u[5] = hex[c & 0xf], u[6] = '\0';
            esc = u;
            break;
        }
        ds_put_buf(ds, s + start, i - start);
        ds_put_cstr(ds, esc);
        start = i + 1;
    }
    ds_put_buf(ds, s + start, len - start);
    ds_put_char(ds, '"');
}

/* Decimal digits of 'n', without printf's cost. */
static void
put_integer(struct ds *ds, json_int_t n)
{
    char buf[24], *p = buf + sizeof buf;
    /* The magnitude as unsigned, so the most negative value works. */
    unsigned long long u =
        n < 0 ? -(unsigned long long) n : (unsigned long long) n;

    do {
        *--p = '0' + u % 10;
        u /= 10;
    } while (u);
    if (n < 0) {
        *--p = '-';
    }
    ds_put_buf(ds, p, buf + sizeof buf - p);
}

void
json_put_value(struct ds *ds, const json_t *v)
{
    const char *key;
    const json_t *item;
    bool first = true;
    size_t i;
    char *text;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        ds_put_char(ds, '{');
        /* json_object_foreach() wants a non-const object; nothing here
         * changes it. */
        json_object_foreach ((json_t *) v, key, item) {
            if (!first) {
                ds_put_char(ds, ',');
            }
            first = false;
            json_put_string(ds, key, strlen(key));
            ds_put_char(ds, ':');
            json_put_value(ds, item);
        }
        ds_put_char(ds, '}');
        break;
    case JSON_ARRAY:
        ds_put_char(ds, '[');
        json_array_foreach (v, i, item) {
            if (i) {
                ds_put_char(ds, ',');
            }
            json_put_value(ds, item);
        }
        ds_put_char(ds, ']');
        break;
    case JSON_STRING:
        json_put_string(ds, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        put_integer(ds, json_integer_value(v));
        break;
    case JSON_REAL:
        /* jansson's own formatting of reals, exactly. */
        text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        ds_put_cstr(ds, text ? text : "null");
        free(text);
        break;
    case JSON_TRUE:
        ds_put_cstr(ds, "true");
        break;
    case JSON_FALSE:
        ds_put_cstr(ds, "false");
        break;
    case JSON_NULL:
    default:
        ds_put_cstr(ds, "null");
        break;
    }
}
