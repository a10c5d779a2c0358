/*
** main.c: the `journeys` command and its subcommands.
**
**   journeys [--config FILE] serve|migrate|publish|request|config [options]
**
** Each subcommand has --help. Settings come from the configuration (see
** config.h); a few have command-line options that override it.
*/
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "crypto.h"
#include "mail.h"
#include "store_accounts.h"
#include "date.h"
#include "db.h"
#include "log.h"
#include "notices.h"
#include "notify.h"
#include "pages.h"
#include "publish.h"
#include "store_content.h"
#include "serve.h"

struct command {
    const char *name;
    int (*run)(config *cfg, int argc, char **argv);
    const char *usage;
    int needs_db; /* 1: works on an existing database only, never makes one;
                     -1: touches no file; 0: may make the var folder and the database */
};

/* Replace a string setting with a copy of v. */
static void set_str(char **field, const char *v)
{
    free(*field);
    *field = strdup(v);
}

/* Whether argv[i] is --help or -h. */
static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

/* The value after option argv[*i], advancing *i; NULL (with a message) if
** there is none. */
static const char *option_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "journeys: %s needs a value\n", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

/* A positive whole number from s, or -1. */
static int positive(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    return (*s && !*end && n > 0 && n < 1 << 30) ? (int)n : -1;
}

/* `journeys serve`: run the process manager. */
static int cmd_serve(config *cfg, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--workers") || !strcmp(argv[i], "--max-requests")) {
            int n;
            if (!(v = option_value(argc, argv, &i)) || (n = positive(v)) < 0) {
                fprintf(stderr, "journeys serve: %s takes a positive whole number\n", argv[i - (v != NULL)]);
                return 2;
            }
            if (!strcmp(argv[i - 1], "--workers"))
                cfg->workers = n;
            else
                cfg->max_requests = n;
        } else if (!strcmp(argv[i], "--socket")) {
            if (!(v = option_value(argc, argv, &i)))
                return 2;
            set_str(&cfg->socket, v);
        } else if (!strcmp(argv[i], "--listen")) {
            if (!(v = option_value(argc, argv, &i)))
                return 2;
            set_str(&cfg->listen, v);
        } else {
            fprintf(stderr, "journeys serve: unknown option %s (try --help)\n", argv[i]);
            return 2;
        }
    }
    return serve_main(cfg);
}

/* Open the database and bring its schema up to date; NULL on failure. */
static db *open_migrated(const config *cfg)
{
    buf err = BUF_INIT;
    db *d = db_open(cfg->database, &err);
    if (d && db_migrate(d, &err) != 0) {
        db_close(d);
        d = NULL;
    }
    if (!d)
        fprintf(stderr, "%s", buf_str(&err));
    buf_free(&err);
    return d;
}

/* `journeys migrate`: apply pending schema migrations. */
static int cmd_migrate(config *cfg, int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "journeys migrate: unexpected argument %s\n", argv[1]);
        return 2;
    }
    db *d = open_migrated(cfg);
    if (!d)
        return 1;
    printf("schema version %d\n", db_schema_version(d));
    db_close(d);
    return 0;
}

/* The announce hook of a publish: queue the "dates announced" message for
** the new offering code to email, through the app's templates. */
static int announce_dates(void *ctx, const char *email, const char *code)
{
    app *ap = ctx;
    arena *a = arena_new(0);
    json_t *o = page_offering_load(ap->db, a, code);
    if (!o) {
        arena_free(a);
        return -1;
    }
    page_offering(a, o, date_today());
    json_object_set_new(o, "full_url", json_string(arena_printf(a, "%s/offerings/%s", ap->cfg->base_url, code)));
    json_t *ctx_json = json_pack("{s:O}", "offering", o);
    const char *subject = arena_printf(a, "New dates: %s", json_string_value(json_object_get(o, "course_title")));
    domain d = domain_make(ap->db, ap->cfg, ap->tmpl, a, 0, time(NULL));
    int rc = ctx_json && notify_queue(&d, "dates_announced", subject, email, NULL, ctx_json, NULL) == DOM_OK ? 0 : -1;
    json_decref(ctx_json);
    json_decref(o);
    arena_free(a);
    return rc;
}

