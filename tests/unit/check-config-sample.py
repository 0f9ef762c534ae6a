#!/usr/bin/python3
"""The sample configuration documents exactly the options the daemons read.

    check-config-sample.py SAMPLE SOURCE.c...

Reads the option tables (`static const struct config_option NAME[] = {...}`)
of the given C files: entries written as OPT("section", "key", ...), as
{"section", "key", ...}, or through a one-argument macro defined as
OPT("section", #KEY, ...).  Reads SAMPLE: `[section]` headers and option
lines `key = value` or `#key = value` (commented out: the default).  Fails,
listing every problem, when an option the code reads is missing from the
sample, when the sample has an option no code reads, when an option appears
twice in one section, or when an option line does not follow a one-line
comment (`# ...`) that says what it does.  A source file without a table
also fails, so a change of the table's shape cannot make this pass
vacuously.
"""

import re
import sys

TABLE_RE = re.compile(
    r"static\s+const\s+struct\s+config_option\s+\w+\s*\[\s*\]\s*=\s*\{"
    r"(.*?)\n\};", re.S)
DIRECT_RE = re.compile(r'(?:\bOPT\(|\{)\s*"(\w+)"\s*,\s*"(\w+)"')
MACRO_DEF_RE = re.compile(
    r'#define\s+(\w+)\(\s*(\w+)\s*\)\s*\\?\s*OPT\(\s*"(\w+)"\s*,\s*#\2\b')
SECTION_RE = re.compile(r"^\[(\w+)\]\s*$")
OPTION_RE = re.compile(r"^#?([a-z][a-z0-9_]*)\s*=")
PROSE_RE = re.compile(r"^# \S")


def code_options(path):
    text = open(path).read()
    tables = TABLE_RE.findall(text)
    if not tables:
        sys.exit("%s: no config_option table found" % path)
    macros = {m[0]: m[2] for m in MACRO_DEF_RE.findall(text)}
    found = set()
    for body in tables:
        found.update(DIRECT_RE.findall(body))
        for name, section in macros.items():
            body_uses = re.sub(r"#define[^\n]*(\\\n[^\n]*)*", "", body)
            for key in re.findall(r"\b%s\(\s*(\w+)\s*\)" % name, body_uses):
                found.add((section, key))
    return found


def sample_options(path):
    """{(section, key): line number}, and the problems seen."""
    options, problems = {}, []
    section, prev = None, ""
    for n, line in enumerate(open(path).read().splitlines(), 1):
        line = line.rstrip()
        m = SECTION_RE.match(line)
        if m:
            section = m.group(1)
        m = OPTION_RE.match(line)
        if m:
            key = (section, m.group(1))
            if section is None:
                problems.append("%s:%d: option outside a section" % (path, n))
            elif key in options:
                problems.append("%s:%d: [%s] %s also on line %d" % (
                    path, n, key[0], key[1], options[key]))
            if not PROSE_RE.match(prev):
                problems.append("%s:%d: [%s] %s has no comment line above" % (
                    path, n, key[0], key[1]))
            options.setdefault(key, n)
        prev = line
    return options, problems


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sample, sources = sys.argv[1], sys.argv[2:]
    code = set()
    for src in sources:
        code |= code_options(src)
    documented, problems = sample_options(sample)
    for section, key in sorted(code - set(documented)):
        problems.append("%s: [%s] %s is read by the code but not in the "
                        "sample" % (sample, section, key))
    for section, key in sorted(set(documented) - code):
        problems.append("%s:%d: [%s] %s is read by no code" % (
            sample, documented[(section, key)], section, key))
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print("%d options, each documented once in %s" % (len(code), sample))


if __name__ == "__main__":
    main()
