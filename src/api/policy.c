#include "api/policy.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <strings.h>

#include "core/config.h"
#include "core/ds.h"
#include "core/yaml-doc.h"

/* Deepest chain of "rule:" references followed; deeper counts as a cycle
 * (a policy file could make one) and fails the check. */
#define POLICY_MAX_DEPTH 32
/* Neutron's own policy.yaml, every rule written out, is ~60 KB. */
#define POLICY_FILE_MAX (4u << 20)

enum check_kind {
    CHECK_TRUE,
    CHECK_FALSE,
    CHECK_AND,
    CHECK_OR,
    CHECK_NOT,
    CHECK_RULE,    /* 'a': rule name. */
    CHECK_ROLE,    /* 'a': role, may hold %(attr)s. */
    CHECK_FIELD,   /* 'a': attribute, 'b': value; 're' if "~REGEX". */
    CHECK_GENERIC, /* 'a': context key, 'b': value, may hold %(attr)s. */
};

struct check {
    enum check_kind kind;
    struct check **kids; /* AND, OR: n_kids >= 2; NOT: 1. */
    size_t n_kids;
    char *a, *b;
    regex_t *re;
};

struct rule {
    char *name;
    struct check *check;
};

struct policy {
    struct rule *rules; /* Sorted by name. */
    size_t n_rules;
};

static void
check_free(struct check *c)
{
    if (c) {
        for (size_t i = 0; i < c->n_kids; i++) {
            check_free(c->kids[i]);
        }
        free(c->kids);
        free(c->a);
        free(c->b);
        if (c->re) {
            regfree(c->re);
            free(c->re);
        }
        free(c);
    }
}

static struct check *
check_new(enum check_kind kind)
{
    struct check *c = xcalloc(1, sizeof *c);

    c->kind = kind;
    return c;
}

/* ---- Parsing ------------------------------------------------------------
 *
 * Tokens are blank-separated words, with leading '(' and trailing ')'
 * split off as tokens of their own, as oslo.policy does. */

struct parser {
    char **tokens;
    size_t n, pos;
    char *error;
};

static void
tokenize(const char *s, struct parser *p)
{
    char *copy = xstrdup(s), *save = NULL;
    size_t cap = 8;

    p->tokens = xcalloc(cap, sizeof *p->tokens);
    for (char *w = strtok_r(copy, " \t\n", &save); w;
         w = strtok_r(NULL, " \t\n", &save)) {
        size_t len = strlen(w), closing = 0;

        if (p->n + len + 2 >= cap) {
            cap = 2 * (p->n + len + 2);
            p->tokens = xrealloc(p->tokens, cap * sizeof *p->tokens);
        }
        while (*w == '(') {
            p->tokens[p->n++] = xstrdup("(");
            w++, len--;
        }
        while (len && w[len - 1] == ')') {
            len--, closing++;
        }
        if (len) {
            p->tokens[p->n++] = xstrndup(w, len);
        }
        while (closing--) {
            p->tokens[p->n++] = xstrdup(")");
        }
    }
    free(copy);
}

static const char *
peek(const struct parser *p)
{
    return p->pos < p->n ? p->tokens[p->pos] : NULL;
}

static bool
accept(struct parser *p, const char *word)
{
    if (peek(p) && !strcasecmp(peek(p), word)) {
        p->pos++;
        return true;
    }
    return false;
}

static struct check *parse_or(struct parser *);

static struct check *
parse_field(const char *match, struct parser *p)
{
    const char *colon = strchr(match, ':'), *eq;
    struct check *c;

    eq = colon ? strchr(colon + 1, '=') : NULL;
    if (!eq || eq == colon + 1) {
        p->error =
            xasprintf("'field:%s' is not field:RESOURCE:ATTR=VALUE", match);
        return NULL;
    }
    c = check_new(CHECK_FIELD);
    c->a = xstrndup(colon + 1, eq - colon - 1);
    c->b = xstrdup(eq + 1);
    if (c->b[0] == '~') {
        /* Python's re.match: anchored at the start. */
        char *pattern = xasprintf("^(%s)", c->b + 1);

        c->re = xmalloc(sizeof *c->re);
        if (regcomp(c->re, pattern, REG_EXTENDED | REG_NOSUB)) {
            free(c->re);
            c->re = NULL;
            p->error =
                xasprintf("bad regular expression in 'field:%s'", match);
            check_free(c);
            c = NULL;
        }
        free(pattern);
    }
    return c;
}