/* Who runs `journeys publish` when --by does not say: the login
** behind sudo, else the user running it, else "unknown". A static string
** or one from the environment; never NULL. */
static const char *publisher_name(void)
{
    const char *names[] = {"SUDO_USER", "USER", "LOGNAME"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *v = getenv(names[i]);
        if (v && *v)
            return v;
    }
    return "unknown";
}

/* `journeys publish`: validate and publish the courses folder. */
static int cmd_publish(config *cfg, int argc, char **argv)
{
    int32_t today = date_today();
    const char *by = publisher_name();
    const char **archive = calloc((size_t)argc + 1, sizeof *archive);
    int n_archive = 0;
    if (!archive)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--dir")) {
            if (!(v = option_value(argc, argv, &i)))
                goto usage;
            set_str(&cfg->courses, v);
        } else if (!strcmp(argv[i], "--today")) {
            if (!(v = option_value(argc, argv, &i)) || date_parse(v, &today) != 0) {
                fprintf(stderr, "journeys publish: --today takes a date as YYYY-MM-DD\n");
                goto usage;
            }
        } else if (!strcmp(argv[i], "--archive")) {
            if (!(v = option_value(argc, argv, &i)))
                goto usage;
            archive[n_archive++] = v;
        } else if (!strcmp(argv[i], "--no-demo")) {
            cfg->demo = 0;
        } else if (!strcmp(argv[i], "--by")) {   /* who publishes, for the history */
            if (!(v = option_value(argc, argv, &i)))
                goto usage;
            by = v;
        } else {
            fprintf(stderr, "journeys publish: unknown option %s (try --help)\n", argv[i]);
            goto usage;
        }
    }
    db *d = open_migrated(cfg);
    if (!d) {
        free(archive);
        return 1;
    }
    db_close(d);
    app ap;
    buf err = BUF_INIT, notes = BUF_INIT;
    if (app_load(&ap, cfg, &err) != 0 || app_open_db(&ap, &err) != 0) {
        fprintf(stderr, "%s", buf_str(&err));
        buf_free(&err);
        free(archive);
        return 1;
    }
    publish_opts o = {cfg->courses, today, cfg->demo, archive, n_archive, announce_dates, &ap, by};
    publish_report rep;
    int rc = publish_courses(ap.db, &o, &rep, &notes, &err);
    fputs(buf_str(&notes), stdout);
    if (rc != 0) {
        fprintf(stderr, "%sNothing was published; the site still shows the previous content.\n", buf_str(&err));
    } else {
        printf("published %d courses and %d items; %d offerings added, %d already scheduled\n",
               rep.courses, rep.items, rep.offerings_added, rep.offerings_kept);
        if (rep.not_applied)
            printf("%d file change%s not applied: the database owns offerings and panel resources once they exist; "
                   "edit them in the staff pages\n", rep.not_applied, rep.not_applied == 1 ? " was" : "s were");
        if (rep.archived)
            printf("%d item%s archived\n", rep.archived, rep.archived == 1 ? "" : "s");
        if (rep.announced)
            printf("%d visitor%s told of new dates\n", rep.announced, rep.announced == 1 ? "" : "s");
        /* File offerings changed and withdrawn */
        if (rep.offerings_changed)
            printf("%d offering%s changed from the file\n", rep.offerings_changed, rep.offerings_changed == 1 ? "" : "s");
        if (rep.withdrawn)
            printf("%d offering%s no longer in the file withdrawn from the calendar\n", rep.withdrawn,
                   rep.withdrawn == 1 ? "" : "s");
    }
    buf_free(&err);
    buf_free(&notes);
    app_free(&ap);
    free(archive);
    return rc ? 1 : 0;
usage:
    free(archive);
    return 2;
}

struct fake_request {
    const char *method, *uri, *body, *content_type;
    char length[32];
    size_t off;
};

/* CGI parameters for `journeys request`. */
static const char *fake_param(void *ctx, const char *name)
{
    struct fake_request *f = ctx;
    if (!strcmp(name, "REQUEST_METHOD"))
        return f->method;
    if (!strcmp(name, "REQUEST_URI"))
        return f->uri;
    if (!strcmp(name, "CONTENT_LENGTH"))
        return f->body ? f->length : NULL;
    if (!strcmp(name, "CONTENT_TYPE"))
        return getenv("JOURNEYS_REQUEST_CONTENT_TYPE") ? getenv("JOURNEYS_REQUEST_CONTENT_TYPE")
               : f->body ? f->content_type : NULL;
    if (!strcmp(name, "REQUEST_BODY_FILE"))   /* an upload nginx wrote to a file */
        return getenv("JOURNEYS_REQUEST_BODY_FILE");
    if (!strcmp(name, "REMOTE_ADDR"))
        return "127.0.0.1";
    if (!strncmp(name, "HTTP_", 5)) {
        char env[160];
        snprintf(env, sizeof env, "JOURNEYS_REQUEST_%s", name);
        return getenv(env);
    }
    return NULL;
}

