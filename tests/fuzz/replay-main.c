/* A stand-in for libFuzzer's main(): feeds every file named on the command
 * line, or found directly inside a directory named there, to the target's
 * LLVMFuzzerTestOneInput() once.  Linked with a fuzz target it gives a
 * plain executable (any compiler, no libFuzzer) that replays the committed
 * corpora as a regression test; run under the ASan build it also checks
 * them for memory errors.
 *
 *     replay-body tests/fuzz/corpus/body [more files or dirs...]
 *
 * Exits 0 when every input was run, 1 if a file could not be read.  A
 * target that finds a bug aborts, which fails the test. */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* libFuzzer calls LLVMFuzzerInitialize() when a target defines it; a weak
 * reference lets targets without one link too. */
#pragma weak LLVMFuzzerInitialize

static int
run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;

    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t n;

        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            if (!buf) {
                fprintf(stderr, "%s: out of memory\n", path);
                fclose(f);
                return -1;
            }
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            break;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: read error\n", path);
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);

    /* Give the target an exactly sized copy, as libFuzzer does, so ASan
     * notices a read one byte past the input. */
    {
        uint8_t *exact = malloc(len ? len : 1);

        if (!exact) {
            free(buf);
            return -1;
        }
        memcpy(exact, buf, len);
        free(buf);
        printf("running %s (%zu bytes)\n", path, len);
        fflush(stdout);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    return 0;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Runs the regular files directly inside 'dir', in name order so a run is
 * reproducible.  Returns the number of files that failed to load, or -1. */
static int
run_dir(const char *dir, size_t *n_run)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int failures = 0;

    if (!d) {
        fprintf(stderr, "%s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            char **more;

            cap = cap ? cap * 2 : 64;
            more = realloc(names, cap * sizeof *names);
            if (!more) {
                break;
            }
            names = more;
        }
        names[n] = malloc(strlen(dir) + strlen(de->d_name) + 2);
        if (!names[n]) {
            break;
        }
        sprintf(names[n], "%s/%s", dir, de->d_name);
        n++;
    }
    closedir(d);
    if (n) {
        qsort(names, n, sizeof *names, cmp_names);
    }
    for (size_t i = 0; i < n; i++) {
        struct stat st;

        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(names[i]) < 0) {
                failures++;
            } else {
                (*n_run)++;
            }
        }
        free(names[i]);
    }
    free(names);
    return failures;
}

int
main(int argc, char **argv)
{
    size_t n_run = 0;
    int failures = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            failures++;
        } else if (S_ISDIR(st.st_mode)) {
            int r = run_dir(argv[i], &n_run);
            failures += r < 0 ? 1 : r;
        } else if (run_file(argv[i]) < 0) {
            failures++;
        } else {
            n_run++;
        }
    }
    printf("%zu inputs run, %d failures to read\n", n_run, failures);
    if (n_run == 0 && failures == 0) {
        fprintf(stderr, "no inputs found\n");
        return 1;
    }
    return failures ? 1 : 0;
}
