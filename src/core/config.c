/*
** config.c: settings from defaults, INI (libinih) and environment.
*/
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { STR, INT, BOOL };

struct setting {
    const char *section, *key;
    enum kind kind;
    size_t offset;
    const char *def;
    int min, max; /* for INT */
};

#define S(sec, key, field, def) {sec, key, STR, offsetof(config, field), def, 0, 0}
#define I(sec, key, field, def, lo, hi) {sec, key, INT, offsetof(config, field), def, lo, hi}
#define B(sec, key, field, def) {sec, key, BOOL, offsetof(config, field), def, 0, 1}

static const struct setting settings[] = {
    S("server", "socket", socket, "var/journeys.sock"),
    S("server", "listen", listen, ""),
    I("server", "workers", workers, "0", 0, 256),
    I("server", "max_requests", max_requests, "100000", 1, INT_MAX),
    I("server", "drain_seconds", drain_seconds, "10", 1, 3600),
    I("server", "max_body", max_body, "65536", 1024, 64 * 1024 * 1024),
    S("server", "slow_socket", slow_socket, "var/journeys-slow.sock"),
    I("server", "slow_workers", slow_workers, "2", 0, 64),
    S("server", "write_socket", write_socket, "var/journeys-write.sock"),
    I("server", "write_workers", write_workers, "1", 0, 8),
    I("server", "backlog", backlog, "1024", 16, 65535),
    S("paths", "var", var, "var"),
    S("paths", "database", database, "var/journeys.db"),
    S("paths", "templates", templates, "templates"),
    S("paths", "courses", courses, "courses"),
    S("paths", "pidfile", pidfile, "var/journeys.pid"),
    S("site", "base_url", base_url, "http://127.0.0.1:8080"),
    B("site", "demo", demo, "true"),
    B("site", "secure_cookies", secure_cookies, "false"),
    I("site", "cache_seconds", cache_seconds, "60", 0, 86400),
    I("site", "cancel_days", cancel_days, "3", 0, 365),
    I("site", "hold_minutes", hold_minutes, "30", 1, 1440),
    I("site", "offer_hours", offer_hours, "48", 1, 720),
    S("site", "invoice_confirm", invoice_confirm, "immediate"),
    I("site", "session_days", session_days, "30", 1, 365),
    I("site", "signin_per_account", signin_per_account, "5", 1, 1000000),
    I("site", "signin_per_address", signin_per_address, "300", 1, 1000000),
    S("site", "secret", site_secret, "journeys-development-secret"),
    S("mail", "smtp_url", smtp_url, "smtp://127.0.0.1:2525"),
    S("mail", "smtp_user", smtp_user, ""),
    S("mail", "smtp_password", smtp_password, ""),
    B("mail", "require_tls", smtp_require_tls, "false"),
    I("mail", "timeout", smtp_timeout, "20", 1, 600),
    S("mail", "from", mail_from, "journeys@localhost"),
    S("mail", "from_name", mail_from_name, "Journeys"),
    I("mail", "max_attempts", mail_max_attempts, "8", 1, 100),
    I("mail", "retry_seconds", mail_retry_seconds, "60", 1, 3600),
    S("payments", "api_base", pay_api_base, "http://127.0.0.1:12111"),
    S("payments", "secret_key", pay_secret_key, "sk_test_journeys"),
    S("payments", "webhook_secret", pay_webhook_secret, "whsec_journeys_dev"),
    S("payments", "checkout_origin", pay_checkout_origin, "https://checkout.stripe.com"),
    I("payments", "timeout", pay_timeout, "20", 1, 120),
    S("community", "url", community_url, "https://community.mastery.org"),
    S("community", "api_url", community_api_url, ""),
    S("community", "api_key", community_api_key, ""),
    S("community", "api_user", community_api_user, "system"),
    I("jobs", "interval", jobs_interval, "5", 1, 3600),
    /* activity submissions */
    S("uploads", "files", uploads_files, "var/files"),
    S("uploads", "temp", uploads_temp, "var/upload-tmp"),
    I("uploads", "max_file_mb", uploads_max_file_mb, "10", 1, 1024),
    I("uploads", "max_submission_mb", uploads_max_submission_mb, "25", 1, 1024),
    I("uploads", "max_files", uploads_max_files, "5", 1, 50),
    I("uploads", "sweep_seconds", uploads_sweep_seconds, "3600", 1, 7 * 24 * 3600),
};