/* The body of `journeys request`. */
static long fake_read(void *ctx, char *p, size_t n)
{
    struct fake_request *f = ctx;
    size_t left = strlen(f->body) - f->off;
    if (n > left)
        n = left;
    memcpy(p, f->body + f->off, n);
    f->off += n;
    return (long)n;
}

/* `journeys request METHOD URI [BODY]`: serve one request without a server
** and print the CGI response, for debugging. */
static int cmd_request(config *cfg, int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "journeys request: expected METHOD URI [BODY] (try --help)\n");
        return 2;
    }
    struct fake_request f = {argv[1], argv[2], argc == 4 ? argv[3] : NULL,
                             "application/x-www-form-urlencoded", "", 0};
    if (f.body)
        snprintf(f.length, sizeof f.length, "%zu", strlen(f.body));
    app ap;
    buf err = BUF_INIT, out = BUF_INIT;
    if (app_load(&ap, cfg, &err) != 0 || app_open_db(&ap, &err) != 0) {
        fprintf(stderr, "%s", buf_str(&err));
        buf_free(&err);
        return 1;
    }
    arena *a = arena_new(0);
    app_handle(&ap, a, fake_param, &f, fake_read, &f, &out);
    fwrite(buf_str(&out), 1, out.len, stdout);
    int bad = db_check_idle(ap.db);
    arena_free(a);
    app_free(&ap);
    buf_free(&out);
    buf_free(&err);
    return bad ? 1 : 0;
}

/* `journeys notices [--now UNIX-TIME]`: one pass of notification and
** workspace e-mail (notices_pass) at now or the time given, queueing mail
** in the outbox for the mailer; prints what it queued. */
static int cmd_notices(config *cfg, int argc, char **argv)
{
    time_t now = time(NULL);
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--now") && (v = option_value(argc, argv, &i))) {
            char *end;
            long long t = strtoll(v, &end, 10);
            if (!*v || *end || t < 0) {
                fprintf(stderr, "journeys notices: --now takes seconds since 1970 (date +%%s)\n");
                return 2;
            }
            now = (time_t)t;
        } else {
            fprintf(stderr, "journeys notices: unexpected argument %s (try --help)\n", argv[i]);
            return 2;
        }
    }
    app ap;
    buf err = BUF_INIT;
    if (app_load(&ap, cfg, &err) != 0 || app_open_db(&ap, &err) != 0) {
        fprintf(stderr, "%s", buf_str(&err));
        buf_free(&err);
        return 1;
    }
    arena *a = arena_new(0);
    domain d = domain_make(ap.db, cfg, ap.tmpl, a, 0, now);
    notices_stats st;
    int rc = notices_pass(&d, &st);
    if (rc == DOM_OK)
        printf("%d at once, %d digests, %d skipped, %d start-of-week, %d morning, %d already done elsewhere;"
               " %d announcements published\n",
               st.instant, st.digests, st.skipped, st.week_start, st.morning, st.lost, st.announced);
    else
        fprintf(stderr, "journeys notices: %s\n", d.message ? d.message : "the pass failed");
    int bad = db_check_idle(ap.db);
    arena_free(a);
    app_free(&ap);
    buf_free(&err);
    return rc == DOM_OK && !bad ? 0 : 1;
}

