#include "core/ds.h"

#include <stdarg.h>
#include <stdio.h>

void
ds_init(struct ds *ds)
{
    *ds = (struct ds) DS_EMPTY_INITIALIZER;
}

void
ds_destroy(struct ds *ds)
{
    free(ds->s);
    ds_init(ds);
}

void
ds_clear(struct ds *ds)
{
    ds->len = 0;
    if (ds->s) {
        ds->s[0] = '\0';
    }
}

void
ds_reserve(struct ds *ds, size_t extra)
{
    if (ds->len + extra + 1 > ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 64;
        while (cap < ds->len + extra + 1) {
            cap *= 2;
        }
        ds->s = xrealloc(ds->s, cap);
        ds->cap = cap;
    }
}

void
ds_put_buf(struct ds *ds, const char *buf, size_t n)
{
    ds_reserve(ds, n);
    memcpy(ds->s + ds->len, buf, n);
    ds->len += n;
    ds->s[ds->len] = '\0';
}

void
ds_put_cstr(struct ds *ds, const char *s)
{
    ds_put_buf(ds, s, strlen(s));
}

void
ds_put_char(struct ds *ds, char c)
{
    ds_reserve(ds, 1);
    ds->s[ds->len++] = c;
    ds->s[ds->len] = '\0';
}

void
ds_put_format(struct ds *ds, const char *fmt, ...)
{
    va_list args;
    int n;

    /* Also keeps gcc's UBSan build from warning about a null 'fmt'. */
    core_assert(fmt);
    va_start(args, fmt);
    n = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    ds_reserve(ds, n);
    va_start(args, fmt);
    vsnprintf(ds->s + ds->len, n + 1, fmt, args);
    va_end(args);
    ds->len += n;
}

const char *
ds_cstr(struct ds *ds)
{
    return ds->s ? ds->s : "";
}

char *
ds_steal(struct ds *ds)
{
    char *s = ds->s ? ds->s : xstrdup("");

    ds_init(ds);
    return s;
}
