/* log.h: stderr in the foreground, syslog otherwise; never blocks the DNS path. */
#ifndef DNSFENCE_LOG_H
#define DNSFENCE_LOG_H

#include <stdint.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

void	log_init(int foreground, int verbose);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_reopen(void);
uint64_t log_dropped(void);	/* syslog lines dropped because the socket was full */

void	log_warn(const char *, ...) LOG_FMT(1, 2);	/* appends strerror(errno) */
void	log_warnx(const char *, ...) LOG_FMT(1, 2);
void	log_info(const char *, ...) LOG_FMT(1, 2);
void	log_debug(const char *, ...) LOG_FMT(1, 2);	/* only with -v */
_Noreturn void fatal(const char *, ...) LOG_FMT(1, 2);
_Noreturn void fatalx(const char *, ...) LOG_FMT(1, 2);

#endif
