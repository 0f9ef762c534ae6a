#include "core/json-writer.h"

void
json_put_string(struct ds *ds, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0;

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
