/*
** course.c: load and check the course content folder (see course.h and
** courses/README.md).
**
** The work is in layers: a file is read and split into lines (text), a run
** of lines is read as key: value pairs against a list of allowed keys
** (take_key), and the three shapes of file are built on that: front
** matter + Markdown, "## item" sections, and calendar.txt's blocks. Every
** problem goes through report(), which counts it and appends one line to
** the caller's err.
*/
#include "course.h"
#include "completion.h"
#include "text.h"
#include "tz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE (1024 * 1024)
#define MAX_MINUTES 600
#define MAX_HOURS 40
#define MAX_WEEK 99
#define MAX_ITEM_KEY 60
#define NKEYS(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_CAPACITY 100000

/* ---- reporting ---------------------------------------------------------- */

/* Everything a load needs to hand around. */
typedef struct loader {
    arena *a;
    buf *err;
    const char *root;    /* the folder on disk */
    const char *shown;   /* how the folder appears in messages; NULL: nothing */
    int errors;
} loader;

/* Append one problem to L->err: "<shown>/<rel>:<line>: <message>\n". rel
** NULL means the folder itself; line 0 leaves the line number out. Control
** characters quoted from the files are shown as '?', so a message is one
** harmless line on a terminal. */
static void report(loader *L, const char *rel, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(loader *L, const char *rel, int line, const char *fmt, ...)
{
    va_list ap;
    buf msg = BUF_INIT;
    L->errors++;
    if (L->shown) {
        buf_puts(L->err, L->shown);
        if (rel)
            buf_putc(L->err, '/');
    }
    if (rel)
        buf_puts(L->err, rel);
    if (line > 0)
        buf_printf(L->err, ":%d", line);
    buf_puts(L->err, ": ");
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < msg.len; i++)
        if ((unsigned char)msg.data[i] < 0x20 || msg.data[i] == 0x7f)
            msg.data[i] = '?';
    buf_append(L->err, buf_str(&msg), msg.len);
    buf_putc(L->err, '\n');
    buf_free(&msg);
}

/* Make room in an arena array of n elements of size bytes for one more;
** returns the (possibly moved) array. The old copy is left in the arena. */
static void *grow(arena *a, void *old, int n, int *cap, size_t size)
{
    if (n < *cap)
        return old;
    int ncap = *cap ? *cap * 2 : 8;
    void *p = arena_alloc(a, (size_t)ncap * size);
    if (n)
        memcpy(p, old, (size_t)n * size);
    *cap = ncap;
    return p;
}

/* ---- text files --------------------------------------------------------- */

/* One line of a file, without its line ending. */
typedef struct line {
    const char *s;
    size_t n;
} line;

/* A file split into lines; line i is number i + 1 in messages. */
typedef struct text {
    const char *rel;     /* path under the root, for messages */
    line *lines;
    int n;
} text;

/* Split data (size bytes, owned by the arena or the caller for the life of
** *t) into t's lines after checking it: a NUL byte is reported and makes
** the file unusable (-1); invalid UTF-8 is reported (first place only) but
** the lines are still returned (0). A leading byte-order mark is skipped
** and a '\r' before each '\n' dropped. */
static int split_text(loader *L, const char *rel, const char *data, size_t size, text *t)
{
    t->rel = rel;
    t->lines = NULL;
    t->n = 0;
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        size -= 3;
    }
    int lineno = 1, bad_utf8 = 0, count = 1;
    for (size_t i = 0; i < size;) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\0') {
            report(L, rel, lineno, "NUL byte in the file; save it as plain UTF-8 text");
            return -1;
        }
        if (c == '\n') {
            lineno++;
            count++;
        }
        size_t len = text_utf8_seq((const unsigned char *)data + i, size - i);
        if (len == 0) {
            if (!bad_utf8)
                report(L, rel, lineno, "invalid UTF-8; save the file as UTF-8");
            bad_utf8 = 1;
            len = 1;
        }
        i += len;
    }
    t->lines = arena_alloc(L->a, (size_t)count * sizeof(line));
    const char *p = data, *end = data + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t n = (size_t)(stop - p);
        if (n && p[n - 1] == '\r')
            n--;
        t->lines[t->n].s = p;
        t->lines[t->n].n = n;
        t->n++;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* Read root/rel into *t (memory from the arena). A missing, unreadable,
** non-regular or too large file is reported, as is anything split_text
** refuses; returns 0 when *t can be used, -1 otherwise. */
static int read_text(loader *L, const char *rel, text *t)
{
    char *path = arena_printf(L->a, "%s/%s", L->root, rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            report(L, rel, 0, "missing file");
        else
            report(L, rel, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        report(L, rel, 0, "not a regular file");
        close(fd);
        return -1;
    }
    if (st.st_size > MAX_FILE) {
        report(L, rel, 0, "file is larger than 1 MiB");
        close(fd);
        return -1;
    }
    /* one byte more than the size, to notice a file that grew meanwhile */
    size_t cap = (size_t)st.st_size + 1, got = 0;
    char *data = arena_alloc(L->a, cap);
    while (got < cap) {
        ssize_t r = read(fd, data + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            report(L, rel, 0, "cannot read: %s", strerror(errno));
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got == cap) {
        report(L, rel, 0, "the file changed while it was being read; try again");
        return -1;
    }
    return split_text(L, rel, data, got, t);
}

/* ---- small string helpers ----------------------------------------------- */

/* Non-zero for a space or a tab. */
static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Non-zero when l holds only spaces and tabs. */
static int is_blank(line l)
{
    for (size_t i = 0; i < l.n; i++)
        if (!is_space(l.s[i]))
            return 0;
    return 1;
}

/* l without leading and trailing spaces and tabs. */
static line trim(line l)
{
    while (l.n && is_space(l.s[0])) {
        l.s++;
        l.n--;
    }
    while (l.n && is_space(l.s[l.n - 1]))
        l.n--;
    return l;
}

/* Non-zero when l, trimmed, is exactly s. */
static int line_is(line l, const char *s)
{
    l = trim(l);
    return l.n == strlen(s) && memcmp(l.s, s, l.n) == 0;
}

/* Non-zero when NUL-terminated v holds only characters from set, plus
** lower-case letters and digits, and is 1 to max bytes long. */
static int is_word(const char *v, size_t max, const char *set)
{
    size_t n = strlen(v);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c && strchr(set, c))))
            return 0;
    }
    return 1;
}

/* Parse v as 1 to digits decimal digits, nothing else, into *out.
** Returns 1 on success. */
static int parse_digits(const char *v, size_t digits, long *out)
{
    size_t n = strlen(v);
    long x = 0;
    if (n == 0 || n > digits)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return 0;
        x = x * 10 + (v[i] - '0');
    }
    *out = x;
    return 1;
}

/* Non-zero when v is an https:// URL we are willing to put in a page: the
** prefix, a host, and no whitespace, control characters, quotes, angle
** brackets or backslashes. */
static int is_https(const char *v)
{
    if (strncmp(v, "https://", 8) != 0 || v[8] == '\0' || v[8] == '/')
        return 0;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || strchr("\"'<>\\`", *p))
            return 0;
    return 1;
}

/* ---- key: value lines ---------------------------------------------------- */

#define KEY_REQUIRED 1
#define KEY_REPEAT 2

/* An allowed key. */
typedef struct keyspec {
    const char *name;
    int flags;
} keyspec;

/* A key: value pair that passed the syntax and key checks. One with an
** empty value (reported) is kept with empty set, so that it counts as
** given but is never looked at. */
typedef struct kv {
    const char *key, *val;   /* arena copies; val trimmed */
    int line;
    int empty;
} kv;

typedef struct kvset {
    kv *v;
    int n, cap;
} kvset;

