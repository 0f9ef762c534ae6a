#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

/* Process-wide threshold: set once at start-up by main(). */
static enum log_level log_threshold = LOG_LEVEL_INFO;

static const char *const level_names[] = {
    [LOG_LEVEL_ERROR] = "ERROR",
    [LOG_LEVEL_WARN] = "WARNING",
    [LOG_LEVEL_INFO] = "INFO",
    [LOG_LEVEL_DEBUG] = "DEBUG",
};

void
log_set_level(enum log_level level)
{
    log_threshold = level;
}

bool
log_enabled(enum log_level level)
{
    return level <= log_threshold;
}

static void log_vmsg(enum log_level, const char *module, const char *suffix,
                     const char *fmt, va_list) PRINTF_FORMAT(4, 0);

static void
log_vmsg(enum log_level level, const char *module, const char *suffix,
         const char *fmt, va_list args)
{
    char buf[1024];

    vsnprintf(buf, sizeof buf, fmt, args);
    fprintf(stderr, "%s %s: %s%s\n", level_names[level], module, buf, suffix);
}

void
log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
    va_list args;

    if (!log_enabled(level)) {
        return;
    }
    va_start(args, fmt);
    log_vmsg(level, module, "", fmt, args);
    va_end(args);
}

int
log_errno(enum log_level level, const char *module, int r, const char *fmt,
          ...)
{
    char suffix[128];
    va_list args;

    if (!log_enabled(level)) {
        return r;
    }
    snprintf(suffix, sizeof suffix, ": %s", strerror(r < 0 ? -r : r));
    va_start(args, fmt);
    log_vmsg(level, module, suffix, fmt, args);
    va_end(args);
    return r;
}
