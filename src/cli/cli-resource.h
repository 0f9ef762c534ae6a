/* What the network, subnet, port and agent commands share: finding an
 * object by name or ID as openstacksdk does, building request bodies from
 * options, calling the API, tags, deleting several objects, and printing
 * objects through their column tables.
 *
 * Every function returning int returns 0 or a negative errno with
 * ctx->error set to what the openstack CLI would print. */
#ifndef CLI_RESOURCE_H
#define CLI_RESOURCE_H 1

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cli-column.h"

/* An output column: its name, the API attribute and the formatter. */
struct cli_column {
    const char *name;
    const char *key;
    enum cli_fmt fmt;
};

struct cli_resource {
    const char *singular;          /* "network": body key. */
    const char *plural;            /* "networks": list key (and path). */
    const char *title;             /* "Network": openstacksdk's class name. */
    const struct cli_column *show; /* The show columns, sorted by name. */
    size_t n_show;
    /* openstacksdk's find() filters its list by name only where the API
     * takes a name filter; without one (rules) it lists them all. */
    bool no_name_filter;
    const char *path; /* "security-groups": path if not 'plural'. */
};

/* How an option becomes a request attribute. */
enum cli_attr_kind {
    CLI_ATTR_STRING, /* The option's value. */
    CLI_ATTR_INT,    /* The value as a JSON integer when it is one. */
    CLI_ATTR_TRUE,   /* A flag setting true. */
    CLI_ATTR_FALSE,  /* A flag setting false. */
    CLI_ATTR_NULL,   /* A flag setting null. */
    CLI_ATTR_LIST,   /* Every value of a repeated option, as a list. */
};

struct cli_attr {
    const char *opt;
    const char *key;
    enum cli_attr_kind kind;
};

/* Sets in 'attrs' every attribute whose option was given. */
void cli_attrs_apply(json_t *attrs, const struct cli_args *,
                     const struct cli_attr *, size_t n);

/* Parses "k1=v1,k2=v2" (osc-lib's MultiKeyValueAction) into an object,
 * checking the keys against 'required' and 'optional' (NULL-terminated).
 * Returns the new object or NULL with ctx->error set. */
json_t *cli_parse_kv(struct cli_ctx *, const char *opt, const char *text,
                     const char *const *required, const char *const *optional);

/* openstacksdk's find(): GET by ID, else list by name; one match wins.
 * '*ret' is the object (caller owns). */
int cli_find(struct cli_ctx *, const struct cli_resource *,
             const char *name_or_id, json_t **ret) WARN_UNUSED;
/* GET by ID only (openstacksdk's get()). */
int cli_get(struct cli_ctx *, const struct cli_resource *, const char *id,
            json_t **ret) WARN_UNUSED;
/* GET the collection with 'query' ("" or "?a=b&..."); '*ret' is the
 * array of objects (caller owns). */
int cli_list(struct cli_ctx *, const struct cli_resource *, const char *query,
             json_t **ret) WARN_UNUSED;
/* POST; 'attrs' is borrowed.  '*ret' is the created object. */
int cli_create(struct cli_ctx *, const struct cli_resource *,
               const json_t *attrs, json_t **ret) WARN_UNUSED;
/* PUT 'attrs' (borrowed) on the object 'id'. */
int cli_update(struct cli_ctx *, const struct cli_resource *, const char *id,
               const json_t *attrs) WARN_UNUSED;
/* PUTs 'body' (borrowed) to the member action 'action' of the object
 * 'id' ("/address-groups/ID/add_addresses"); a 404 fails as openstacksdk's
 * ResourceNotFound, as in a delete. */
int cli_action(struct cli_ctx *, const struct cli_resource *, const char *id,
               const char *action, const json_t *body) WARN_UNUSED;
/* Appends "&key=value" (or "?key=value" first) with 'value' escaped. */
void cli_query_add(struct ds *query, const char *key, const char *value);

/* osc-lib's update_tags_for_set() (--tag, --no-tag) or, with 'unset',
 * update_tags_for_unset() (--tag, --all-tag): PUTs the new tag list if it
 * differs and records it in 'obj'. */
int cli_tags_update(struct cli_ctx *, const struct cli_resource *, json_t *obj,
                    const struct cli_args *, bool unset) WARN_UNUSED;

/* A show: finds 'name_or_id' and prints it. */
int cli_show(struct cli_ctx *, const struct cli_resource *,
             const char *name_or_id) WARN_UNUSED;

/* A create: POSTs 'attrs' (borrowed), applies the tags of 'args' and
 * prints the new object. */
int cli_create_print(struct cli_ctx *, const struct cli_resource *,
                     const json_t *attrs, const struct cli_args *) WARN_UNUSED;

/* A set/unset: PUTs 'attrs' (taken) on 'obj' if not empty, then the tag
 * changes of 'args' (see cli_tags_update()). */
int cli_apply(struct cli_ctx *, const struct cli_resource *, json_t *obj,
              json_t *attrs, const struct cli_args *, bool unset) WARN_UNUSED;

/* An unset of list items: removes each of 'items' from 'list' (the first
 * equal one), or fails with "NOUN does not contain WHAT ITEM" as
 * openstackclient does (a string item as is, others in Python's repr). */
int cli_remove_items(struct cli_ctx *, json_t *list, const json_t *items,
                     const char *noun, const char *what) WARN_UNUSED;

/* Deletes every positional argument (found by name or ID unless
 * 'by_id'), logging each failure as "Failed to delete LABEL with name or
 * ID 'x': ..." and failing with "N of M LABELs failed to delete.". */
int cli_delete_all(struct cli_ctx *, const struct cli_resource *,
                   const char *label, const struct cli_args *,
                   bool by_id) WARN_UNUSED;

/* Prints 'obj' through the resource's show columns. */
int cli_print_one(struct cli_ctx *, const struct cli_resource *,
                  const json_t *obj) WARN_UNUSED;
/* Prints the objects of 'items' through 'cols'. */
int cli_print_list(struct cli_ctx *, const struct cli_column *cols,
                   size_t n_cols, const json_t *items) WARN_UNUSED;
/* cli_list() with 'query', whose contents it frees, then cli_print_list():
 * what a plain "list" command does. */
int cli_list_print(struct cli_ctx *, const struct cli_resource *,
                   struct ds *query, const struct cli_column *cols,
                   size_t n_cols) WARN_UNUSED;

/* Options every tag-aware command takes, for the option tables. */
#define CLI_TAG_SET_OPTS                                                      \
    {"--tag", NULL, CLI_OPT_APPEND, 0},                                       \
    {                                                                         \
        "--no-tag", NULL, CLI_OPT_FLAG, 0                                     \
    }
#define CLI_TAG_UNSET_OPTS                                                    \
    {"--tag", NULL, CLI_OPT_APPEND, 90},                                      \
    {                                                                         \
        "--all-tag", NULL, CLI_OPT_FLAG, 90                                   \
    }
#define CLI_TAG_FILTER_OPTS                                                   \
    {"--tags", NULL, CLI_OPT_VALUE, 0},                                       \
        {"--any-tags", NULL, CLI_OPT_VALUE, 0},                               \
        {"--not-tags", NULL, CLI_OPT_VALUE, 0},                               \
    {                                                                         \
        "--not-any-tags", NULL, CLI_OPT_VALUE, 0                              \
    }

/* Adds the tag filters (--tags, --any-tags, ...) to a list query. */
void cli_tag_filters(struct ds *query, const struct cli_args *);

#endif /* cli/cli-resource.h */
