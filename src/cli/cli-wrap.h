/* Python's textwrap.fill(text, width) with TextWrapper's defaults
 * (expand_tabs, replace_whitespace, drop_whitespace, break_long_words,
 * break_on_hyphens), which prettytable applies to a table cell's lines
 * wider than their column once cliff's --max-width narrowed it.  Words
 * and hyphen breaks are found as textwrap's wordsep_re finds them; lengths
 * are counted in code points, as Python's len().  Characters outside
 * ASCII count as letters. */
#ifndef CLI_CLI_WRAP_H
#define CLI_CLI_WRAP_H 1

#include <stddef.h>

/* 'text' (UTF-8, one line) wrapped to lines of at most 'width' (> 0)
 * code points, joined by '\n' (malloc'd). */
char *cli_wrap_fill(const char *text, size_t width);

#endif /* cli/cli-wrap.h */
