/*
** harness.h: start the real stack (nginx + journeys serve, through
** nginx/run.sh) on a free loopback port in a temporary folder, and drive it
** with libcurl. Every test program starts its own stack and stops it, so
** nothing is left running.
*/
#ifndef JOURNEYS_HARNESS_H
#define JOURNEYS_HARNESS_H

#include <sys/types.h>

#include "buf.h"

typedef struct stack {
    char dir[256];     /* temporary folder: var/, copies of templates and courses */
    char base[64];     /* http://127.0.0.1:PORT */
    int port;
    pid_t pid;         /* run.sh, leader of its own process group */
} stack;

/* A free TCP port on loopback. */
int harness_free_port(void);

/* Wait on state, not on time: call ready(arg) until it returns non-zero,
** every 20 ms, for at most timeout_ms. Returns 1 if it did, 0 on timeout. */
int harness_wait(int (*ready)(void *), void *arg, int timeout_ms);

/* Start a stack (on $STACK_PORT when set, else a free port). Copies templates/ and courses/ into the temporary folder
** and points the configuration at the copies, so a test may change them.
** env: extra "NAME=value" strings, NULL-terminated, or NULL. Returns 0 once
** the site answers, -1 (and logs) otherwise. */
int stack_start(stack *s, const char *const *env);

/* Stop the stack (SIGTERM, then SIGKILL) and remove its folder. Returns the
** number of sanitizer reports (AddressSanitizer, UBSan "runtime error",
** LeakSanitizer) found in the stack's log, so tests can fail on them. */
int stack_stop(stack *s);

/* The manager's pid, from its pid file; -1 if unknown. */
pid_t stack_manager(const stack *s);

/* Children of pid (its workers), up to max; returns how many. */
int stack_children(pid_t pid, pid_t *out, int max);

/* The children of s's manager whose process name is role ("worker",
** "slow-worker", "checkpointer"...), up to max of them in out; returns how
** many there are. */
int stack_children_named(const stack *s, const char *role, pid_t *out, int max);

/* Path of a file inside the stack's folder, in a static buffer. */
const char *stack_path(const stack *s, const char *rel);

/* Run a command through /bin/sh with the stack's environment; returns the
** exit status and fills out (if not NULL) with stdout and stderr. */
int stack_run(const stack *s, const char *cmd, buf *out);

typedef struct http_res {
    long status;
    buf head;   /* raw header block */
    buf body;
} http_res;

/* One request to s->base + path. body may be NULL; headers is a
** NULL-terminated list of "Name: value" lines or NULL. Returns 0 if a
** response came back. Free with http_res_free. */
int http_do(const stack *s, const char *method, const char *path, const char *body,
            const char *const *headers, http_res *r);

/* The value of header name (case-insensitive) in a malloc'd string the
** caller frees, or NULL. */
char *http_res_header(const http_res *r, const char *name);

void http_res_free(http_res *r);

#endif
