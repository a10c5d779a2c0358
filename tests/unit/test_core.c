/*
** test_core.c: the arena, the string builder, text checks, configuration,
** and the database layer (migrations, statement cache, idle check).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "check.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "schema.h"
#include "text.h"

/* Allocations are aligned, distinct, survive growth, and reset keeps one chunk. */
static void test_arena(void)
{
    arena *a = arena_new(1024);
    char *p = arena_alloc(a, 10);
    char *q = arena_alloc(a, 10);
    CHECK(p != q);
    CHECK(((uintptr_t)p % 16) == 0 && ((uintptr_t)q % 16) == 0);
    memset(p, 'x', 10);
    char *big = arena_alloc(a, 100000); /* larger than a chunk: a chunk of its own */
    memset(big, 'y', 100000);
    CHECK(p[9] == 'x');
    CHECK(arena_used(a) >= 100020);
    CHECK_STR(arena_strdup(a, "hello"), "hello");
    CHECK_STR(arena_strndup(a, "hello world", 5), "hello");
    CHECK(arena_strdup(a, NULL) == NULL);
    CHECK_STR(arena_printf(a, "%d-%s", 42, "x"), "42-x");
    char *z = arena_zalloc(a, 64);
    int zero = 1;
    for (int i = 0; i < 64; i++)
        zero &= z[i] == 0;
    CHECK(zero);
    arena_reset(a);
    CHECK(arena_used(a) == 0);
    CHECK(arena_reserved(a) == 1024); /* only the first chunk is kept */
    /* Memory stays flat across many request-sized cycles. */
    for (int round = 0; round < 10000; round++) {
        for (int i = 0; i < 50; i++)
            arena_alloc(a, 100);
        arena_reset(a);
    }
    CHECK(arena_reserved(a) == 1024);
    CHECK(arena_alloc(a, 0) != NULL);
    arena_free(a);
    arena_free(NULL);
}

/* Appends, formatting, the sticky limit, detach and reset. */
static void test_buf(void)
{
    buf b = BUF_INIT;
    CHECK_STR(buf_str(&b), "");
    buf_puts(&b, "abc");
    buf_putc(&b, 'd');
    buf_printf(&b, "%05d", 42);
    CHECK_STR(buf_str(&b), "abcd00042");
    CHECK(b.len == 9);
    for (int i = 0; i < 10000; i++)
        buf_puts(&b, "0123456789");
    CHECK(b.len == 100009);
    CHECK(!buf_failed(&b));
    buf_truncate(&b, 4);
    CHECK_STR(buf_str(&b), "abcd");
    buf_reset(&b);
    CHECK(b.len == 0);
    buf_free(&b);

    buf lim;
    buf_init(&lim, 8);
    buf_puts(&lim, "12345");
    buf_puts(&lim, "6789"); /* past the limit: fails, and sticks */
    CHECK(buf_failed(&lim));
    CHECK_STR(buf_str(&lim), "12345");
    buf_puts(&lim, "x");
    CHECK_STR(buf_str(&lim), "12345");
    CHECK(buf_detach(&lim) == NULL); /* a failed builder hands out nothing */
    buf_puts(&lim, "ok");
    char *s = buf_detach(&lim);
    CHECK_STR(s, "ok");
    free(s);
    buf_free(&lim);
    buf e = BUF_INIT;
    char *empty = buf_detach(&e);
    CHECK_STR(empty, "");
    free(empty);
    buf bin = BUF_INIT;
    buf_append(&bin, "a\0b", 3);
    CHECK(bin.len == 3 && bin.data[1] == '\0' && bin.data[3] == '\0');
    buf_free(&bin);
}

