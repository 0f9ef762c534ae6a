/* yamldoc: YAML documents read as jansson values.  See yaml-doc.h. */
#include "core/yaml-doc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "core/ds.h"
#include "core/util.h"

/* Deeper nesting is refused: no file we read needs it, and recursion must
 * stay bounded whatever the input. */
#define YAMLDOC_MAX_DEPTH 64

static json_t *node_from(yaml_parser_t *, yaml_event_t *, int depth,
                         char **ret_error);

/* Fills '*ret_error' once, with the parser's reason if it has one. */
static void
set_error(yaml_parser_t *p, const yaml_event_t *ev, const char *what,
          char **ret_error)
{
    if (*ret_error) {
        return;
    }
    if (p->error != YAML_NO_ERROR) {
        *ret_error = xasprintf("line %zu: %s", p->problem_mark.line + 1,
                               p->problem ? p->problem : "invalid YAML");
    } else {
        *ret_error = xasprintf("line %zu: %s", ev->start_mark.line + 1, what);
    }
}

/* The entries of a mapping or sequence, up to its end event. */
static json_t *
collection_from(yaml_parser_t *p, bool map, int depth, char **ret_error)
{
    json_t *node = map ? json_object() : json_array();
    yaml_event_t ev = {0};

    while (yaml_parser_parse(p, &ev)) {
        if (ev.type == YAML_SEQUENCE_END_EVENT
            || ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return node;
        }
        bool scalar_key = ev.type == YAML_SCALAR_EVENT;
        json_t *item = node_from(p, &ev, depth + 1, ret_error);
        if (!item) {
            break;
        }
        if (!map) {
            json_array_append_new(node, item);
            continue;
        }
        json_t *value = NULL;
        if (scalar_key && yaml_parser_parse(p, &ev)) {
            value = node_from(p, &ev, depth + 1, ret_error);
        } else if (!scalar_key && !*ret_error) {
            *ret_error = xstrdup("a mapping key that is not a string");
        }
        if (!value) {
            json_decref(item);
            break;
        }
        json_object_set_new(node, json_string_value(item), value);
        json_decref(item);
    }
    if (!*ret_error) {
        set_error(p, &ev, "invalid YAML", ret_error);
    }
    json_decref(node);
    return NULL;
}

/* The node whose first event is 'ev' (taken), or NULL with an error. */
static json_t *
node_from(yaml_parser_t *p, yaml_event_t *ev, int depth, char **ret_error)
{
    json_t *node = NULL;

    if (depth > YAMLDOC_MAX_DEPTH) {
        set_error(p, ev, "nested too deeply", ret_error);
    } else if (ev->type == YAML_SCALAR_EVENT) {
        node = json_stringn((const char *) ev->data.scalar.value,
                            ev->data.scalar.length);
        if (!node) {
            set_error(p, ev, "a scalar that is not UTF-8", ret_error);
        }
    } else if (ev->type == YAML_SEQUENCE_START_EVENT
               || ev->type == YAML_MAPPING_START_EVENT) {
        bool map = ev->type == YAML_MAPPING_START_EVENT;
        yaml_event_delete(ev);
        return collection_from(p, map, depth, ret_error);
    } else if (ev->type == YAML_ALIAS_EVENT) {
        set_error(p, ev, "aliases are not supported", ret_error);
    } else {
        set_error(p, ev, "invalid YAML", ret_error);
    }
    yaml_event_delete(ev);
    return node;
}

json_t *
yamldoc_parse(const char *text, size_t len, char **ret_error)
{
    yaml_parser_t p;
    yaml_event_t ev = {0};
    json_t *doc = NULL;
    char *error = NULL;

    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *) text, len);
    /* Stream start, document start, then the root node. */
    while (yaml_parser_parse(&p, &ev)) {
        if (ev.type == YAML_STREAM_START_EVENT
            || ev.type == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (ev.type == YAML_STREAM_END_EVENT) {
            error = xstrdup("no document");
            yaml_event_delete(&ev);
        } else {
            doc = node_from(&p, &ev, 0, &error);
        }
        break;
    }
    if (!doc && !error) {
        set_error(&p, &ev, "invalid YAML", &error);
    }
    yaml_parser_delete(&p);
    if (ret_error) {
        *ret_error = error;
    } else {
        free(error);
    }
    return doc;
}

json_t *
yamldoc_load_file(const char *path, size_t max_len, char **ret_error)
{
    FILE *f = fopen(path, "re");
    struct ds text = DS_EMPTY_INITIALIZER;
    char buf[4096];
    char *error = NULL;
    json_t *doc = NULL;
    size_t n;

    if (!f) {
        error = xasprintf("%s: %s", path, strerror(errno));
    } else {
        while ((n = fread(buf, 1, sizeof buf, f)) > 0 && text.len <= max_len) {
            ds_put_buf(&text, buf, n);
        }
        if (ferror(f) || text.len > max_len) {
            error = xasprintf("%s: %s", path,
                              ferror(f) ? "read error" : "too big");
        } else {
            char *why = NULL;
            doc = yamldoc_parse(ds_cstr(&text), text.len, &why);
            error = why ? xasprintf("%s: %s", path, why) : NULL;
            free(why);
        }
        fclose(f);
    }
    ds_destroy(&text);
    if (ret_error) {
        *ret_error = error;
    } else {
        free(error);
    }
    return doc;
}
