/* ovsx: the process-wide side of the "OVS island" -- Open vSwitch's own C
 * library (libopenvswitch, built from Debian's openvswitch-source) linked
 * into one relocatable object whose only global symbols are the ovsx_, vsw_
 * and ofp_ functions declared in src/ovs/.  This header, vswitch.h and ofp.h
 * include only standard C headers, so code that uses src/core can use the
 * island without seeing a single OVS name.
 *
 * OVS's library is written for its poll_loop: every stateful object has a
 * run() that does work without blocking and a wait() that registers what
 * should wake the loop; poll_block() then sleeps until one of those happens
 * and clears the registrations.  A daemon built on the island uses that
 * loop as its main loop:
 *
 *     for (;;) {
 *         vsw_run(vsw); ofp_controller_run(ctl); my_run(...);
 *         vsw_wait(vsw); ofp_controller_wait(ctl); my_wait(...);
 *         ovsx_poll_block();
 *     }
 *
 * The island is single-threaded: call everything from one thread. */
#ifndef OVS_OVSX_H
#define OVS_OVSX_H 1

/* Logging levels of OVS's vlog, for ovsx_set_log_level(). */
enum ovsx_log_level {
    OVSX_LOG_OFF,
    OVSX_LOG_ERR,
    OVSX_LOG_WARN,
    OVSX_LOG_INFO,
    OVSX_LOG_DBG,
    OVSX_LOG_N
};

/* Does what OVS's library needs once per process: records 'name' as OVS's
 * program name for its log messages, installs its fatal-signal handling
 * (SIGTERM, SIGINT, SIGHUP and SIGALRM end the process from ovsx_poll_block()
 * after OVS's cleanup hooks ran; SIGPIPE is ignored) and sends vlog to stderr
 * at OVSX_LOG_WARN.  Call it before any other island function. */
void ovsx_init(const char *name);

/* Sets the level at which the island's modules log to stderr. */
void ovsx_set_log_level(enum ovsx_log_level level);

/* Makes the next ovsx_poll_block() wake when 'fd' is ready for 'events'
 * (POLLIN, POLLOUT, as poll(2)).  'fd' must be positive: OVS's poll loop
 * takes 0 for "no descriptor" and aborts, so dup() standard input first. */
void ovsx_poll_fd_wait(int fd, short events);

/* Makes the next ovsx_poll_block() wake after at most 'msec' milliseconds
 * (0 or less: at once). */
void ovsx_poll_timer_wait(long long msec);

/* Makes the next ovsx_poll_block() wake at the latest at 'when', a time as
 * ovsx_time_msec() reports it. */
void ovsx_poll_timer_wait_until(long long when);

/* Makes the next ovsx_poll_block() return at once. */
void ovsx_poll_immediate_wake(void);

/* Sleeps until one of the events registered since the last call (by the
 * functions above or by the island's wait() functions) happens, then
 * forgets them all. */
void ovsx_poll_block(void);

/* Milliseconds on a monotonic clock, as OVS's library keeps time (cached per
 * loop iteration, refreshed by ovsx_poll_block()). */
long long ovsx_time_msec(void);

/* OVS's run directory, where ovs-vswitchd keeps its sockets: $OVS_RUNDIR,
 * else the one OVS was configured with (/var/run/openvswitch). */
const char *ovsx_rundir(void);

#endif /* ovs/ovsx.h */