/* UTF-8 validity, hex digits and slugs. */
static void test_text(void)
{
    CHECK(text_utf8_valid("plain", 5));
    CHECK(text_utf8_valid("caf\xc3\xa9", 5));
    CHECK(text_utf8_valid("\xf0\x9f\x98\x80", 4));
    CHECK(!text_utf8_valid("\xc0\xaf", 2));          /* overlong */
    CHECK(!text_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
    CHECK(!text_utf8_valid("\xf4\x90\x80\x80", 4));  /* past U+10FFFF */
    CHECK(!text_utf8_valid("\xc3", 1));              /* cut short */
    CHECK(!text_utf8_valid("\x80", 1));              /* stray continuation */
    CHECK(text_utf8_seq("\xe2\x80\x93x", 4) == 3);
    CHECK(text_utf8_seq("", 0) == 0);
    CHECK(text_is_hex('a') && text_is_hex('F') && text_is_hex('0') && !text_is_hex('g'));
    arena *a = arena_new(0);
    CHECK_STR(text_slug(a, "The Science of Learning!", 0), "the-science-of-learning");
    CHECK_STR(text_slug(a, "  --  ", 0), "item");
    CHECK_STR(text_slug(a, "Caf\xc3\xa9 au lait", 0), "caf-au-lait");
    CHECK_STR(text_slug(a, "abcdefghij", 4), "abcd");
    CHECK(text_is_slug("purpose-and-vision"));
    CHECK(!text_is_slug("-x") && !text_is_slug("x-") && !text_is_slug("") && !text_is_slug("A"));
    arena_free(a);
}

/* Defaults, the file, the environment, and refusals with line numbers. */
static void test_config(void)
{
    config c;
    buf err = BUF_INIT;
    unsetenv("JOURNEYS_SERVER_WORKERS");
    CHECK(config_load(&c, NULL, &err) == 0);
    CHECK_STR(c.socket, "var/journeys.sock");
    CHECK(c.demo == 1 && c.workers == 0);
    config_free(&c);

    char path[] = "/tmp/journeys-config-XXXXXX";
    int fd = mkstemp(path);
    const char *ini = "[server]\nworkers = 3\n[site]\nbase_url = https://example.org/\ndemo = no\n";
    CHECK(write(fd, ini, strlen(ini)) == (ssize_t)strlen(ini));
    close(fd);
    setenv("JOURNEYS_SERVER_WORKERS", "5", 1);
    CHECK(config_load(&c, path, &err) == 0);
    CHECK(c.workers == 5);                       /* the environment wins */
    CHECK_STR(c.base_url, "https://example.org"); /* trailing slash dropped */
    CHECK(c.demo == 0);
    buf dump = BUF_INIT;
    config_dump(&c, &dump);
    CHECK_CONTAINS(buf_str(&dump), "workers = 5");
    buf_free(&dump);
    config_free(&c);
    unsetenv("JOURNEYS_SERVER_WORKERS");

    fd = open(path, O_WRONLY | O_TRUNC);
    const char *bad = "[server]\nworkers = many\n[nope]\nkey = 1\nthis line is broken\n";
    CHECK(write(fd, bad, strlen(bad)) == (ssize_t)strlen(bad));
    close(fd);
    buf_reset(&err);
    CHECK(config_load(&c, path, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "workers = many: expected a whole number");
    CHECK_CONTAINS(buf_str(&err), "unknown setting [nope] key");
    CHECK_CONTAINS(buf_str(&err), ":5: not a name = value line");
    config_free(&c);
    setenv("JOURNEYS_SITE_DEMO", "perhaps", 1);
    buf_reset(&err);
    CHECK(config_load(&c, NULL, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "JOURNEYS_SITE_DEMO=perhaps");
    config_free(&c);
    unsetenv("JOURNEYS_SITE_DEMO");
    buf_reset(&err);
    CHECK(config_load(&c, "/nonexistent/journeys.ini", &err) == -1);
    config_free(&c);
    unlink(path);
    buf_free(&err);
}

/* Whether the INI text ini names key in [section], set or commented out
** ("; key = ..."). */
static int ini_names(const char *ini, const char *section, const char *key)
{
    char head[64];
    snprintf(head, sizeof head, "\n[%s]\n", section);
    const char *p = strstr(ini, head);
    if (!p)
        return 0;
    p += strlen(head);
    const char *end = strstr(p, "\n[");
    size_t n = strlen(key);
    for (const char *l = p; *l && (!end || l < end); l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        const char *k = l;
        if (*k == ';')
            k += strspn(k + 1, " ") + 1;
        if (!strncmp(k, key, n) && (k[n] == ' ' || k[n] == '='))
            return 1;
    }
    return 0;
}

/* The production example loads, names every setting the program knows in
** its section, and is refused for serving until the payment secrets and
** the site's secret are set. */
static void test_production_example(void)
{
    FILE *f = fopen("nginx/journeys.ini", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    buf ini = BUF_INIT;
    buf_putc(&ini, '\n');
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&ini, chunk, got);
    fclose(f);
    config c;
    buf err = BUF_INIT, dump = BUF_INIT;
    CHECK(config_load(&c, "nginx/journeys.ini", &err) == 0);
    config_dump(&c, &dump);
    char section[32] = "";
    int listed = 0;
    for (char *l = (char *)buf_str(&dump); *l;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        char key[64];
        if (sscanf(l, "[%31[a-z]]", section) == 1) {
        } else if (sscanf(l, "%63[a-z_] =", key) == 1) {
            listed++;
            if (!ini_names(buf_str(&ini), section, key)) {
                fprintf(stderr, "nginx/journeys.ini does not name [%s] %s\n", section, key);
                CHECK(!"the production example names every setting");
            }
        }
        if (!nl)
            break;
        l = nl + 1;
    }
    CHECK(listed > 40);
    CHECK(config_check_production(&c, &err) == 3);
    CHECK_CONTAINS(buf_str(&err), "secret_key");
    CHECK_CONTAINS(buf_str(&err), "[site] secret");
    config_free(&c);
    buf_free(&dump);
    buf_free(&err);
    buf_free(&ini);
}

/* Migrations are applied once, statements are cached, and a statement or
** transaction left open is found and cleaned up. */
static void test_db(void)
{
    char dir[] = "/tmp/journeys-db-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    buf err = BUF_INIT;
    db *d = db_open(path, &err);
    CHECK(d != NULL);
    CHECK(db_schema_version(d) == 0);
    CHECK(db_migrate(d, &err) == 0);
    CHECK(db_schema_version(d) == schema_count());
    CHECK(db_migrate(d, &err) == 0); /* again: nothing to do */
    const char *sql = "SELECT value FROM meta WHERE key = 'content_version'";
    sqlite3_stmt *st = db_stmt(d, sql);
    CHECK(st == db_stmt(d, sql));
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK(db_check_idle(d) == -1); /* the statement was left mid-step */
    CHECK(db_check_idle(d) == 0);  /* and has been reset */
    CHECK(db_begin_write(d) == 0);
    CHECK(db_check_idle(d) == -1); /* a transaction left open is rolled back */
    CHECK(db_check_idle(d) == 0);
    /* A write that breaks a constraint leaves nothing behind. */
    CHECK(db_begin_write(d) == 0);
    st = db_stmt(d, "INSERT INTO meta(key, value) VALUES ('content_version', 'x')");
    CHECK(db_run(st) == DB_DUPLICATE);
    db_rollback(d);
    db_close(d);
    /* A database from the future is refused. */
    d = db_open(path, &err);
    CHECK(db_exec(d, "PRAGMA user_version=999;", &err) == 0);
    CHECK(db_migrate(d, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "newer than this program");
    db_close(d);
    buf_reset(&err);
    CHECK(db_open("/nonexistent/dir/x.db", &err) == NULL);
    CHECK_CONTAINS(buf_str(&err), "cannot open the database");
    buf_free(&err);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    log_quiet(1);
    test_arena();
    test_buf();
    test_text();
    test_config();
    test_production_example();
    test_db();
    return check_done();
}