/* `journeys user password EMAIL`: set the account's password from the
** first line of standard input (at least 10 characters), mark the
** address verified and end the account's sessions. 0, or 1 (no such account, a short password, a store
** failure) or 2 (usage), with a message on standard error. */
static int user_password(config *cfg, int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "journeys user password: expected EMAIL (the password on standard input)\n");
        return 2;
    }
    char pw[256];
    if (!fgets(pw, sizeof pw, stdin)) {
        fprintf(stderr, "journeys user password: give the password on standard input\n");
        return 1;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    if (strlen(pw) < 10) {
        fprintf(stderr, "journeys user password: the password needs at least 10 characters\n");
        sodium_memzero(pw, sizeof pw);
        return 1;
    }
    db *d = open_migrated(cfg);
    if (!d) {
        sodium_memzero(pw, sizeof pw);
        return 1;
    }
    arena *a = arena_new(0);
    int rc = 1;
    user u;
    char hash[CRYPTO_PWHASH_LEN];
    int found = store_user_by_email(d, a, argv[2], &u, NULL);
    if (found < 0)
        fprintf(stderr, "journeys user password: the accounts could not be read: %s\n", db_errmsg(d));
    else if (!found)
        fprintf(stderr, "journeys user password: no account uses %s\n", argv[2]);
    else if (crypto_password_hash(pw, hash) != 0)
        fprintf(stderr, "journeys user password: the password could not be hashed\n");
    else if (db_begin_write(d) != 0 || store_user_set_password(d, u.id, hash) != 0 ||
             store_user_verify(d, u.id, time(NULL)) != 0 || store_sessions_delete_user(d, u.id) != 0 ||
             db_commit(d) != 0) {
        fprintf(stderr, "journeys user password: the account could not be changed: %s\n", db_errmsg(d));
        db_rollback(d);
    } else {
        printf("the password of %s is set\n", argv[2]);
        rc = 0;
    }
    sodium_memzero(pw, sizeof pw);
    arena_free(a);
    db_close(d);
    return rc;
}

/* `journeys user add EMAIL --name NAME [--role ROLE]` (password on the
** first line of standard input), `journeys user role EMAIL ROLE`, and
** `journeys user password EMAIL` (the new password on standard input: for
** an account made without one, such as a coach named in the course files,
** which is then also marked verified). */
static int cmd_user(config *cfg, int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "role") && strcmp(argv[1], "password"))) {
        fprintf(stderr, "journeys user: expected add EMAIL --name NAME [--role ROLE], role EMAIL ROLE,"
                        " or password EMAIL\n");
        return 2;
    }
    if (!strcmp(argv[1], "password"))
        return user_password(cfg, argc, argv);
    const char *email = argv[2], *name = NULL, *role = "participant";
    if (!strcmp(argv[1], "role")) {
        if (argc != 4) {
            fprintf(stderr, "journeys user role: expected EMAIL ROLE\n");
            return 2;
        }
        role = argv[3];
    }
    for (int i = 3; !strcmp(argv[1], "add") && i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--name") && (v = option_value(argc, argv, &i)))
            name = v;
        else if (!strcmp(argv[i], "--role") && (v = option_value(argc, argv, &i)))
            role = v;
        else {
            fprintf(stderr, "journeys user add: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (strcmp(role, "participant") && strcmp(role, "coach") && strcmp(role, "staff")) {
        fprintf(stderr, "journeys user: the role must be participant, coach or staff\n");
        return 2;
    }
    if (!mail_addr_valid(email)) {
        fprintf(stderr, "journeys user: %s is not an e-mail address\n", email);
        return 2;
    }
    db *d = open_migrated(cfg);
    if (!d)
        return 1;
    arena *a = arena_new(0);
    int rc = 1;
    user u;
    if (!strcmp(argv[1], "role")) {
        int found = store_user_by_email(d, a, email, &u, NULL);
        if (found < 0)
            fprintf(stderr, "journeys user role: the accounts could not be read: %s\n", db_errmsg(d));
        else if (!found)
            fprintf(stderr, "journeys user role: no account uses %s\n", email);
        else if (store_user_set_role(d, u.id, role) == 0) {
            printf("%s is now %s\n", email, role);
            rc = 0;
        }
    } else if (!name || !*name) {
        fprintf(stderr, "journeys user add: --name is required\n");
    } else {
        char pw[256];
        if (!fgets(pw, sizeof pw, stdin)) {
            fprintf(stderr, "journeys user add: give the password on standard input\n");
        } else {
            pw[strcspn(pw, "\r\n")] = '\0';
            char hash[CRYPTO_PWHASH_LEN];
            if (strlen(pw) < 10)
                fprintf(stderr, "journeys user add: the password needs at least 10 characters\n");
            else if (crypto_password_hash(pw, hash) == 0) {
                int64_t id = store_user_create(d, email, name, hash, role, 0, NULL, NULL, "UTC", time(NULL));
                if (id == STORE_DUPLICATE)
                    fprintf(stderr, "journeys user add: an account uses %s already\n", email);
                else if (id > 0 && store_user_verify(d, id, time(NULL)) == 0) {
                    printf("added %s (%s)\n", email, role);
                    rc = 0;
                }
            }
            sodium_memzero(pw, sizeof pw);
        }
    }
    arena_free(a);
    db_close(d);
    return rc;
}

/* `journeys config [--check]`: print the settings in force, or check that
** they are fit for the site's address. */
static int cmd_config(config *cfg, int argc, char **argv)
{
    int check = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--check")) {
            check = 1;
        } else {
            fprintf(stderr, "journeys config: unknown option %s (try --help)\n", argv[i]);
            return 2;
        }
    }
    buf out = BUF_INIT;
    if (!check) {
        config_dump(cfg, &out);
        fputs(buf_str(&out), stdout);
        buf_free(&out);
        return 0;
    }
    int problems = config_check_production(cfg, &out);
    if (problems) {
        fprintf(stderr, "journeys config: %s is not a loopback address, and %d setting%s would not be safe there:\n%s",
                cfg->base_url, problems, problems == 1 ? "" : "s", buf_str(&out));
        fprintf(stderr, "journeys serve refuses to start until %s fixed.\n", problems == 1 ? "it is" : "they are");
    } else {
        printf("the settings are fit to serve %s%s\n", cfg->base_url,
               config_is_loopback(cfg) ? " (a loopback address: development settings allowed)" : "");
    }
    buf_free(&out);
    return problems ? 1 : 0;
}