#define N_SETTINGS (sizeof settings / sizeof settings[0])

/* Parse a boolean word; returns 0 or 1, or -1 if it is not one. */
static int parse_bool(const char *v)
{
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
        return 1;
    if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") || !strcmp(v, "0"))
        return 0;
    return -1;
}

/* Store value v into setting s of c. Returns NULL, or a static message. */
static const char *assign(config *c, const struct setting *s, const char *v)
{
    char *field = (char *)c + s->offset;
    if (s->kind == STR && !strcmp(s->key, "invoice_confirm") && strcmp(v, "immediate") && strcmp(v, "approval"))
        return "expected immediate or approval";
    if (s->kind == STR) {
        char *copy = strdup(v);
        if (!copy)
            return "out of memory";
        free(*(char **)field);
        *(char **)field = copy;
        return NULL;
    }
    if (s->kind == BOOL) {
        int b = parse_bool(v);
        if (b < 0)
            return "expected true or false";
        *(int *)field = b;
        return NULL;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < s->min || n > s->max)
        return "expected a whole number in range";
    *(int *)field = (int)n;
    return NULL;
}

/* The declared setting for section/key, or NULL. */
static const struct setting *find(const char *section, const char *key)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (!strcmp(settings[i].section, section) && !strcmp(settings[i].key, key))
            return &settings[i];
    return NULL;
}

struct ini_ctx {
    config *c;
    const char *path;
    buf *err;
    int failed;
};

/* libinih callback: apply one name=value, recording errors. (Debian's
** libinih is built without line numbers for handlers; syntax errors still
** come back with theirs from ini_parse.) */
static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct ini_ctx *ctx = user;
    const struct setting *s = find(section, name);
    if (!s) {
        buf_printf(ctx->err, "%s: unknown setting [%s] %s\n", ctx->path, section, name);
        ctx->failed = 1;
        return 1;
    }
    const char *msg = assign(ctx->c, s, value);
    if (msg) {
        buf_printf(ctx->err, "%s: [%s] %s = %s: %s\n", ctx->path, section, name, value, msg);
        ctx->failed = 1;
    }
    return 1;
}

int config_load(config *c, const char *path, buf *err)
{
    memset(c, 0, sizeof *c);
    int failed = 0;
    for (size_t i = 0; i < N_SETTINGS; i++)
        assign(c, &settings[i], settings[i].def);
    if (path && *path) {
        struct ini_ctx ctx = {c, path, err, 0};
        int rc = ini_parse(path, on_ini, &ctx);
        if (rc < 0) {
            buf_printf(err, "%s: cannot read the configuration file: %s\n", path, strerror(errno));
            failed = 1;
        } else if (rc > 0) {
            buf_printf(err, "%s:%d: not a name = value line or [section]\n", path, rc);
            failed = 1;
        }
        failed |= ctx.failed;
    }
    for (size_t i = 0; i < N_SETTINGS; i++) {
        char name[96];
        snprintf(name, sizeof name, "JOURNEYS_%s_%s", settings[i].section, settings[i].key);
        for (char *p = name; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        const char *v = getenv(name);
        if (!v)
            continue;
        const char *msg = assign(c, &settings[i], v);
        if (msg) {
            buf_printf(err, "environment %s=%s: %s\n", name, v, msg);
            failed = 1;
        }
    }
    size_t n = c->base_url ? strlen(c->base_url) : 0;
    while (n > 0 && c->base_url[n - 1] == '/')
        c->base_url[--n] = '\0';
    return failed ? -1 : 0;
}

void config_free(config *c)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (settings[i].kind == STR) {
            char **field = (char **)((char *)c + settings[i].offset);
            free(*field);
            *field = NULL;
        }
}