static struct check *
parse_atom(struct parser *p)
{
    const char *t = peek(p), *colon;
    struct check *c;

    if (!t) {
        p->error = xstrdup("a check is missing");
        return NULL;
    }
    p->pos++;
    if (!strcmp(t, "(")) {
        c = parse_or(p);
        if (c && !accept(p, ")")) {
            p->error = xstrdup("')' is missing");
            check_free(c);
            c = NULL;
        }
        return c;
    }
    if (!strcmp(t, "@") || !strcmp(t, "!")) {
        return check_new(*t == '@' ? CHECK_TRUE : CHECK_FALSE);
    }
    colon = strchr(t, ':');
    if (!colon || colon == t || !strcmp(t, ")")) {
        p->error = xasprintf("'%s' is not a check", t);
        return NULL;
    }
    if (!strncmp(t, "field:", 6)) {
        return parse_field(t + 6, p);
    }
    c = check_new(!strncmp(t, "rule:", 5)   ? CHECK_RULE
                  : !strncmp(t, "role:", 5) ? CHECK_ROLE
                                            : CHECK_GENERIC);
    if (c->kind == CHECK_GENERIC) {
        c->a = xstrndup(t, colon - t);
        c->b = xstrdup(colon + 1);
    } else {
        c->a = xstrdup(colon + 1);
    }
    return c;
}

static struct check *
parse_not(struct parser *p)
{
    struct check *c, *kid;

    if (!accept(p, "not")) {
        return parse_atom(p);
    }
    kid = parse_not(p);
    if (!kid) {
        return NULL;
    }
    c = check_new(CHECK_NOT);
    c->kids = xmalloc(sizeof *c->kids);
    c->kids[0] = kid;
    c->n_kids = 1;
    return c;
}

/* Parses operands joined by 'op' ("and" or "or") with 'sub'. */
static struct check *
parse_chain(struct parser *p, const char *op, enum check_kind kind,
            struct check *(*sub)(struct parser *) )
{
    struct check *first = sub(p), *c;

    if (!first || !peek(p) || strcasecmp(peek(p), op)) {
        return first;
    }
    c = check_new(kind);
    c->kids = xmalloc(sizeof *c->kids);
    c->kids[c->n_kids++] = first;
    while (accept(p, op)) {
        struct check *next = sub(p);
        if (!next) {
            check_free(c);
            return NULL;
        }
        c->kids = xrealloc(c->kids, (c->n_kids + 1) * sizeof *c->kids);
        c->kids[c->n_kids++] = next;
    }
    return c;
}

static struct check *
parse_and(struct parser *p)
{
    return parse_chain(p, "and", CHECK_AND, parse_not);
}

static struct check *
parse_or(struct parser *p)
{
    return parse_chain(p, "or", CHECK_OR, parse_and);
}

/* Parses 'text' into '*ret'.  Returns 0 or -EINVAL with '*ret_error'. */
static int
parse_check(const char *text, struct check **ret, char **ret_error)
{
    struct parser p = {0};
    struct check *c;

    tokenize(text, &p);
    if (!p.n) {
        c = check_new(CHECK_TRUE); /* oslo.policy: "" allows everyone. */
    } else {
        c = parse_or(&p);
        if (c && p.pos < p.n) {
            p.error = xasprintf("unexpected '%s'", p.tokens[p.pos]);
            check_free(c);
            c = NULL;
        }
    }
    for (size_t i = 0; i < p.n; i++) {
        free(p.tokens[i]);
    }
    free(p.tokens);
    if (!c) {
        *ret_error = xasprintf("'%s': %s", text, p.error);
        free(p.error);
        return -EINVAL;
    }
    *ret = c;
    return 0;
}

/* ---- Rules --------------------------------------------------------------
 */

static int
rule_cmp(const void *a_, const void *b_)
{
    const struct rule *a = a_, *b = b_;

    return strcmp(a->name, b->name);
}

