/*
 * notify.h: systemd's readiness protocol (sd_notify(3)), without libsystemd. The parent opens
 * $NOTIFY_SOCKET before its seccomp filter and sends READY=1 when the worker reports that it
 * runs (IMSG_READY): the queue is bound and privileges are dropped. Without NOTIFY_SOCKET
 * (not started by systemd, or not Type=notify) it does nothing.
 */
#ifndef DNSFENCE_NOTIFY_H
#define DNSFENCE_NOTIFY_H

/* Connect to $NOTIFY_SOCKET, if set, and unset it. Returns -1 (and logs) on an error. */
int	notify_open(void);

/*
 * systemd's watchdog (WatchdogSec=): the interval in ms at which the parent should ping the
 * worker (half of $WATCHDOG_USEC), or 0 when there is none or it is meant for another
 * process ($WATCHDOG_PID). Unsets both. Call before notify_open's caller forks again.
 */
unsigned long	notify_watchdog_ms(void);

/* Send one state line ("READY=1", "STOPPING=1"); errors are ignored. */
void	notify_send(const char *);

#endif