/* For a command that must not make a database: 0 if cfg's database file
** exists, else -1 after saying where it looked and how to point there. */
static int database_exists(const config *cfg, const char *command)
{
    struct stat st;
    if (stat(cfg->database, &st) == 0)
        return 0;
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        snprintf(cwd, sizeof cwd, ".");
    fprintf(stderr,
            "journeys %s: there is no database at %s%s%s ([paths] database = %s%s).\n"
            "Run this in the folder where `make run` or `journeys migrate` made it (the checkout), or point to it\n"
            "with --config FILE or JOURNEYS_PATHS_DATABASE=/path/to/journeys.db.\n",
            command, cfg->database[0] == '/' ? "" : cwd, cfg->database[0] == '/' ? "" : "/", cfg->database,
            cfg->database, cfg->database[0] == '/' ? "" : ", relative to the current folder");
    return -1;
}

static const struct command commands[] = {
    {"serve", cmd_serve,
     "journeys serve [--workers N] [--max-requests N] [--socket PATH | --listen HOST:PORT]\n"
     "  Run the FastCGI process manager: N workers (default: two per core) on the unix\n"
     "  socket (default var/journeys.sock), a TCP address, a socket handed in on fd 0,\n"
     "  or one passed by systemd. Routes that call the payment provider, and the staff\n"
     "  reports, get their own workers on [server] slow_socket (default\n"
     "  var/journeys-slow.sock, slow_workers 2), and the workspace's short writes theirs\n"
     "  on write_socket (default var/journeys-write.sock, write_workers 1), which commits\n"
     "  those waiting together.\n"
     "  Migrates the database and parses the templates first.\n"
     "  SIGHUP reloads the templates without dropping requests; SIGTERM drains. Refuses to\n"
     "  start when the site's address is not loopback and development secrets or demo\n"
     "  offerings are in force (see journeys config --check).\n", 0},
    {"migrate", cmd_migrate,
     "journeys migrate\n"
     "  Apply the numbered schema migrations the database does not have yet (making the\n"
     "  database if there is none).\n", 0},
    {"publish", cmd_publish,
     "journeys publish [--dir DIR] [--today YYYY-MM-DD] [--no-demo] [--archive [COURSE/]KEY]... [--by NAME]\n"
     "  Validate the courses folder (default: courses), render its Markdown and replace\n"
     "  the published content in one transaction. Mistakes are reported as file:line and\n"
     "  nothing changes. --today anchors the demonstration weeks; --no-demo leaves them out.\n"
     "  Offerings and panel resources already in the database keep their values; each file\n"
     "  change not applied is listed. An item whose key left the files while participant data\n"
     "  refers to it stops the publish unless named with --archive (repeatable).\n"
     "  Needs the database to exist (journeys migrate makes it).\n", 1},
    {"request", cmd_request,
     "journeys request METHOD URI [BODY]\n"
     "  Serve one request without a server and print the raw response (for debugging).\n"
     "  Headers come from JOURNEYS_REQUEST_HTTP_<NAME> variables, e.g. JOURNEYS_REQUEST_HTTP_COOKIE;\n"
     "  an upload from JOURNEYS_REQUEST_BODY_FILE (the file nginx would have written) and\n"
     "  JOURNEYS_REQUEST_CONTENT_TYPE.\n", 1},
    {"user", cmd_user,
     "journeys user add EMAIL --name NAME [--role participant|coach|staff]   (password on stdin)\n"
     "journeys user password EMAIL   (the new password on stdin)\n"
     "journeys user role EMAIL ROLE\n"
     "  Create an account (the first staff account comes from here), set a password, or change a role.\n"
     "  Needs the database to exist: run it in the checkout, or point to the database with\n"
     "  --config FILE or JOURNEYS_PATHS_DATABASE.\n", 1},
    {"notices", cmd_notices,
     "journeys notices [--now UNIX-TIME]\n"
     "  One pass of notification e-mail (at once, digests) and the start-of-week and morning\n"
     "  e-mails, as the mailer runs every [jobs] interval; --now runs it as at that time.\n"
     "  It first publishes the scheduled announcements whose time has come.\n"
     "  The mail goes into the outbox; the mailer of journeys serve delivers it.\n", 1},
    {"config", cmd_config,
     "journeys config [--check]\n"
     "  Print the settings in force, from defaults, the file and the environment. --check\n"
     "  exits non-zero, naming each one, when the site's address is not loopback and the\n"
     "  payment secrets are the development defaults or demo offerings are on (journeys\n"
     "  serve refuses to start then).\n", -1},
};

