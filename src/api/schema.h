/* Resource schemas: for each API resource, its attributes as Neutron's
 * RESOURCE_ATTRIBUTE_MAP defines them (who may set them, defaults,
 * validation, filtering, sorting) and the database column behind each.
 *
 * The request validator, the list-query parser and the storage module are
 * all driven by these tables, so an attribute is described exactly once. */
#ifndef API_SCHEMA_H
#define API_SCHEMA_H 1

#include <jansson.h>
#include <stdbool.h>

struct api_error;

enum col_type {
    COL_NONE, /* Derived, not stored as a column. */
    COL_TEXT,
    COL_INT,
    COL_BOOL, /* INTEGER 0/1 in SQL, true/false in JSON. */
    COL_JSON, /* TEXT holding a JSON document. */
};

enum attr_flags {
    A_POST = 1 << 0,     /* May be given on create. */
    A_PUT = 1 << 1,      /* May be given on update. */
    A_REQUIRED = 1 << 2, /* Must be given on create. */
    A_FILTER = 1 << 3,   /* Usable as a list filter. */
    A_SORT = 1 << 4,     /* Usable as a sort key. */
    A_NULLABLE = 1 << 5, /* JSON null is a valid value. */
    A_ALIAS = 1 << 7,    /* Another name for 'column': used by
                          * filters and sorting, never stored. */
    A_CONVERT = 1 << 8,  /* 'convert' is a conversion: its failures
                          * are InvalidInput, as neutron-lib's. */
};

/* Standard attributes every resource has (neutron-lib's standard attrs,
 * project-id, tags, timestamps, revisions, description). */
/* clang-format off */
#define STANDARD_ATTRS                                                       \
    {"id", "id", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},                   \
    {"project_id", "project_id", COL_TEXT, A_POST | A_FILTER | A_SORT,       \
     convert_string, NULL},                                                  \
    {"tenant_id", "project_id", COL_TEXT,                                    \
     A_POST | A_FILTER | A_SORT | A_ALIAS, convert_string, NULL},            \
    {"name", "name", COL_TEXT, A_POST | A_PUT | A_FILTER | A_SORT,           \
     convert_string, "\"\""},                                              \
    {"description", "description", COL_TEXT,                                 \
     A_POST | A_PUT | A_FILTER | A_SORT, convert_string, "\"\""},          \
    {"tags", "tags", COL_JSON, 0, NULL, NULL},                               \
    {"revision_number", "revision_number", COL_INT, A_FILTER | A_SORT,       \
     NULL, NULL},                                                            \
    {"created_at", "created_at", COL_TEXT, 0, NULL, NULL},                   \
    {"updated_at", "updated_at", COL_TEXT, 0, NULL, NULL}
/* clang-format on */

/* True if the attribute is a column of its own table. */
#define ATTR_STORED(a) ((a)->column && !((a)->flags & A_ALIAS))

/* Checks and normalises one attribute value from a request.  On success
 * returns NULL and sets '*ret' to a new reference (possibly 'value' itself
 * or a converted value); on failure returns the reason (malloc'd) in
 * neutron-lib's words, e.g. "'x' is not a valid UUID". */
typedef char *attr_convert_func(json_t *value, json_t **ret);

struct attr {
    const char *name;   /* JSON key, e.g. "provider:network_type". */
    const char *column; /* SQL column, or NULL. */
    enum col_type type;
    unsigned flags;             /* enum attr_flags. */
    attr_convert_func *convert; /* NULL: any JSON value. */
    const char *dflt;           /* JSON text of the POST default, or NULL. */
};

struct resource_def {
    const char *singular;  /* "network" */
    const char *plural;    /* "networks" */
    const char *table;     /* SQL table. */
    const char *not_found; /* Neutron type, e.g. "NetworkNotFound". */
    const char *noun;      /* "Network", for "Network X could not be found." */
    /* Its NotFound message with one %s for the id, if not the above. */
    const char *not_found_fmt;
    const char *collection; /* URL segment, if not 'plural'. */
    const struct attr *attrs;
    size_t n_attrs;
};

const struct attr *resource_attr(const struct resource_def *,
                                 const char *name);

extern const struct resource_def network_def;
extern const struct resource_def subnet_def;
extern const struct resource_def port_def;
extern const struct resource_def security_group_def;
extern const struct resource_def security_group_rule_def;
extern const struct resource_def address_group_def;

/* Validates the attributes of one resource body 'obj' (the object inside
 * {"network": {...}}) for a create ('create' true) or an update.  Returns
 * NULL and sets '*ret' to a new object holding the converted values (with
 * defaults filled in on create), or returns the error. */
struct api_error *schema_validate(const struct resource_def *, json_t *obj,
                                  bool create, json_t **ret);

/* Converters shared by several resources. */
attr_convert_func convert_string;     /* At most 255 characters. */
attr_convert_func convert_string_any; /* Any length (binding fields). */
attr_convert_func convert_bool;
attr_convert_func convert_int;
attr_convert_func convert_uuid;
attr_convert_func convert_uuid_or_null;
attr_convert_func convert_ip_or_null;
attr_convert_func convert_string_list;
attr_convert_func convert_uuid_list;
attr_convert_func convert_dict;
attr_convert_func convert_mac_or_null;

/* neutron-lib's validate_subnet(): 'value' is a CIDR string with its
 * prefix length (an IPv4 one as netaddr prints it).  Returns NULL and
 * sets '*ret' to its network, or returns the reason (malloc'd). */
struct ip_net;
char *schema_check_subnet(json_t *value, struct ip_net *ret);

/* True if the attribute's converter is a type conversion (boolean or
 * integer), whose failures Neutron reports as InvalidInput. */
bool schema_is_conversion(const struct attr *);

/* Converts a filter value from a query string for 'attr' into a JSON value
 * suitable for comparison with the stored column.  Returns NULL with
 * '*ret' set, or the reason (malloc'd). */
char *schema_convert_filter(const struct attr *, const char *text,
                            json_t **ret);

/* Returns a malloc'd printable form of 'value' as Python would show it in
 * an error message (strings bare, others as JSON). */
char *schema_repr(json_t *value);

#endif /* api/schema.h */
