/* List queries: what a GET on a collection asks for, parsed from its query
 * string as Neutron parses it (filters, fields, sorting, pagination, tag
 * filters, changed_since). */
#ifndef API_QUERY_H
#define API_QUERY_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/http.h"
#include "api/schema.h"

struct api_error;

/* One attribute filter: the attribute equals any of 'values' (a JSON array
 * of converted values). */
struct query_filter {
    const struct attr *attr;
    json_t *values;
};

struct query_sort {
    const struct attr *attr;
    bool desc;
};

struct list_query {
    struct query_filter *filters;
    size_t n_filters;
    char **fields; /* NULL-terminated; NULL: all fields. */
    struct query_sort *sorts;
    size_t n_sorts;
    long limit;   /* 0: no pagination. */
    char *marker; /* Id of the last item seen, or NULL. */
    bool page_reverse;
    char **tags; /* tags=a,b: has all. NULL-terminated. */
    char **tags_any;
    char **not_tags;
    char **not_tags_any;
    char *changed_since;
    /* Ports only: fixed_ips=ip_address=X / subnet_id=Y /
     * ip_address_substr=Z. JSON arrays of strings, or NULL. */
    json_t *fixed_ip_addresses;
    json_t *fixed_ip_subnets;
    json_t *fixed_ip_substrs;
    /* Set by the API, not parsed: a project the rows must be visible to
     * (see store_visible()), or NULL for all rows. */
    const char *scope_project;
};

/* Parses the query arguments of a list request on 'def'.  'max_limit' is
 * pagination_max_limit (-1: none).  Returns NULL and fills 'q', or an error
 * (then 'q' needs no destroy). */
struct api_error *list_query_parse(const struct resource_def *def,
                                   const struct http_arg *args, size_t n,
                                   long max_limit, struct list_query *q);
void list_query_destroy(struct list_query *);

/* True if 'name' is among 'fields' (NULL-terminated), or 'fields' is NULL
 * (no selection: every field). */
bool query_fields_want(char *const *fields, const char *name);

/* Parses the "fields" arguments alone (for GET of one resource). */
char **query_parse_fields(const struct http_arg *args, size_t n);

#endif /* api/query.h */
