/* Shared declarations of the fuzz targets.
 *
 * Each fuzz-*.c defines LLVMFuzzerTestOneInput() (and maybe
 * LLVMFuzzerInitialize()), and is linked either with libFuzzer
 * (-fsanitize=fuzzer, clang only) or with replay-main.c, which runs the
 * committed corpus once. */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H 1

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Returns a malloc'd NUL-terminated copy of the input, sized exactly, so
 * ASan flags a read past the terminator. */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s) {
        abort();
    }
    if (size) {
        memcpy(s, data, size);
    }
    s[size] = '\0';
    return s;
}

/* Reports a broken invariant and aborts, so libFuzzer saves the input. */
#define FUZZ_CHECK(cond, ...)                                                 \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: invariant violated: %s: ", __FILE__,      \
                    __LINE__, #cond);                                         \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            abort();                                                          \
        }                                                                     \
    } while (0)

#endif /* tests/fuzz/fuzz.h */
