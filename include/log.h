/*
** log.h: one-line diagnostics on stderr.
**
** Each line carries a UTC timestamp, the level, the process id and the
** process's role ("manager", "worker", "jobs", or the subcommand), so the
** interleaved output of a manager and its children reads clearly. nginx and
** systemd capture stderr; nothing here writes files.
*/
#ifndef JOURNEYS_LOG_H
#define JOURNEYS_LOG_H

/* Name the role shown on every following line (a static string). */
void log_role(const char *role);

/* Log at the given level; a trailing newline is added. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Silence info lines (warnings and errors still show). */
void log_quiet(int quiet);

#endif