/* The overall usage text. */
static void usage(FILE *f)
{
    fprintf(f, "usage: journeys [--config FILE] COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %s", commands[i].usage);
    fprintf(f, "\nSettings: defaults, then FILE (or $JOURNEYS_CONFIG), then JOURNEYS_<SECTION>_<KEY>.\n");
}

/* Make sure fds 0-2 are open, so no later open() gets one of them and a
** stray write to stderr cannot land in the database. */
static void guard_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) < 0)
            abort();
}

int main(int argc, char **argv)
{
    guard_std_fds();
    /* nothing journeys writes (the database, kept files, backups)
    ** is for other users of the machine; the FastCGI socket is opened to
    ** the group explicitly (0660). */
    umask(027);
    if (crypto_init() != 0) {
        fprintf(stderr, "journeys: libsodium could not start\n");
        return 1;
    }
    const char *path = getenv("JOURNEYS_CONFIG");
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "--config")) {
        path = argv[i + 1];
        i += 2;
    }
    if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || !strcmp(argv[i], "help")) {
        usage(i >= argc ? stderr : stdout);
        return i >= argc ? 2 : 0;
    }
    for (size_t c = 0; c < sizeof commands / sizeof *commands; c++) {
        if (strcmp(argv[i], commands[c].name))
            continue;
        if (wants_help(argc - i, argv + i)) {
            fputs(commands[c].usage, stdout);
            return 0;
        }
        log_role(commands[c].name);
        config cfg;
        buf err = BUF_INIT;
        if (config_load(&cfg, path, &err) != 0) {
            fprintf(stderr, "%s", buf_str(&err));
            buf_free(&err);
            config_free(&cfg);
            return 2;
        }
        buf_free(&err);
        if (commands[c].needs_db > 0 && database_exists(&cfg, commands[c].name) != 0) {
            config_free(&cfg);
            return 1;
        }
        if (commands[c].needs_db == 0 && mkdir(cfg.var, 0750) != 0 && errno != EEXIST) {
            fprintf(stderr, "journeys: cannot create %s: %s\n", cfg.var, strerror(errno));
            config_free(&cfg);
            return 1;
        }
        int rc = commands[c].run(&cfg, argc - i, argv + i);
        config_free(&cfg);
        return rc;
    }
    fprintf(stderr, "journeys: unknown command %s\n\n", argv[i]);
    usage(stderr);
    return 2;
}
