/* ovsx: process-wide set-up of OVS's library and its poll loop.  See
 * ovsx.h. */
#include <config.h>

#include "ovs/ovsx.h"

#include "dirs.h"
#include "fatal-signal.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

void
ovsx_init(const char *name)
{
    set_program_name(name);
    fatal_ignore_sigpipe();
    fatal_signal_init();
    /* Syslog is the daemon's business, not the library's. */
    vlog_set_levels(NULL, VLF_SYSLOG, VLL_OFF);
    ovsx_set_log_level(OVSX_LOG_WARN);
}

void
ovsx_set_log_level(enum ovsx_log_level level)
{
    static const enum vlog_level levels[OVSX_LOG_N] = {
        [OVSX_LOG_OFF] = VLL_OFF,   [OVSX_LOG_ERR] = VLL_ERR,
        [OVSX_LOG_WARN] = VLL_WARN, [OVSX_LOG_INFO] = VLL_INFO,
        [OVSX_LOG_DBG] = VLL_DBG,
    };

    ovs_assert(level < OVSX_LOG_N);
    vlog_set_levels(NULL, VLF_CONSOLE, levels[level]);
}

void
ovsx_poll_fd_wait(int fd, short events)
{
    poll_fd_wait(fd, events);
}

void
ovsx_poll_timer_wait(long long msec)
{
    poll_timer_wait(msec);
}

void
ovsx_poll_timer_wait_until(long long when)
{
    poll_timer_wait_until(when);
}

void
ovsx_poll_immediate_wake(void)
{
    poll_immediate_wake();
}

void
ovsx_poll_block(void)
{
    poll_block();
}

long long
ovsx_time_msec(void)
{
    return time_msec();
}

const char *
ovsx_rundir(void)
{
    return ovs_rundir();
}