/* Split l as "key: value" with key [a-z0-9_]+ at the start and a space,
** tab or the end after the colon. Fills *key and *val (val trimmed; it may
** be empty) and returns 1, or returns 0 when l is not in that shape. */
static int split_key(line l, line *key, line *val)
{
    size_t i = 0;
    while (i < l.n && ((l.s[i] >= 'a' && l.s[i] <= 'z') ||
                       (l.s[i] >= '0' && l.s[i] <= '9') || l.s[i] == '_'))
        i++;
    if (i == 0 || i >= l.n || l.s[i] != ':' || (i + 1 < l.n && !is_space(l.s[i + 1])))
        return 0;
    key->s = l.s;
    key->n = i;
    val->s = l.s + i + 1;
    val->n = l.n - i - 1;
    *val = trim(*val);
    return 1;
}

/* Non-zero when l looks like an attempt at a key line that split_key
** refused: a word of letters, digits, '_' or '-' (any case), then ':'. */
static int looks_like_key(line l)
{
    line t = trim(l);
    size_t i = 0;
    while (i < t.n && i <= 40 &&
           ((t.s[i] >= 'a' && t.s[i] <= 'z') || (t.s[i] >= 'A' && t.s[i] <= 'Z') ||
            (t.s[i] >= '0' && t.s[i] <= '9') || t.s[i] == '_' || t.s[i] == '-'))
        i++;
    while (i < t.n && is_space(t.s[i]))
        i++;
    return i > 0 && i < t.n && t.s[i] == ':';
}

/* Report why l (line number no of t) is not a key line. */
static void report_bad_key_line(loader *L, const text *t, int no, line l)
{
    if (looks_like_key(l))
        report(L, t->rel, no,
               "malformed key line '%.*s': write 'key: value' with the key in lower-case "
               "letters, digits and '_' at the start of the line and a space after the colon",
               (int)(l.n > 60 ? 60 : l.n), l.s);
    else
        report(L, t->rel, no, "expected a 'key: value' line, found '%.*s'",
               (int)(l.n > 60 ? 60 : l.n), l.s);
}

/* Append the names in spec, comma separated, to b. */
static void list_keys(buf *b, const keyspec *spec, int nspec)
{
    for (int i = 0; i < nspec; i++) {
        if (i)
            buf_puts(b, ", ");
        buf_puts(b, spec[i].name);
    }
}

/* Check the key line l (line number no of t) against spec and add it to
** set. Reports an unknown key (naming the allowed ones), a repeated key that
** may not repeat, and an empty value. Returns 1 when the line was a
** syntactic key line (whatever else was wrong), 0 when it was not. */
static int take_key(loader *L, const text *t, int no, line l, const keyspec *spec, int nspec,
                    kvset *set)
{
    line key, val;
    if (!split_key(l, &key, &val))
        return 0;
    int k;
    for (k = 0; k < nspec; k++)
        if (strlen(spec[k].name) == key.n && memcmp(spec[k].name, key.s, key.n) == 0)
            break;
    if (k == nspec) {
        buf allowed = BUF_INIT;
        list_keys(&allowed, spec, nspec);
        if (nspec)
            report(L, t->rel, no, "unknown key '%.*s' (allowed: %s)", (int)(key.n > 40 ? 40 : key.n),
                   key.s, buf_str(&allowed));
        else
            report(L, t->rel, no, "unknown key '%.*s' (no keys are allowed here)",
                   (int)(key.n > 40 ? 40 : key.n), key.s);
        buf_free(&allowed);
        return 1;
    }
    if (!(spec[k].flags & KEY_REPEAT)) {
        for (int i = 0; i < set->n; i++) {
            if (strcmp(set->v[i].key, spec[k].name) == 0) {
                report(L, t->rel, no, "'%s' is given twice (first on line %d)", spec[k].name,
                       set->v[i].line);
                return 1;
            }
        }
    }
    if (val.n == 0)
        report(L, t->rel, no, "'%s' has no value", spec[k].name);
    set->v = grow(L->a, set->v, set->n, &set->cap, sizeof(kv));
    set->v[set->n].key = spec[k].name;
    set->v[set->n].val = arena_strndup(L->a, val.s, val.n);
    set->v[set->n].line = no;
    set->v[set->n].empty = val.n == 0;
    set->n++;
    return 1;
}

/* Report each required key of spec missing from set, at line no of t. */
static void check_required(loader *L, const text *t, int no, const keyspec *spec, int nspec,
                           const kvset *set, const char *what)
{
    for (int k = 0; k < nspec; k++) {
        if (!(spec[k].flags & KEY_REQUIRED))
            continue;
        int found = 0;
        for (int i = 0; i < set->n && !found; i++)
            found = strcmp(set->v[i].key, spec[k].name) == 0;
        if (!found)
            report(L, t->rel, no, "%s is missing the required key '%s'", what, spec[k].name);
    }
}

/* The first pair in set with key name and a value, or NULL. */
static const kv *kv_get(const kvset *set, const char *name)
{
    for (int i = 0; i < set->n; i++)
        if (!set->v[i].empty && strcmp(set->v[i].key, name) == 0)
            return &set->v[i];
    return NULL;
}

/* The value of key name in set, or NULL. */
static const char *kv_val(const kvset *set, const char *name)
{
    const kv *p = kv_get(set, name);
    return p ? p->val : NULL;
}

/* ---- values --------------------------------------------------------------- */

/* Check p (may be NULL: then *out = 0, no report) as minutes: a whole
** number from 1 to 600. Returns 1 when usable. */
static int get_minutes(loader *L, const text *t, const kv *p, int *out)
{
    long v;
    *out = 0;
    if (!p)
        return 1;
    if (!parse_digits(p->val, 4, &v) || v < 1 || v > MAX_MINUTES) {
        report(L, t->rel, p->line, "minutes '%.20s' is not a whole number from 1 to %d", p->val,
               MAX_MINUTES);
        return 0;
    }
    *out = (int)v;
    return 1;
}

/* Check p (may be NULL) as an https:// URL named what; reports otherwise. */
static void check_https(loader *L, const text *t, const kv *p, const char *what)
{
    if (p && !is_https(p->val))
        report(L, t->rel, p->line,
               "%s '%.80s' is not an https:// URL (no spaces, quotes or angle brackets)", what,
               p->val);
}

/* Parse hours "N" or "N-M" with 1 <= N <= M <= 40 into *lo, *hi; reports
** otherwise. */
static void get_hours(loader *L, const text *t, const kv *p, int *lo, int *hi)
{
    if (!p)
        return;
    const char *dash = strchr(p->val, '-');
    long a, b;
    int ok;
    if (dash) {
        char *first = arena_strndup(L->a, p->val, (size_t)(dash - p->val));
        ok = parse_digits(first, 2, &a) && parse_digits(dash + 1, 2, &b);
    } else {
        ok = parse_digits(p->val, 2, &a);
        b = a;
    }
    if (!ok || a < 1 || a > b || b > MAX_HOURS) {
        report(L, t->rel, p->line,
               "hours '%.20s' must be a whole number or a range like 4-6, between 1 and %d",
               p->val, MAX_HOURS);
        return;
    }
    *lo = (int)a;
    *hi = (int)b;
}

/* Non-zero when v looks like an e-mail address: one '@' with text before
** it, a dot in the part after it, no spaces, quotes or angle brackets. */
static int is_email(const char *v)
{
    const char *at = strchr(v, '@');
    if (!at || at == v || strchr(at + 1, '@'))
        return 0;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == '\0')
        return 0;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || strchr("\"'<>\\,;()[]", *p))
            return 0;
    return 1;
}