void config_dump(const config *c, buf *out)
{
    const char *section = "";
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const struct setting *s = &settings[i];
        if (strcmp(section, s->section)) {
            buf_printf(out, "%s[%s]\n", *section ? "\n" : "", s->section);
            section = s->section;
        }
        const char *field = (const char *)c + s->offset;
        if (s->kind == STR)
            buf_printf(out, "%s = %s\n", s->key, *(char *const *)field);
        else if (s->kind == BOOL)
            buf_printf(out, "%s = %s\n", s->key, *(const int *)field ? "true" : "false");
        else
            buf_printf(out, "%s = %d\n", s->key, *(const int *)field);
    }
}

/* The built-in default of section/key (a string setting). */
static const char *default_of(const char *section, const char *key)
{
    const struct setting *s = find(section, key);
    return s ? s->def : "";
}

int config_is_loopback(const config *c)
{
    const char *u = c->base_url ? c->base_url : "";
    const char *p = strstr(u, "://");
    p = p ? p + 3 : u;
    const char *at = strchr(p, '@'), *slash = strchr(p, '/');
    if (at && (!slash || at < slash))
        p = at + 1;
    char host[256];
    size_t n;
    if (*p == '[') {
        n = strcspn(p + 1, "]");
        snprintf(host, sizeof host, "%.*s", (int)n, p + 1);
    } else {
        n = strcspn(p, ":/?#");
        snprintf(host, sizeof host, "%.*s", (int)n, p);
    }
    for (char *h = host; *h; h++)
        *h = (char)tolower((unsigned char)*h);
    n = strlen(host);
    if (!strcmp(host, "localhost") || (n > 10 && !strcmp(host + n - 10, ".localhost")) || !strcmp(host, "::1"))
        return 1;
    if (strncmp(host, "127.", 4))
        return 0;
    int dots = 0;
    for (const char *h = host; *h; h++) {
        if (*h == '.')
            dots++;
        else if (!isdigit((unsigned char)*h))
            return 0;
    }
    return dots == 3;
}

int config_check_production(const config *c, buf *err)
{
    if (config_is_loopback(c))
        return 0;
    int problems = 0;
    if (!strcmp(c->pay_secret_key, default_of("payments", "secret_key"))) {
        buf_printf(err, "[payments] secret_key is the development default (%s): set the payment provider's "
                        "secret key (or JOURNEYS_PAYMENTS_SECRET_KEY).\n", c->pay_secret_key);
        problems++;
    }
    if (!*c->pay_webhook_secret || !strcmp(c->pay_webhook_secret, default_of("payments", "webhook_secret"))) {
        buf_printf(err, "[payments] webhook_secret is %s: anyone could forge payment events. Set the webhook "
                        "signing secret the provider gives (or JOURNEYS_PAYMENTS_WEBHOOK_SECRET).\n",
                   *c->pay_webhook_secret ? "the development default" : "empty");
        problems++;
    }
    if (strlen(c->site_secret) < 32 || !strcmp(c->site_secret, default_of("site", "secret"))) {
        buf_printf(err, "[site] secret is %s: anyone could make unsubscribe links for other people. Set a "
                        "private random value of at least 32 characters (or JOURNEYS_SITE_SECRET).\n",
                   !strcmp(c->site_secret, default_of("site", "secret")) ? "the development default" : "too short");
        problems++;
    }
    if (c->demo) {
        buf_printf(err, "[site] demo is on: demonstration offerings would be shown and sold. Set demo = false "
                        "(or JOURNEYS_SITE_DEMO=false).\n");
        problems++;
    }
    return problems;
}