static const struct rule *
find_rule(const struct policy *policy, const char *name)
{
    struct rule key = {.name = (char *) name};

    if (!policy->n_rules) {
        return NULL; /* bsearch() must not see a null array. */
    }
    return bsearch(&key, policy->rules, policy->n_rules, sizeof *policy->rules,
                   rule_cmp);
}

int
policy_set_rule(struct policy *policy, const char *name, const char *check,
                char **ret_error)
{
    struct rule *rule = (struct rule *) find_rule(policy, name);
    struct check *c;
    int r = parse_check(check, &c, ret_error);

    if (r < 0) {
        return r;
    }
    if (rule) {
        check_free(rule->check);
        rule->check = c;
        return 0;
    }
    policy->rules =
        xrealloc(policy->rules, (policy->n_rules + 1) * sizeof *policy->rules);
    policy->rules[policy->n_rules++] = (struct rule){xstrdup(name), c};
    qsort(policy->rules, policy->n_rules, sizeof *policy->rules, rule_cmp);
    return 0;
}

struct policy *
policy_new(bool enforce_new_defaults)
{
    struct policy *policy = xcalloc(1, sizeof *policy);

    for (size_t i = 0; i < policy_n_defaults; i++) {
        const struct policy_default *d = &policy_defaults[i];
        char *check = d->deprecated && !enforce_new_defaults
                          ? xasprintf("(%s) or (%s)", d->check, d->deprecated)
                          : xstrdup(d->check);
        char *error = NULL;

        if (policy_set_rule(policy, d->name, check, &error) < 0) {
            core_abort("default policy rule %s", error);
        }
        free(check);
    }
    return policy;
}

void
policy_free(struct policy *policy)
{
    if (policy) {
        for (size_t i = 0; i < policy->n_rules; i++) {
            free(policy->rules[i].name);
            check_free(policy->rules[i].check);
        }
        free(policy->rules);
        free(policy);
    }
}

int
policy_load_file(struct policy *policy, const char *path, char **ret_error)
{
    char *why = NULL;
    json_t *json = yamldoc_load_file(path, POLICY_FILE_MAX, &why), *v;
    const char *name;
    int r = 0;

    if (!json || !json_is_object(json)) {
        *ret_error =
            json ? xasprintf("%s: not a mapping of rules", path) : why;
        json_decref(json);
        return -EINVAL;
    }
    json_object_foreach (json, name, v) {
        char *error = NULL;

        if (!json_is_string(v)) {
            *ret_error =
                xasprintf("%s: rule '%s' is not a string", path, name);
            r = -EINVAL;
        } else if (policy_set_rule(policy, name, json_string_value(v), &error)
                   < 0) {
            *ret_error = xasprintf("%s: rule '%s': %s", path, name, error);
            free(error);
            r = -EINVAL;
        }
        if (r < 0) {
            break;
        }
    }
    json_decref(json);
    return r;
}

/* ---- Evaluation ---------------------------------------------------------
 */

/* A target attribute as Python's str() shows it, into 'ds'; false if it is
 * missing or not a scalar. */
