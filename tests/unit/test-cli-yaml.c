/* cli-yaml against PyYAML: each case is a JSON value and what
 * yaml.safe_dump(value, default_flow_style=False) printed for it with
 * Debian 12's PyYAML 6.0 (plain, single- and double-quoted strings, YAML
 * 1.1's implicit types, folding past column 80, escapes, nesting, empty
 * collections, floats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli-yaml.h"

static const struct {
    const char *json;
    const char *yaml;
} cases[] = {
    {"{\"a\": \"x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x "
     "x x x x x x x x x x x x x x x x x x x \", \"b\": "
     "\"2024-04-21T07:02:29Z\", \"c\": \"\", \"d\": null, \"e\": [], \"f\": "
     "{\"0\": \"openvswitch\", \"x\": true}, \"g\": [{\"k\": 1, \"a\": "
     "\"z\"}], \"h\": \"it's \\\"here\\\"\", \"i\": \"r\\u00e9seau "
     "\\u65e5\\u672c \\ud83d\\ude00\", \"j\": \"a\\nb\", \"k\": "
     "\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
     "yyyyyyyyyyyyyyyyyyyy zzzzzzzzzz\", \"l\": \"10:20:30\"}",
     "a: 'x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x "
     "x x x x x\n"
     "  x x x x x x x x x x x '\n"
     "b: '2024-04-21T07:02:29Z'\n"
     "c: ''\n"
     "d: null\n"
     "e: []\n"
     "f:\n"
     "  '0': openvswitch\n"
     "  x: true\n"
     "g:\n"
     "- a: z\n"
     "  k: 1\n"
     "h: it's \"here\"\n"
     "i: \"r\\xE9seau \\u65E5\\u672C \\U0001F600\"\n"
     "j: 'a\n"
     "\n"
     "  b'\n"
     "k: "
     "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
     "yyyyyyyyyyyyyyyyyy\n"
     "  zzzzzzzzzz\n"
     "l: '10:20:30'\n"},
    {"[{\"ID\": \"x\", \"Name\": \"\"}]", "- ID: x\n"
                                          "  Name: ''\n"},
    {"[]", "[]\n"},
    {"{\"s\": [\"1e3\", \"0x1f\", \"~\", \"-\", \"- a\", \"a: b\", \"#x\", "
     "\"x #y\", \"@\", \"`\", \"'\", \"\\\"\", \" lead\", \"trail \", "
     "\"tab\\there\", \"cr\\rx\", \"yes\", \"No\", \"null\", \"1.5\", \".5\", "
     "\"1_000\", \"0o7\", \"07\", \"+1\", \"-.inf\", \".NaN\", \"<<\", \"=\", "
     "\"2024-01-02\", \"a:b\", \"?x\", \"? x\", \"---x\", \"...\", \"x: \", "
     "\"http://a:b/c\"]}",
     "s:\n"
     "- 1e3\n"
     "- '0x1f'\n"
     "- '~'\n"
     "- '-'\n"
     "- '- a'\n"
     "- 'a: b'\n"
     "- '#x'\n"
     "- 'x #y'\n"
     "- '@'\n"
     "- '`'\n"
     "- ''''\n"
     "- '\"'\n"
     "- ' lead'\n"
     "- 'trail '\n"
     "- \"tab\\there\"\n"
     "- \"cr\\rx\"\n"
     "- 'yes'\n"
     "- 'No'\n"
     "- 'null'\n"
     "- '1.5'\n"
     "- '.5'\n"
     "- '1_000'\n"
     "- 0o7\n"
     "- '07'\n"
     "- '+1'\n"
     "- '-.inf'\n"
     "- '.NaN'\n"
     "- '<<'\n"
     "- '='\n"
     "- '2024-01-02'\n"
     "- a:b\n"
     "- ?x\n"
     "- '? x'\n"
     "- '---x'\n"
     "- '...'\n"
     "- 'x: '\n"
     "- http://a:b/c\n"},
    {"{\"u\": "
     "\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
     "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\"
     "u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u0"
     "0e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e"
     "9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
     "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\"
     "u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u0"
     "0e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e"
     "9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
     "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\", \"v\": "
     "\"word word word word word word word word word word word word word word "
     "word word word word word word word word word word word word word word "
     "word word \\u00e9\", \"w\": \"a\\n\\nb  c\\n\", \"x\": [[1, 2], [], "
     "[{\"a\": []}]], \"y\": {\"k\": {}}, \"z\": [1.5, 2.0, 1e+20, -0.0, 3], "
     "\"long key with spaces\": \"v\"}",
     "long key with spaces: v\n"
     "u: "
     "\"\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9"
     "\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\\n"
     "  "
     "\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\"
     "xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\\n"
     "  "
     "\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\"
     "xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\\n"
     "  "
     "\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\"
     "xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\\n"
     "  "
     "\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\"
     "xE9\\xE9\\xE9\\xE9\\xE9\\xE9\"\n"
     "v: \"word word word word word word word word word word word word word "
     "word word word\\\n"
     "  \\ word word word word word word word word word word word word word "
     "word \\xE9\"\n"
     "w: 'a\n"
     "\n"
     "\n"
     "  b  c\n"
     "\n"
     "  '\n"
     "x:\n"
     "- - 1\n"
     "  - 2\n"
     "- []\n"
     "- - a: []\n"
     "y:\n"
     "  k: {}\n"
     "z:\n"
     "- 1.5\n"
     "- 2.0\n"
     "- 1.0e+20\n"
     "- -0.0\n"
     "- 3\n"},
    {"{\"q\": \"quote's quote's quote's quote's quote's quote's quote's "
     "quote's quote's quote's quote's quote's quote's quote's quote's \", "
     "\"desc\": \"aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa "
     "aaaa aaaa it's\", \"dq\": \"tab\\tmore words more words more words more "
     "words more words more words more words more words more words more words "
     "\"}",
     "desc: aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa "
     "aaaa it's\n"
     "dq: \"tab\\tmore words more words more words more words more words more "
     "words more words\\\n"
     "  \\ more words more words more words \"\n"
     "q: 'quote''s quote''s quote''s quote''s quote''s quote''s quote''s "
     "quote''s quote''s\n"
     "  quote''s quote''s quote''s quote''s quote''s quote''s '\n"},
    {"[{\"Fixed IP Addresses\": [{\"ip_address\": \"172.17.0.0\", "
     "\"subnet_id\": \"ef7c7472-0b1d-497f-bc86-889a5c6ae52c\"}], \"ID\": "
     "\"43bf8dcc-083a-4c61-8d5f-bd6c7e763e5b\", \"MAC Address\": "
     "\"fa:16:3e:4a:1e:19\", \"Name\": \"\", \"Status\": \"ACTIVE\"}]",
     "- Fixed IP Addresses:\n"
     "  - ip_address: 172.17.0.0\n"
     "    subnet_id: ef7c7472-0b1d-497f-bc86-889a5c6ae52c\n"
     "  ID: 43bf8dcc-083a-4c61-8d5f-bd6c7e763e5b\n"
     "  MAC Address: fa:16:3e:4a:1e:19\n"
     "  Name: ''\n"
     "  Status: ACTIVE\n"},
};

static void
test_pyyaml_cases(void **state)
{
    (void) state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        struct ds out = DS_EMPTY_INITIALIZER;

        assert_non_null(v);
        cli_yaml_dump(&out, v);
        assert_string_equal(ds_cstr(&out), cases[i].yaml);
        ds_destroy(&out);
        json_decref(v);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pyyaml_cases),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
