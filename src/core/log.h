/* Logging to stderr, one line per message, with the module's name.
 *
 * A module declares LOG_DEFINE_THIS_MODULE(name) once and then uses
 * log_error() ... log_debug().  The level threshold is process-wide and set
 * once by the daemon's main(). */
#ifndef CORE_LOG_H
#define CORE_LOG_H 1

#include "core/util.h"

enum log_level {
    LOG_LEVEL_ERROR,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
};

void log_set_level(enum log_level);
bool log_enabled(enum log_level);
void log_msg(enum log_level, const char *module, const char *fmt, ...)
    PRINTF_FORMAT(3, 4);

#define LOG_DEFINE_THIS_MODULE(name)                                          \
    static const char *const log_this_module __attribute__((unused)) = #name

#define log_error(...) log_msg(LOG_LEVEL_ERROR, log_this_module, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, log_this_module, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, log_this_module, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, log_this_module, __VA_ARGS__)

/* Logs at error level with strerror(-r) appended; returns 'r' so callers can
 * write "return log_error_errno(r, ...)". */
#define log_error_errno(r, ...)                                               \
    log_errno(LOG_LEVEL_ERROR, log_this_module, r, __VA_ARGS__)
int log_errno(enum log_level, const char *module, int r, const char *fmt, ...)
    PRINTF_FORMAT(4, 5);

#endif /* core/log.h */