static bool
put_value(struct ds *ds, const json_t *v)
{
    if (json_is_string(v)) {
        ds_put_cstr(ds, json_string_value(v));
    } else if (json_is_boolean(v)) {
        ds_put_cstr(ds, json_is_true(v) ? "True" : "False");
    } else if (json_is_integer(v)) {
        ds_put_format(ds, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_null(v)) {
        ds_put_cstr(ds, "None");
    } else {
        return false;
    }
    return true;
}

/* Expands "%(attr)s" in 'pattern' from 'target' into 'out'; false if an
 * attribute is missing. */
static bool
expand(const char *pattern, const json_t *target, struct ds *out)
{
    const char *p = pattern;

    while (*p) {
        const char *open = strstr(p, "%("), *close;
        char *key;
        bool ok;

        if (!open || !(close = strstr(open, ")s"))) {
            ds_put_cstr(out, p);
            break;
        }
        ds_put_buf(out, p, open - p);
        key = xstrndup(open + 2, close - open - 2);
        ok = put_value(out, json_object_get(target, key));
        free(key);
        if (!ok) {
            return false;
        }
        p = close + 2;
    }
    return true;
}

/* The context's value for a generic check's key, or NULL. */
static const char *
context_value(const struct request_context *ctx, const char *key)
{
    if (!strcmp(key, "project_id") || !strcmp(key, "tenant_id")) {
        return ctx->project_id;
    } else if (!strcmp(key, "user_id")) {
        return ctx->user_id;
    } else if (!strcmp(key, "is_admin")) {
        return ctx->is_admin ? "True" : "False";
    } else if (!strcmp(key, "system_scope")) {
        return ctx->system_scope;
    } else if (!strcmp(key, "project_domain_id")) {
        return ctx->project_domain_id;
    } else if (!strcmp(key, "user_domain_id")) {
        return ctx->user_domain_id;
    }
    return NULL;
}

static bool
check_role(const struct check *c, const struct request_context *ctx,
           const json_t *target)
{
    struct ds role;
    bool found = false;

    ds_init(&role);
    if (expand(c->a, target, &role)) {
        for (char **r = ctx->roles; *r && !found; r++) {
            found = !strcasecmp(*r, ds_cstr(&role));
        }
    }
    ds_destroy(&role);
    return found;
}

static bool
check_generic(const struct check *c, const struct request_context *ctx,
              const json_t *target)
{
    const char *have = context_value(ctx, c->a);
    struct ds want;
    bool match;

    ds_init(&want);
    match =
        have && expand(c->b, target, &want) && !strcmp(have, ds_cstr(&want));
    ds_destroy(&want);
    return match;
}

/* Neutron's FieldCheck: the target's attribute equals the value, converted
 * as the attribute is (booleans), or matches the regex. */
static bool
check_field(const struct check *c, const json_t *target)
{
    const json_t *v = json_object_get(target, c->a);

    if (!v || json_is_null(v)) {
        return false;
    }
    if (c->re) {
        return json_is_string(v)
               && !regexec(c->re, json_string_value(v), 0, NULL, 0);
    }
    if (json_is_boolean(v)) {
        int want = parse_boolean(c->b);
        return want >= 0 && want == json_is_true(v);
    }
    if (json_is_string(v)) {
        return !strcmp(json_string_value(v), c->b);
    }
    if (json_is_integer(v)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        return !strcmp(buf, c->b);
    }
    return false;
}

static bool
eval(const struct policy *policy, const struct check *c,
     const struct request_context *ctx, const json_t *target, int depth)
{
    const struct rule *rule;

    switch (c->kind) {
    case CHECK_TRUE:
        return true;
    case CHECK_FALSE:
        return false;
    case CHECK_AND:
        for (size_t i = 0; i < c->n_kids; i++) {
            if (!eval(policy, c->kids[i], ctx, target, depth)) {
                return false;
            }
        }
        return true;
    case CHECK_OR:
        for (size_t i = 0; i < c->n_kids; i++) {
            if (eval(policy, c->kids[i], ctx, target, depth)) {
                return true;
            }
        }
        return false;
    case CHECK_NOT:
        return !eval(policy, c->kids[0], ctx, target, depth);
    case CHECK_RULE:
        /* oslo.policy's Rules fall back to "default" for a missing name. */
        rule = find_rule(policy, c->a);
        rule = rule ? rule : find_rule(policy, "default");
        return rule && depth < POLICY_MAX_DEPTH
               && eval(policy, rule->check, ctx, target, depth + 1);
    case CHECK_ROLE:
        return check_role(c, ctx, target);
    case CHECK_FIELD:
        return check_field(c, target);
    case CHECK_GENERIC:
        return check_generic(c, ctx, target);
    }
    return false;
}

bool
policy_has_rule(const struct policy *policy, const char *name)
{
    return find_rule(policy, name) != NULL;
}

bool
policy_check(const struct policy *policy, const char *action,
             const struct request_context *ctx, const json_t *target)
{
    const struct rule *rule = find_rule(policy, action);

    if (!rule) {
        rule = find_rule(policy, "default");
    }
    return rule && eval(policy, rule->check, ctx, target, 0);
}