/* Non-zero when v is an item key: words of lower-case letters and digits
** joined by single hyphens, 1 to MAX_ITEM_KEY bytes. */
static int is_item_key(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > MAX_ITEM_KEY || v[0] == '-' || v[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (c == '-' ? v[i + 1] == '-' : !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

/* ---- front matter --------------------------------------------------------- */

/* Join lines [from, to) of t with '\n' into an arena string, leaving out
** blank lines at both ends. Returns "" when nothing is left. */
static const char *join_lines(loader *L, const text *t, int from, int to)
{
    while (from < to && is_blank(t->lines[from]))
        from++;
    while (to > from && is_blank(t->lines[to - 1]))
        to--;
    size_t size = 1;
    for (int i = from; i < to; i++)
        size += t->lines[i].n + 1;
    char *s = arena_alloc(L->a, size), *p = s;
    for (int i = from; i < to; i++) {
        memcpy(p, t->lines[i].s, t->lines[i].n);
        p += t->lines[i].n;
        if (i + 1 < to)
            *p++ = '\n';
    }
    *p = '\0';
    return s;
}

/* Read t's front matter against spec into set and return the index of the
** first body line, or -1 when the front matter is unusable (reported:
** absent or not closed). Missing required keys are reported at the opening
** line. */
static int front_matter(loader *L, const text *t, const keyspec *spec, int nspec, kvset *set)
{
    set->v = NULL;
    set->n = set->cap = 0;
    if (t->n == 0 || !line_is(t->lines[0], "---")) {
        buf keys = BUF_INIT;
        list_keys(&keys, spec, nspec);
        report(L, t->rel, 1,
               "no front matter: the file must begin with a '---' line, then 'key: value' "
               "lines (%s), then a '---' line",
               buf_str(&keys));
        buf_free(&keys);
        return -1;
    }
    int end = 1;
    while (end < t->n && !line_is(t->lines[end], "---"))
        end++;
    if (end == t->n) {
        report(L, t->rel, 1, "front matter is not closed: add a '---' line after the keys");
        return -1;
    }
    for (int i = 1; i < end; i++) {
        line l = t->lines[i];
        if (is_blank(l))
            continue;
        if (!take_key(L, t, i + 1, l, spec, nspec, set))
            report_bad_key_line(L, t, i + 1, l);
    }
    check_required(L, t, 1, spec, nspec, set, "front matter");
    return end + 1;
}

/* ---- "## item" sections ----------------------------------------------------- */

/* Which list a sections file is. */
typedef enum list_kind { LIST_PLAYLIST, LIST_DISCUSSIONS, LIST_ACTIVITIES } list_kind;

static const keyspec PLAYLIST_KEYS[] = {
    {"kind", KEY_REQUIRED}, {"minutes", KEY_REQUIRED}, {"link", KEY_REQUIRED}, {"source", 0},
    {"key", KEY_REQUIRED}, {"opens", 0}, {"due", 0},
};
static const keyspec DISCUSSION_KEYS[] = {{"minutes", 0}, {"key", KEY_REQUIRED}, {"opens", 0}, {"due", 0}};
static const keyspec ACTIVITY_KEYS[] = {{"submit", KEY_REQUIRED}, {"minutes", KEY_REQUIRED}, {"key", KEY_REQUIRED},
                                        {"opens", 0}, {"due", 0}, {"rubric", 0}};

static const char *const PLAYLIST_KINDS[] = {
    "article", "report", "video", "podcast", "book", "case-study", "tool", "template",
    "framework",
};

/* If l opens or closes a fenced code block, update *fence (the fence's
** character, 0 when outside) and *fence_len. */
static void track_fence(line l, char *fence, size_t *fence_len)
{
    size_t i = 0, run = 0;
    while (i < l.n && i < 3 && l.s[i] == ' ')
        i++;
    if (i >= l.n || (l.s[i] != '`' && l.s[i] != '~'))
        return;
    char c = l.s[i];
    while (i + run < l.n && l.s[i + run] == c)
        run++;
    if (run < 3)
        return;
    if (!*fence) {
        *fence = c;
        *fence_len = run;
    } else if (c == *fence && run >= *fence_len && is_blank((line){l.s + i + run, l.n - i - run})) {
        *fence = 0;
    }
}

/* Non-zero when l is a level-two ATX heading ("## Title", up to three
** leading spaces; "##Title" counts too, as discount reads it so); *title
** gets the text with closing #s removed (may be empty). */
static int is_item_heading(line l, line *title)
{
    size_t i = 0;
    while (i < l.n && i < 3 && l.s[i] == ' ')
        i++;
    if (l.n - i < 2 || l.s[i] != '#' || l.s[i + 1] != '#')
        return 0;
    i += 2;
    if (i < l.n && l.s[i] == '#')
        return 0;
    line rest = trim((line){l.s + i, l.n - i});
    size_t end = rest.n;
    while (end && rest.s[end - 1] == '#')
        end--;
    if (end < rest.n && end && !is_space(rest.s[end - 1]))
        end = rest.n; /* "C#" keeps its '#' */
    title->s = rest.s;
    title->n = end;
    *title = trim(*title);
    return 1;
}

/* Check p (may be NULL: returns 0, no report) as a relative course time
** ("day N" or "day N HH:MM", see tz.h) named by its key; fills *day and
** *minute (-1 without a time). Returns 1 when usable, 0 otherwise
** (reported when p was given). */
static int get_relative(loader *L, const text *t, const kv *p, int *day, int *minute)
{
    *day = 0;
    *minute = -1;
    if (!p)
        return 0;
    const char *why;
    if (tz_relative_parse(p->val, day, minute, &why) != 0) {
        report(L, t->rel, p->line, "%s '%.30s': %s", p->key, p->val, why);
        *day = 0;
        *minute = -1;
        return 0;
    }
    return 1;
}

/* A relative time as minutes from the start of day 1, with def for a day
** given without a time. */
static int relative_order(int day, int minute, int def)
{
    return (day - 1) * 1440 + (minute >= 0 ? minute : def);
}

/* Fill it from its keys, checking the values this kind of list needs. */
static void item_values(loader *L, const text *t, list_kind kind, const kvset *keys, item *it)
{
    const kv *key = kv_get(keys, "key");
    if (key) {
        it->key = key->val;
        it->key_line = key->line;
        if (!is_item_key(key->val))
            report(L, t->rel, key->line,
                   "key '%.70s' must be 1 to %d lower-case letters and digits in words joined by single "
                   "hyphens, like 'public-narrative'",
                   key->val, MAX_ITEM_KEY);
    }
    get_minutes(L, t, kv_get(keys, "minutes"), &it->minutes);
    const kv *opens = kv_get(keys, "opens"), *due = kv_get(keys, "due");
    if (get_relative(L, t, opens, &it->opens_day, &it->opens_minute))
        it->opens = opens->val;
    if (get_relative(L, t, due, &it->due_day, &it->due_minute))
        it->due = due->val;
    if (it->opens && it->due &&
        relative_order(it->due_day, it->due_minute, 1439) < relative_order(it->opens_day, it->opens_minute, 0))
        report(L, t->rel, due->line, "due '%.30s' is before opens '%.30s' (line %d)", due->val, opens->val,
               opens->line);
    if (kind == LIST_PLAYLIST) {
        const kv *k = kv_get(keys, "kind");
        it->kind = k ? k->val : NULL;
        if (k) {
            int ok = 0;
            buf kinds = BUF_INIT;
            for (size_t i = 0; i < sizeof PLAYLIST_KINDS / sizeof PLAYLIST_KINDS[0]; i++) {
                ok |= strcmp(k->val, PLAYLIST_KINDS[i]) == 0;
                buf_printf(&kinds, "%s%s", i ? ", " : "", PLAYLIST_KINDS[i]);
            }
            if (!ok)
                report(L, t->rel, k->line, "kind '%.40s' is not one of %s", k->val,
                       buf_str(&kinds));
            buf_free(&kinds);
        }
        it->link = kv_val(keys, "link");
        check_https(L, t, kv_get(keys, "link"), "link");
        it->source = kv_val(keys, "source");
    } else if (kind == LIST_ACTIVITIES) {
        it->submit = kv_val(keys, "submit");
        /* feedback: the activity's rubric levels, checked here, stored by publish */
        const kv *rb = kv_get(keys, "rubric");
        const char *levels[COURSE_RUBRIC_MAX], *why = NULL;
        if (rb && course_rubric_levels(L->a, rb->val, levels, &why) == 0)
            report(L, t->rel, rb->line, "rubric '%.60s': %s", rb->val, why);
        else if (rb)
            it->rubric = rb->val;
    }
}

/* Read the key lines of the item whose heading is at index h, from h + 1
** up to the first blank line (or end, index end), into keys. A malformed
** key line is reported and skipped; a line of text (no "word:" at its
** start) is reported with its likely cause and ends the keys there.
** Returns the index where the item's body starts. */
static int item_keys(loader *L, const text *t, int h, int end, const keyspec *spec, int nspec,
                     kvset *keys)
{
    int i = h + 1, n_ok = 0;
    for (; i < end && !is_blank(t->lines[i]); i++) {
        line l = t->lines[i];
        if (take_key(L, t, i + 1, l, spec, nspec, keys)) {
            n_ok++;
            continue;
        }
        if (looks_like_key(l)) {
            report_bad_key_line(L, t, i + 1, l);
            continue;
        }
        if (n_ok == 0)
            report(L, t->rel, i + 1,
                   "expected 'key: value' lines straight after the heading, then a blank line, "
                   "then the text");
        else
            report(L, t->rel, i + 1, "missing blank line between the item's keys and its text");
        break;
    }
    return i;
}

/* Read a sections file (playlist, discussions, activities) into the intro
** and an arena array of items. Headings inside fenced code do not count. */
static void sections(loader *L, const text *t, list_kind kind, const char **intro, item **items,
                     int *n_items)
{
    const keyspec *spec = kind == LIST_PLAYLIST      ? PLAYLIST_KEYS
                          : kind == LIST_DISCUSSIONS ? DISCUSSION_KEYS
                                                     : ACTIVITY_KEYS;
    int nspec = kind == LIST_PLAYLIST      ? NKEYS(PLAYLIST_KEYS)
                : kind == LIST_DISCUSSIONS ? NKEYS(DISCUSSION_KEYS)
                                           : NKEYS(ACTIVITY_KEYS);
    int *heads = arena_alloc(L->a, (size_t)(t->n + 1) * sizeof(int));
    line *titles = arena_alloc(L->a, (size_t)(t->n + 1) * sizeof(line));
    int nh = 0;
    char fence = 0;
    size_t fence_len = 0;
    for (int i = 0; i < t->n; i++) {
        line title;
        if (!fence && is_item_heading(t->lines[i], &title)) {
            titles[nh] = title;
            heads[nh++] = i;
        }
        track_fence(t->lines[i], &fence, &fence_len);
    }
    heads[nh] = t->n;
    *intro = join_lines(L, t, 0, nh ? heads[0] : t->n);
    *items = arena_zalloc(L->a, (size_t)(nh ? nh : 1) * sizeof(item));
    *n_items = nh;
    if (nh == 0)
        report(L, t->rel, 0, "no items: each item begins with a '## Title' line");
    for (int k = 0; k < nh; k++) {
        item *it = &(*items)[k];
        int h = heads[k], end = heads[k + 1];
        it->line = h + 1;
        it->title = arena_strndup(L->a, titles[k].s, titles[k].n);
        if (titles[k].n == 0)
            report(L, t->rel, h + 1, "item heading has no title");
        kvset keys = {NULL, 0, 0};
        int body = item_keys(L, t, h, end, spec, nspec, &keys);
        check_required(L, t, h + 1, spec, nspec, &keys, "item");
        item_values(L, t, kind, &keys, it);
        it->body_md = join_lines(L, t, body, end);
    }
}

/* ---- the course files ----------------------------------------------------- */

static const keyspec SERIES_KEYS[] = {
    {"title", KEY_REQUIRED}, {"tagline", KEY_REQUIRED}, {"organisation", KEY_REQUIRED},
    {"partner", 0},          {"community_url", 0},      {"contact_email", 0},
    {"time_zone", 0},
};
static const keyspec COURSE_KEYS[] = {
    {"title", KEY_REQUIRED}, {"tagline", KEY_REQUIRED}, {"hours", KEY_REQUIRED},
    {"summary", KEY_REQUIRED}, {"outcome", KEY_REPEAT}, {"milestone", KEY_REPEAT},
    {"completion", 0},   /* certs: the completion rules (completion.h) */
};
static const keyspec PANEL_KEYS[] = {
    {"title", KEY_REQUIRED}, {"video", KEY_REQUIRED}, {"minutes", KEY_REQUIRED},
    {"panelist", KEY_REPEAT}, {"captions", 0},
};

#define MAX_MILESTONE_TITLE 120

/* Read the milestone key lines of course.md (keys) into c: each is
** "WHEN | key | title", WHEN a relative time ("day 5 16:00"), key shaped
** like an item key and unique among the course's milestones, title 1 to
** MAX_MILESTONE_TITLE bytes. Every problem is reported at its line. */
static void milestones(loader *L, const text *t, const kvset *keys, course *c)
{
    c->milestones = arena_zalloc(L->a, (size_t)(keys->n + 1) * sizeof(milestone));
    for (int i = 0; i < keys->n; i++) {
        const kv *p = &keys->v[i];
        if (p->empty || strcmp(p->key, "milestone") != 0)
            continue;
        const char *bar1 = strchr(p->val, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
        if (!bar1 || !bar2 || strchr(bar2 + 1, '|')) {
            report(L, t->rel, p->line,
                   "milestone must be 'WHEN | key | title', as in 'day 5 16:00 | wrap-up | The coach posts the "
                   "wrap-up' (two '|')");
            continue;
        }
        line when = trim((line){p->val, (size_t)(bar1 - p->val)});
        line key = trim((line){bar1 + 1, (size_t)(bar2 - bar1 - 1)});
        line title = trim((line){bar2 + 1, strlen(bar2 + 1)});
        milestone m = {arena_strndup(L->a, key.s, key.n), arena_strndup(L->a, title.s, title.n),
                       arena_strndup(L->a, when.s, when.n), 0, -1, p->line};
        int ok = 1;
        const char *why;
        if (tz_relative_parse(m.at, &m.day, &m.minute, &why) != 0) {
            report(L, t->rel, p->line, "milestone time '%.30s': %s", m.at, why);
            ok = 0;
        }
        if (!is_item_key(m.key)) {
            report(L, t->rel, p->line,
                   "milestone key '%.70s' must be 1 to %d lower-case letters and digits in words joined by "
                   "single hyphens, like 'wrap-up'", m.key, MAX_ITEM_KEY);
            ok = 0;
        }
        if (title.n == 0 || title.n > MAX_MILESTONE_TITLE) {
            report(L, t->rel, p->line, "milestone title must be 1 to %d characters", MAX_MILESTONE_TITLE);
            ok = 0;
        }
        for (int j = 0; ok && j < c->n_milestones; j++)
            if (!strcmp(c->milestones[j].key, m.key)) {
                report(L, t->rel, p->line, "milestone key '%s' is already used on line %d", m.key,
                       c->milestones[j].line);
                ok = 0;
            }
        if (ok)
            c->milestones[c->n_milestones++] = m;
    }
}

/* Read course.md text t into c. */
static void course_md(loader *L, const text *t, course *c)
{
    kvset keys;
    int body = front_matter(L, t, COURSE_KEYS, NKEYS(COURSE_KEYS), &keys);
    if (body < 0)
        return;
    c->title = kv_val(&keys, "title");
    c->tagline = kv_val(&keys, "tagline");
    c->summary = kv_val(&keys, "summary");
    get_hours(L, t, kv_get(&keys, "hours"), &c->hours_min, &c->hours_max);
    c->outcomes = arena_alloc(L->a, (size_t)(keys.n + 1) * sizeof(char *));
    for (int i = 0; i < keys.n; i++)
        if (!keys.v[i].empty && strcmp(keys.v[i].key, "outcome") == 0)
            c->outcomes[c->n_outcomes++] = keys.v[i].val;
    milestones(L, t, &keys, c);
    /* certs: the completion rules, kept in their canonical form */
    const kv *rule = kv_get(&keys, "completion");
    if (rule) {
        completion_rule cr;
        const char *why = NULL;
        if (completion_parse(rule->val, &cr, &why) != 0) {
            report(L, t->rel, rule->line, "%s", why);
        } else {
            buf b = BUF_INIT;
            completion_format(&cr, &b);
            c->completion = arena_strdup(L->a, buf_str(&b));
            buf_free(&b);
        }
    }
    c->overview_md = join_lines(L, t, body, t->n);
}

/* Read panel.md text t into c. */
static void panel_md(loader *L, const text *t, course *c)
{
    kvset keys;
    int body = front_matter(L, t, PANEL_KEYS, NKEYS(PANEL_KEYS), &keys);
    if (body < 0)
        return;
    c->panel_title = kv_val(&keys, "title");
    const kv *video = kv_get(&keys, "video");
    if (video && strcmp(video->val, "pending") != 0) {
        check_https(L, t, video, "video");
        c->panel_video = video->val;
    }
    c->panel_video_line = video ? video->line : 0;
    const kv *captions = kv_get(&keys, "captions");
    if (captions && strlen(captions->val) > 200)
        report(L, t->rel, captions->line, "captions must be one short line (at most 200 characters), like "
               "'English captions on the recording'");
    else
        c->captions = captions ? captions->val : NULL;
    const kv *minutes = kv_get(&keys, "minutes");
    c->panel_minutes_line = minutes ? minutes->line : 0;
    get_minutes(L, t, minutes, &c->panel_minutes);
    c->panelists = arena_zalloc(L->a, (size_t)(keys.n + 1) * sizeof(panelist));
    for (int i = 0; i < keys.n; i++) {
        if (keys.v[i].empty || strcmp(keys.v[i].key, "panelist") != 0)
            continue;
        const char *v = keys.v[i].val, *bar = strchr(v, '|');
        line name = {v, bar ? (size_t)(bar - v) : 0};
        line role = {bar ? bar + 1 : v, bar ? strlen(bar + 1) : 0};
        name = trim(name);
        role = trim(role);
        if (!bar || strchr(bar + 1, '|') || name.n == 0 || role.n == 0) {
            report(L, t->rel, keys.v[i].line,
                   "panelist must be 'Name | role, organisation' (one '|', text on both sides)");
            continue;
        }
        if (!c->panelists_line)
            c->panelists_line = keys.v[i].line;
        panelist *p = &c->panelists[c->n_panelists++];
        p->name = arena_strndup(L->a, name.s, name.n);
        p->role = arena_strndup(L->a, role.s, role.n);
    }
    c->panel_summary_md = join_lines(L, t, body, t->n);
}

/* Read transcript.md text t into c. It takes no front matter: a block
** that looks like one (a '---' line, key lines, a '---' line) is reported. */
static void transcript_md(loader *L, const text *t, course *c)
{
    if (t->n > 2 && line_is(t->lines[0], "---")) {
        int i = 1;
        line key, val;
        while (i < t->n && split_key(t->lines[i], &key, &val))
            i++;
        if (i > 1 && i < t->n && line_is(t->lines[i], "---"))
            report(L, t->rel, 1, "transcript.md takes no front matter; remove lines 1 to %d",
                   i + 1);
    }
    c->transcript_md = join_lines(L, t, 0, t->n);
}

/* The six files of a course folder, in the order they are read. */
static const char *const COURSE_FILES[] = {
    "course.md", "panel.md", "transcript.md", "playlist.md", "discussions.md", "activities.md",
};

/* Report every item key of c used twice within the course (keys are the
** items' identity, so they must be unique across its three lists). */
static void check_item_keys(loader *L, const course *c)
{
    const item *lists[3] = {c->playlist, c->prompts, c->activities};
    const int counts[3] = {c->n_playlist, c->n_prompts, c->n_activities};
    static const char *const files[3] = {"playlist.md", "discussions.md", "activities.md"};
    for (int a = 0; a < 3; a++)
        for (int i = 0; i < counts[a]; i++) {
            const item *it = &lists[a][i];
            if (!it->key)
                continue;
            int dup = 0;
            for (int b = 0; b <= a && !dup; b++)
                for (int j = 0; j < (b == a ? i : counts[b]) && !dup; j++)
                    if (lists[b][j].key && !strcmp(lists[b][j].key, it->key)) {
                        report(L, arena_printf(L->a, "%s/%s", c->dir, files[a]), it->key_line,
                               "key '%s' is already used in %s line %d; each item of a course needs "
                               "its own key", it->key, files[b], lists[b][j].key_line);
                        dup = 1;
                    }
        }
}

/* Read every file of course folder c->dir into c. */
static void load_course(loader *L, course *c)
{
    for (size_t f = 0; f < sizeof COURSE_FILES / sizeof COURSE_FILES[0]; f++) {
        text t;
        const char *rel = arena_printf(L->a, "%s/%s", c->dir, COURSE_FILES[f]);
        if (read_text(L, rel, &t) != 0)
            continue;
        switch (f) {
        case 0: course_md(L, &t, c); break;
        case 1: panel_md(L, &t, c); break;
        case 2: transcript_md(L, &t, c); break;
        case 3:
            sections(L, &t, LIST_PLAYLIST, &c->playlist_intro_md, &c->playlist, &c->n_playlist);
            break;
        case 4:
            sections(L, &t, LIST_DISCUSSIONS, &c->discussions_intro_md, &c->prompts,
                     &c->n_prompts);
            break;
        default:
            sections(L, &t, LIST_ACTIVITIES, &c->activities_intro_md, &c->activities,
                     &c->n_activities);
            break;
        }
    }
    check_item_keys(L, c);
}

/* Read series.md into out. */
static void load_series(loader *L, series *out)
{
    text t;
    kvset keys;
    if (read_text(L, "series.md", &t) != 0)
        return;
    int body = front_matter(L, &t, SERIES_KEYS, NKEYS(SERIES_KEYS), &keys);
    if (body < 0)
        return;
    out->title = kv_val(&keys, "title");
    out->tagline = kv_val(&keys, "tagline");
    out->organisation = kv_val(&keys, "organisation");
    out->partner = kv_val(&keys, "partner");
    out->community_url = kv_val(&keys, "community_url");
    check_https(L, &t, kv_get(&keys, "community_url"), "community_url");
    const kv *mail = kv_get(&keys, "contact_email");
    out->contact_email = mail ? mail->val : NULL;
    if (mail && !is_email(mail->val))
        report(L, t.rel, mail->line, "contact_email '%.80s' is not an e-mail address", mail->val);
    out->time_zone = "UTC";
    const kv *zone = kv_get(&keys, "time_zone");
    if (zone && !tz_valid(zone->val))
        report(L, t.rel, zone->line,
               "time_zone '%.64s' is not a time zone this system knows; write an IANA name like "
               "America/New_York or Europe/Berlin", zone->val);
    else if (zone)
        out->time_zone = zone->val;
    out->intro_md = join_lines(L, &t, body, t.n);
}

/* ---- course folders ---------------------------------------------------------- */

/* Parse folder name NN-slug into position and slug. Returns 1 when the name
** has that shape (two digits, '-', then lower-case letters, digits and
** hyphens, not starting or ending with a hyphen). */
static int course_dir_name(const char *name, int *position, const char **slug)
{
    if (!(name[0] >= '0' && name[0] <= '9' && name[1] >= '0' && name[1] <= '9' && name[2] == '-'))
        return 0;
    const char *s = name + 3;
    size_t n = strlen(s);
    if (!is_word(s, 60, "-") || s[0] == '-' || s[n - 1] == '-')
        return 0;
    *position = (name[0] - '0') * 10 + (name[1] - '0');
    *slug = s;
    return 1;
}

/* qsort comparison of two C strings held by pointer. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* qsort comparison of courses by position, then folder name. */
static int cmp_courses(const void *a, const void *b)
{
    const course *x = a, *y = b;
    if (x->position != y->position)
        return x->position < y->position ? -1 : 1;
    return strcmp(x->dir, y->dir);
}

/* Store in *names the sorted names of the sub-folders of the root (hidden
** ones skipped), as an arena array, and their count in *n. Returns 0, or
** -1 (reported) when the root cannot be read. */
static int list_dirs(loader *L, const char ***names_out, int *n)
{
    const char **names = NULL;
    int cap = 0;
    *n = 0;
    *names_out = NULL;
    DIR *d = opendir(L->root);
    if (!d) {
        report(L, NULL, 0, "cannot open the content folder: %s", strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        struct stat st;
        char *path = arena_printf(L->a, "%s/%s", L->root, e->d_name);
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        names = grow(L->a, names, *n, &cap, sizeof(char *));
        names[(*n)++] = arena_strdup(L->a, e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(names, (size_t)*n, sizeof(char *), cmp_names);
    *names_out = names;
    return 0;
}

/* Find, name-check and load every course folder into out. */
static void load_courses(loader *L, series *out)
{
    int n;
    const char **names;
    if (list_dirs(L, &names, &n) != 0)
        return;
    out->courses = arena_zalloc(L->a, (size_t)(n ? n : 1) * sizeof(course));
    for (int i = 0; i < n; i++) {
        course *c = &out->courses[out->n_courses];
        if (!course_dir_name(names[i], &c->position, &c->slug)) {
            report(L, names[i], 0,
                   "a course folder must be named NN-slug: two digits, a hyphen, then lower-case "
                   "letters, digits and hyphens (like 01-purpose-and-vision)");
            continue;
        }
        c->dir = names[i];
        if (c->position == 0)
            report(L, names[i], 0, "course numbers start at 01");
        load_course(L, c);
        out->n_courses++;
    }
    if (out->n_courses == 0) {
        report(L, NULL, 0, "no course folders (NN-slug) found");
        return;
    }
    qsort(out->courses, (size_t)out->n_courses, sizeof(course), cmp_courses);
    for (int i = 1; i < out->n_courses; i++)
        if (out->courses[i].position == out->courses[i - 1].position)
            report(L, out->courses[i].dir, 0, "number %02d is also used by %s",
                   out->courses[i].position, out->courses[i - 1].dir);
    for (int i = 0; i < out->n_courses; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(out->courses[i].slug, out->courses[j].slug) == 0)
                report(L, out->courses[i].dir, 0, "slug '%s' is also used by %s",
                       out->courses[i].slug, out->courses[j].dir);
}

/* ---- calendar.txt ----------------------------------------------------------- */

static const keyspec CALENDAR_KEYS[] = {
    {"code", KEY_REQUIRED}, {"course", KEY_REQUIRED}, {"starts", 0},   {"ends", 0},
    {"week", 0},            {"price", KEY_REQUIRED},  {"currency", 0}, {"capacity", KEY_REQUIRED},
    {"opens", 0},           {"closes", 0},            {"coach", 0},    {"season", 0},
    {"demo", 0},            {"time_zone", 0},         {"posting_closes", 0},
};

/* Non-zero when y is a leap year. */
static int is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Leap years among the years 1 to y (y >= 0). */
static long leaps_through(long y)
{
    return y / 4 - y / 100 + y / 400;
}

/* Parse a real date YYYY-MM-DD (years 1900 to 9999) into days since
** 1970-01-01. Returns 1 on success. */
static int parse_date(const char *v, int32_t *out)
{
    static const int month_start[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long y, m, d;
    if (strlen(v) != 10 || v[4] != '-' || v[7] != '-')
        return 0;
    char part[5];
    memcpy(part, v, 4);
    part[4] = '\0';
    if (!parse_digits(part, 4, &y))
        return 0;
    memcpy(part, v + 5, 2);
    part[2] = '\0';
    if (!parse_digits(part, 2, &m))
        return 0;
    if (!parse_digits(v + 8, 2, &d))
        return 0;
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return 0;
    if (d > month_days[m - 1] + (m == 2 && is_leap(y)))
        return 0;
    long days = (y - 1970) * 365 + leaps_through(y - 1) - leaps_through(1969) +
                month_start[m - 1] + (m > 2 && is_leap(y)) + d - 1;
    *out = (int32_t)days;
    return 1;
}

/* Check p (may be NULL) as a date; on success store it in *out and
** return 1. A bad date is reported and 0 returned. */
static int get_date(loader *L, const text *t, const kv *p, int32_t *out)
{
    if (!p)
        return 0;
    if (!parse_date(p->val, out)) {
        report(L, t->rel, p->line, "%s '%.20s' is not a real date written YYYY-MM-DD", p->key,
               p->val);
        return 0;
    }
    return 1;
}

/* Parse a price "D+" or "D+.DD" (at most 9 whole digits) into cents.
** Returns 1 on success. */
static int parse_price(const char *v, int64_t *cents)
{
    const char *dot = strchr(v, '.');
    size_t whole = dot ? (size_t)(dot - v) : strlen(v);
    if (whole == 0 || whole > 9)
        return 0;
    int64_t x = 0;
    for (size_t i = 0; i < whole; i++) {
        if (v[i] < '0' || v[i] > '9')
            return 0;
        x = x * 10 + (v[i] - '0');
    }
    x *= 100;
    if (dot) {
        if (strlen(dot + 1) != 2 || dot[1] < '0' || dot[1] > '9' || dot[2] < '0' || dot[2] > '9')
            return 0;
        x += (dot[1] - '0') * 10 + (dot[2] - '0');
    }
    *cents = x;
    return 1;
}

/* Monday (days since 1970-01-01) of the Monday-to-Sunday week holding day. */
static int32_t monday_of(int32_t day)
{
    int32_t wd = (int32_t)((((int64_t)day + 3) % 7 + 7) % 7); /* 1970-01-01: Thursday, 3 */
    return day - wd;
}

/* A calendar block: lines [from, to) of t, comments included. */
typedef struct block {
    int from, to;
} block;

/* One code already used, for the duplicate check. */
typedef struct code_seen {
    const char *code;
    int line;
} code_seen;

/* Check the key set of one calendar block (first line no) and fill *o,
** reporting every problem. courses (n_courses) give the known slugs. */
static void offering(loader *L, const text *t, int no, const kvset *keys, int32_t today,
                    const course *courses, int n_courses, const char *zone, offering_seed *o)
{
    long v;
    memset(o, 0, sizeof *o);
    o->line = no;
    o->opens = INT32_MIN;
    o->code = kv_val(keys, "code");
    o->course_slug = kv_val(keys, "course");
    o->coach = kv_val(keys, "coach");
    o->season = kv_val(keys, "season");
    o->currency = "USD";
    o->time_zone = zone ? zone : "UTC";
    static const char *const names[] = {"course", "starts", "ends", "price", "currency", "capacity",
                                        "opens", "closes", "coach", "season", "demo", "time_zone"};
    int *lines[] = {&o->at.course, &o->at.starts, &o->at.ends, &o->at.price, &o->at.currency,
                    &o->at.capacity, &o->at.opens, &o->at.closes, &o->at.coach, &o->at.season, &o->at.demo,
                    &o->at.time_zone};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const kv *k = kv_get(keys, names[i]);
        *lines[i] = k ? k->line : no;
    }
    if (!kv_get(keys, "starts") && kv_get(keys, "week"))
        o->at.starts = o->at.ends = kv_get(keys, "week")->line;

    const kv *p = kv_get(keys, "coach");
    if (p && (!is_email(p->val) || strlen(p->val) > 254))
        report(L, t->rel, p->line,
               "coach '%.60s' must be the coach's e-mail address (their account on the site)", p->val);

    p = kv_get(keys, "code");
    if (p && !is_word(p->val, 40, "-"))
        report(L, t->rel, p->line,
               "code '%.50s' must be 1 to 40 lower-case letters, digits and hyphens", p->val);
    p = kv_get(keys, "course");
    if (p) {
        int found = 0;
        for (int i = 0; i < n_courses && !found; i++)
            found = courses[i].slug && strcmp(courses[i].slug, p->val) == 0;
        if (!found)
            report(L, t->rel, p->line, "course '%.60s' is not the slug of any course folder",
                   p->val);
    }
    p = kv_get(keys, "demo");
    if (p) {
        if (strcmp(p->val, "yes") == 0)
            o->demo = 1;
        else if (strcmp(p->val, "no") != 0)
            report(L, t->rel, p->line, "demo must be 'yes' or 'no'");
    }

    const kv *starts = kv_get(keys, "starts"), *ends = kv_get(keys, "ends");
    const kv *week = kv_get(keys, "week");
    int dates_ok = 0;
    if (week && (starts || ends)) {
        report(L, t->rel, week->line, "give either week or starts and ends, not both");
    } else if (week) {
        if (!o->demo)
            report(L, t->rel, week->line,
                   "week is only for demonstration offerings: add 'demo: yes' or give starts "
                   "and ends");
        if (week->val[0] != '+' || !parse_digits(week->val + 1, 2, &v) || v > MAX_WEEK) {
            report(L, t->rel, week->line, "week must be +N, a number of weeks from 0 to %d",
                   MAX_WEEK);
        } else {
            o->starts = monday_of(today) + (int32_t)(7 * v);
            o->ends = o->starts + 4;
            dates_ok = 1;
        }
    } else if (!starts || !ends) {
        report(L, t->rel, no, "missing %s: give starts and ends (YYYY-MM-DD)%s",
               !starts && !ends ? "starts and ends" : !starts ? "starts" : "ends",
               o->demo ? ", or week: +N" : "");
    } else {
        int a = get_date(L, t, starts, &o->starts);
        int b = get_date(L, t, ends, &o->ends);
        if (a && b && o->ends < o->starts)
            report(L, t->rel, ends->line, "ends is before starts");
        dates_ok = a && b;
    }
    o->closes = o->starts - 1;

    const kv *opens = kv_get(keys, "opens"), *closes = kv_get(keys, "closes");
    int opens_ok = get_date(L, t, opens, &o->opens);
    int closes_ok = get_date(L, t, closes, &o->closes);
    if (closes_ok && dates_ok && o->closes > o->ends)
        report(L, t->rel, closes->line, "closes is after the offering ends");
    if (opens_ok && (closes_ok || (!closes && dates_ok)) && o->opens > o->closes)
        report(L, t->rel, opens->line, "opens is after registration closes");
    if (!closes && !dates_ok)
        o->closes = 0;

    p = kv_get(keys, "time_zone");
    if (p) {
        if (!tz_valid(p->val))
            report(L, t->rel, p->line,
                   "time_zone '%.64s' is not a time zone this system knows; write an IANA name like "
                   "America/New_York or Europe/Berlin", p->val);
        else
            o->time_zone = p->val;
    }
    const kv *pc = kv_get(keys, "posting_closes");
    if (get_date(L, t, pc, &o->posting_closes) && dates_ok && o->posting_closes < o->ends) {
        report(L, t->rel, pc->line, "posting_closes is before the offering ends; posting stays open at least "
               "through the last day");
        o->posting_closes = 0;
    }

    p = kv_get(keys, "price");
    if (p && !parse_price(p->val, &o->price_cents))
        report(L, t->rel, p->line, "price '%.20s' must be like 50 or 50.00", p->val);
    p = kv_get(keys, "currency");
    if (p) {
        o->currency = p->val;
        if (strlen(p->val) != 3 || p->val[0] < 'A' || p->val[0] > 'Z' || p->val[1] < 'A' ||
            p->val[1] > 'Z' || p->val[2] < 'A' || p->val[2] > 'Z')
            report(L, t->rel, p->line, "currency '%.10s' must be three capital letters like USD",
                   p->val);
    }
    p = kv_get(keys, "capacity");
    if (p) {
        if (!parse_digits(p->val, 6, &v) || v < 1 || v > MAX_CAPACITY)
            report(L, t->rel, p->line, "capacity '%.20s' must be a whole number from 1 to %d",
                   p->val, MAX_CAPACITY);
        else
            o->capacity = (int)v;
    }
}

/* Read calendar.txt into out->offerings (demo ones only with include_demo),
** checking each block and codes across blocks. Needs out->courses. */
/* Split a file of key: value blocks (separated by blank lines, '#' lines
** are comments) into line ranges; *nb receives the count. */
static block *split_blocks(loader *L, const text *t, int *nb)
{
    block *blocks = arena_alloc(L->a, (size_t)(t->n + 1) * sizeof(block));
    int n = 0, in_block = 0;
    for (int i = 0; i < t->n; i++) {
        line l = trim(t->lines[i]);
        if (l.n == 0) {
            in_block = 0;
            continue;
        }
        if (l.s[0] == '#')
            continue;
        if (!in_block) {
            blocks[n].from = i;
            n++;
            in_block = 1;
        }
        blocks[n - 1].to = i + 1;
    }
    *nb = n;
    return blocks;
}

/* Gather the key lines of one block into keys, reporting malformed lines. */
static void block_keys(loader *L, const text *t, block b, const keyspec *spec, int nspec, kvset *keys)
{
    for (int i = b.from; i < b.to; i++) {
        line l = t->lines[i];
        line tl = trim(l);
        if (tl.n == 0 || tl.s[0] == '#')
            continue;
        if (!take_key(L, t, i + 1, l, spec, nspec, keys))
            report_bad_key_line(L, t, i + 1, l);
    }
}

static void load_calendar(loader *L, int32_t today, int include_demo, series *out)
{
    text t;
    if (read_text(L, "calendar.txt", &t) != 0)
        return;
    int nb;
    block *blocks = split_blocks(L, &t, &nb);
    out->offerings = arena_zalloc(L->a, (size_t)(nb ? nb : 1) * sizeof(offering_seed));
    code_seen *seen = arena_alloc(L->a, (size_t)(nb ? nb : 1) * sizeof(code_seen));
    int n_seen = 0;
    for (int b = 0; b < nb; b++) {
        kvset keys = {NULL, 0, 0};
        block_keys(L, &t, blocks[b], CALENDAR_KEYS, NKEYS(CALENDAR_KEYS), &keys);
        int no = blocks[b].from + 1;
        check_required(L, &t, no, CALENDAR_KEYS, NKEYS(CALENDAR_KEYS), &keys, "offering");
        offering_seed o;
        offering(L, &t, no, &keys, today, out->courses, out->n_courses, out->time_zone, &o);
        const kv *code = kv_get(&keys, "code");
        if (code) {
            int dup = 0;
            for (int i = 0; i < n_seen && !dup; i++) {
                if (strcmp(seen[i].code, code->val) == 0) {
                    report(L, t.rel, code->line, "code '%.50s' is already used on line %d",
                           code->val, seen[i].line);
                    dup = 1;
                }
            }
            if (!dup) {
                seen[n_seen].code = code->val;
                seen[n_seen++].line = code->line;
            }
        }
        if (o.demo && !include_demo)
            continue;
        out->offerings[out->n_offerings++] = o;
    }
}

/* ---- schools.txt (optional) ------------------------------------------------ */

static const keyspec SCHOOL_KEYS[] = {
    {"name", KEY_REQUIRED}, {"city", 0}, {"country", 0}, {"invoice", 0}, {"billing_name", 0}, {"billing_email", 0},
};

/* Load the member schools, if the file is there. */
static void load_schools(loader *L, series *out)
{
    struct stat st;
    if (stat(arena_printf(L->a, "%s/schools.txt", L->root), &st) != 0)
        return;
    text t;
    if (read_text(L, "schools.txt", &t) != 0)
        return;
    int nb;
    block *blocks = split_blocks(L, &t, &nb);
    out->schools = arena_zalloc(L->a, (size_t)(nb ? nb : 1) * sizeof(school_seed));
    for (int b = 0; b < nb; b++) {
        kvset keys = {NULL, 0, 0};
        block_keys(L, &t, blocks[b], SCHOOL_KEYS, NKEYS(SCHOOL_KEYS), &keys);
        int no = blocks[b].from + 1;
        check_required(L, &t, no, SCHOOL_KEYS, NKEYS(SCHOOL_KEYS), &keys, "school");
        school_seed *sc = &out->schools[out->n_schools];
        sc->name = kv_val(&keys, "name");
        sc->city = kv_val(&keys, "city");
        sc->country = kv_val(&keys, "country");
        sc->line = no;
        const kv *inv = kv_get(&keys, "invoice");
        if (inv && strcmp(inv->val, "yes") && strcmp(inv->val, "no"))
            report(L, t.rel, inv->line, "invoice must be yes or no, not '%.20s'", inv->val);
        sc->invoice = inv && !strcmp(inv->val, "yes");
        sc->billing_name = kv_val(&keys, "billing_name");
        sc->billing_email = kv_val(&keys, "billing_email");
        const kv *be = kv_get(&keys, "billing_email");
        if (be && (!strchr(be->val, '@') || strpbrk(be->val, " \t<>,;\"") || strchr(be->val, '@') == be->val))
            report(L, t.rel, be->line, "billing_email must be one e-mail address, like accounts@school.example");
        if (sc->invoice && !sc->billing_email)
            report(L, t.rel, no, "a school with 'invoice: yes' needs a billing_email for its invoices");
        for (int i = 0; i < out->n_schools && sc->name; i++)
            if (out->schools[i].name && !strcmp(out->schools[i].name, sc->name))
                report(L, t.rel, no, "the school '%.60s' is listed twice (first on line %d)", sc->name,
                       out->schools[i].line);
        if (sc->name)
            out->n_schools++;
    }
}

/* ---- entry points ------------------------------------------------------------ */

/* How root appears in messages: its last path component (resolved when it
** is "." or ".."), as an arena string. */
static const char *shown_name(arena *a, const char *root)
{
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && root[start - 1] != '/')
        start--;
    const char *name = arena_strndup(a, root + start, n - start);
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || name[0] == '\0') {
        char *real = realpath(root, NULL);
        if (real) {
            const char *slash = strrchr(real, '/');
            if (slash && slash[1])
                name = arena_strdup(a, slash + 1);
            free(real);
        }
    }
    return name;
}

/* Load root into *out: series.md, the course folders, then calendar.txt
** (which needs the course slugs). Returns 0 or -1 (see course.h). */
int course_load(arena *a, const char *root, int32_t today, int include_demo, series *out,
                buf *err)
{
    loader L = {a, err, root, shown_name(a, root), 0};
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        report(&L, NULL, 0, "the content folder does not exist or is not a folder");
        return -1;
    }
    load_series(&L, out);
    load_courses(&L, out);
    load_calendar(&L, today, include_demo, out);
    load_schools(&L, out);
    return L.errors ? -1 : 0;
}

/* Check text_in as a course.md, reporting as "course.md:LINE: ..."; the
** text is copied into the arena first. Returns 0 or -1 (see course.h). */
int course_parse_frontmatter_for_test(arena *a, const char *text_in, size_t len, buf *err)
{
    loader L = {a, err, ".", NULL, 0};
    text t;
    course c;
    memset(&c, 0, sizeof c);
    if (len > MAX_FILE) {
        report(&L, "course.md", 0, "file is larger than 1 MiB");
        return -1;
    }
    char *copy = arena_alloc(a, len + 1);
    memcpy(copy, text_in, len);
    copy[len] = '\0';
    if (split_text(&L, "course.md", copy, len, &t) == 0)
        course_md(&L, &t, &c);
    return L.errors ? -1 : 0;
}

/* Check text_in as the course file which (see course.h), reporting as
** "WHICH:LINE: ...". Returns 0 or -1. */
int course_parse_file_for_test(arena *a, const char *which, const char *text_in, size_t len, course *c_out,
                               offering_seed *o_out, buf *err)
{
    loader L = {a, err, ".", NULL, 0};
    text t;
    course c;
    memset(&c, 0, sizeof c);
    c.slug = "demo-course";
    c.dir = "00-demo-course";
    if (len > MAX_FILE) {
        report(&L, which, 0, "file is larger than 1 MiB");
        return -1;
    }
    char *copy = arena_alloc(a, len + 1);
    memcpy(copy, text_in, len);
    copy[len] = '\0';
    if (split_text(&L, which, copy, len, &t) != 0)
        return -1;
    if (!strcmp(which, "course.md")) {
        course_md(&L, &t, &c);
    } else if (!strcmp(which, "panel.md")) {
        panel_md(&L, &t, &c);
    } else if (!strcmp(which, "playlist.md")) {
        sections(&L, &t, LIST_PLAYLIST, &c.playlist_intro_md, &c.playlist, &c.n_playlist);
    } else if (!strcmp(which, "discussions.md")) {
        sections(&L, &t, LIST_DISCUSSIONS, &c.discussions_intro_md, &c.prompts, &c.n_prompts);
    } else if (!strcmp(which, "activities.md")) {
        sections(&L, &t, LIST_ACTIVITIES, &c.activities_intro_md, &c.activities, &c.n_activities);
    } else if (!strcmp(which, "calendar.txt")) {
        int nb;
        block *blocks = split_blocks(&L, &t, &nb);
        for (int b = 0; b < nb; b++) {
            kvset keys = {NULL, 0, 0};
            block_keys(&L, &t, blocks[b], CALENDAR_KEYS, NKEYS(CALENDAR_KEYS), &keys);
            check_required(&L, &t, blocks[b].from + 1, CALENDAR_KEYS, NKEYS(CALENDAR_KEYS), &keys, "offering");
            offering_seed o;
            offering(&L, &t, blocks[b].from + 1, &keys, 0, &c, 1, "UTC", &o);
            if (b == 0 && o_out)
                *o_out = o;
        }
    } else {
        report(&L, which, 0, "not a course file");
    }
    if (c_out)
        *c_out = c;
    return L.errors ? -1 : 0;
}

/* ---- activity rubrics (feedback) ------------------------------------------------ */

/* Split and check a rubric line into its levels (see course.h). */
int course_rubric_levels(arena *a, const char *value, const char *levels[COURSE_RUBRIC_MAX], const char **why)
{
    int n = 0;
    const char *p = value ? value : "";
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        while (len && is_space(*p))
            p++, len--;
        while (len && is_space(p[len - 1]))
            len--;
        if (len == 0) {
            *why = "a level is empty; write the levels separated by '|', like 'Beginning | Developing | Proficient'";
            return 0;
        }
        if (len > COURSE_RUBRIC_LEVEL) {
            *why = "a level may be at most 40 characters";
            return 0;
        }
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) {
                *why = "a level may not hold control characters";
                return 0;
            }
        if (n == COURSE_RUBRIC_MAX) {
            *why = "a rubric may have at most 6 levels";
            return 0;
        }
        const char *lv = arena_strndup(a, p, len);
        for (int k = 0; k < n; k++)
            if (!strcasecmp(levels[k], lv)) {
                *why = "two levels have the same name";
                return 0;
            }
        levels[n++] = lv;
        if (!bar)
            break;
        p = bar + 1;
    }
    if (n < 2) {
        *why = "a rubric needs at least 2 levels separated by '|'";
        return 0;
    }
    return n;
}
