/*
** tmpl.c: the page template engine (see tmpl.h).
**
** Each template is parsed once into a tree of nodes. Everything a set owns
** (source copies, nodes, path segments, names) lives in the set's arena and
** goes with tmpl_free(); text nodes point into the copied source. Rendering
** walks the tree with a chain of scope frames on the C stack and allocates
** nothing of its own (libcurl allocates inside esc_url, and a real number
** through the url filter uses a small temporary buffer).
**
** A template whose name ends in ".txt" is plain text (e-mail bodies): the
** parser maps its filters to the plain-text ones at parse time, so the
** renderer never needs to know which kind of template it is walking.
*/
#include "tmpl.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "escape.h"

#define MAX_BLOCK_DEPTH 64         /* open blocks inside one template */
#define MAX_PARTIAL_DEPTH 16       /* partials inside partials at render */
#define RENDER_BUDGET 10000000UL   /* nodes, iterations, scopes searched */
#define MAX_DIR_DEPTH 16           /* folder nesting tmpl_load descends */
#define MAX_FILE_SIZE (4u << 20)   /* largest template file tmpl_load reads */

enum ntype { N_TEXT, N_VAR, N_IF, N_UNLESS, N_EACH, N_PARTIAL };
/* F_TEXT and F_TEXT_HREF only occur in plain-text templates, where they
** replace the default (F_HTML), raw and href. */
enum filter { F_HTML, F_URL, F_HREF, F_RAW, F_TEXT, F_TEXT_HREF };
enum special { S_NONE, S_THIS, S_INDEX, S_NUMBER, S_FIRST, S_LAST };

/* A dotted path split at parse time. For S_THIS the segments are walked
** from the current item; for S_NONE seg[0] is looked up through the
** scopes. Specials other than S_THIS have no segments. */
typedef struct tpath {
    int special;
    size_t nseg;
    char **seg; /* NUL-terminated segments */
    long *idx;  /* per segment: array index if all digits, else -1 */
} tpath;

/* Keywords, filters and specials, in the order of their enums. */
static const char *const block_words[] = {"if", "unless", "each", NULL};
static const char *const filter_words[] = {"url", "href", "raw", NULL};
static const char *const special_words[] = {"@index", "@number", "@first", "@last", NULL};

typedef struct node node;
typedef struct tmpl tmpl;

struct node {
    int type, filter, line;
    node *next;
    const char *text;     /* N_TEXT: text[0..len) in the source copy */
    size_t len;
    tpath path;           /* N_VAR, N_IF, N_UNLESS, N_EACH */
    node *body, *alt;     /* blocks: main branch and {{else}} branch */
    const char *pname;    /* N_PARTIAL: the name as written */
    const tmpl *partial;  /* N_PARTIAL: set by tmpl_check */
    node *next_partial;   /* N_PARTIAL: the template's other partial tags */
};

struct tmpl {
    const char *name, *label; /* label: the name shown in messages */
    int text;                 /* 1 for a plain-text (.txt) template */
    node *root, *partials;
    tmpl *next;
};

struct tmpl_set {
    arena *mem;
    tmpl *list;
};

/* ---------------------------------------------------------------- parser */

/* An open block and where its parent list continues once it is closed. */
typedef struct open_block {
    node *blk, **after;
    int in_else;
} open_block;

typedef struct parser {
    arena *mem;
    const char *label; /* template name in messages */
    buf *err;
    int nerr, depth;
    int text;          /* 1 when parsing a plain-text template */
    node *root, **tail; /* tail: where the next node is linked */
    node *partials;
    open_block stack[MAX_BLOCK_DEPTH];
} parser;

/* Append "label:line: message\n" to the error buffer and count it. */
__attribute__((format(printf, 3, 4)))
static void perr(parser *p, int line, const char *fmt, ...)
{
    va_list ap;
    buf_printf(p->err, "%s:%d: ", p->label, line);
    va_start(ap, fmt);
    buf_vprintf(p->err, fmt, ap);
    va_end(ap);
    buf_putc(p->err, '\n');
    p->nerr++;
}

/* 1 for the whitespace allowed around tag contents. */
static int is_space(int c)
{
    return c && strchr(" \t\n\r\f\v", c) != NULL;
}

/* Narrow s[0..*n) to drop leading and trailing whitespace. */
static void trim(const char **s, size_t *n)
{
    while (*n && is_space((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_space((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Number of newlines in s[0..n). */
static int count_lines(const char *s, size_t n)
{
    int lines = 0;
    const char *end = s + n;
    while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        lines++;
        s++;
    }
    return lines;
}

/* 1 if s[0..n) equals the C string word. */
static int word_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Position of s[0..n) in the NULL-terminated list words, or -1. */
static int word_index(const char *s, size_t n, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (word_is(s, n, words[i]))
            return i;
    return -1;
}

/* A zeroed node of the given type from the arena, linked at the tail. */
static node *add_node(parser *p, int type, int line)
{
    node *n = arena_zalloc(p->mem, sizeof *n);
    n->type = type;
    n->line = line;
    *p->tail = n;
    p->tail = &n->next;
    return n;
}

/* 1 if c may appear in a path: letters, digits, _ . @ - (ASCII only). */
static int path_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("_.@-", c));
}

/* Split the dotted path s[0..n) into out's segments, copied into the
** arena, with their array indexes; a leading "this" becomes S_THIS.
** s is non-empty and has no empty segments. */
static void split_path(parser *p, const char *s, size_t n, tpath *out)
{
    char *copy = arena_strndup(p->mem, s, n);
    size_t nseg = 1;
    for (size_t i = 0; i < n; i++)
        nseg += copy[i] == '.';
    out->seg = arena_alloc(p->mem, nseg * sizeof *out->seg);
    out->idx = arena_alloc(p->mem, nseg * sizeof *out->idx);
    out->nseg = nseg;
    char *seg = copy;
    for (size_t k = 0; k < nseg; k++) {
        char *dot = strchr(seg, '.');
        if (dot)
            *dot = '\0';
        size_t len = strlen(seg);
        out->idx[k] = len <= 9 && strspn(seg, "0123456789") == len ? atol(seg) : -1;
        out->seg[k] = seg;
        seg = dot ? dot + 1 : seg + len;
    }
    if (strcmp(out->seg[0], "this") == 0) {
        out->special = S_THIS;
        out->seg++;
        out->idx++;
        out->nseg--;
    }
}

/* Parse the path s[0..n) (already trimmed) into out. Returns 0, or -1
** after reporting an empty path, a bad character, an empty segment or an
** unknown @name. */
static int parse_path(parser *p, const char *s, size_t n, int line, tpath *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0) {
        perr(p, line, "empty path");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!path_char(c)) {
            if (c >= 0x20 && c < 0x7f)
                perr(p, line, "invalid character '%c' in path \"%.*s\"", c, (int)n, s);
            else
                perr(p, line, "invalid character 0x%02x in path", c);
            return -1;
        }
    }
    if (memchr(s, '@', n)) {
        int sp = word_index(s, n, special_words);
        out->special = sp < 0 ? S_NONE : S_INDEX + sp;
        if (sp < 0) {
            perr(p, line, "unknown name \"%.*s\": '@' is only for @index, @number, @first, @last",
                 (int)n, s);
            return -1;
        }
        return 0;
    }
    if (n == 1 && s[0] == '.') {
        out->special = S_THIS;
        return 0;
    }
    if (s[0] == '.' || s[n - 1] == '.' || memmem(s, n, "..", 2)) {
        perr(p, line, "empty segment in path \"%.*s\"", (int)n, s);
        return -1;
    }
    split_path(p, s, n, out);
    return 0;
}

/* The filter a plain-text template uses in place of the HTML one f:
** values go out unescaped, and an href keeps only its safety check. */
static int text_filter(int f)
{
    return f == F_URL ? F_URL : f == F_HREF ? F_TEXT_HREF : F_TEXT;
}

/* {{ path }} or {{ path | filter }}: add a value node or report why not.
** In a plain-text template raw is allowed for any path. */
static void parse_var(parser *p, const char *s, size_t n, int line)
{
    const char *bar = memchr(s, '|', n);
    size_t plen = bar ? (size_t)(bar - s) : n;
    const char *f = bar ? bar + 1 : NULL;
    size_t flen = bar ? n - plen - 1 : 0;
    tpath path;
    trim(&s, &plen);
    int filter = F_HTML;
    if (f) {
        trim(&f, &flen);
        filter = word_index(f, flen, filter_words);
        if (filter < 0) {
            perr(p, line, "unknown filter \"%.*s\" (use url, href or raw)", (int)flen, f);
            return;
        }
        filter += F_URL;
    }
    if (parse_path(p, s, plen, line, &path) < 0)
        return;
    if (p->text) {
        filter = text_filter(filter);
    } else if (filter == F_RAW) {
        const char *last = path.nseg ? path.seg[path.nseg - 1] : "";
        size_t len = strlen(last);
        if (len < 5 || strcmp(last + len - 5, "_html") != 0) {
            perr(p, line, "raw is only for values ending in _html");
            return;
        }
    }
    node *v = add_node(p, N_VAR, line);
    v->path = path;
    v->filter = filter;
}

/* {{#kw path}}: open a block. Returns -1 (stop parsing) on an unknown
** keyword or too deep nesting; a bad path is reported but not fatal. */
static int parse_open(parser *p, const char *s, size_t n, int line)
{
    trim(&s, &n);
    size_t kw = 0;
    while (kw < n && !is_space((unsigned char)s[kw]))
        kw++;
    int type = word_index(s, kw, block_words);
    if (type < 0) {
        perr(p, line, "unknown block keyword \"%.*s\" (use if, unless or each)", (int)kw, s);
        return -1;
    }
    if (p->depth == MAX_BLOCK_DEPTH) {
        perr(p, line, "blocks nested deeper than %d", MAX_BLOCK_DEPTH);
        return -1;
    }
    const char *path = s + kw;
    size_t plen = n - kw;
    trim(&path, &plen);
    node *b = add_node(p, N_IF + type, line);
    parse_path(p, path, plen, line, &b->path);
    p->stack[p->depth++] = (open_block){b, p->tail, 0};
    p->tail = &b->body;
    return 0;
}

/* {{/kw}}: close the innermost block. Returns -1 (stop) on a mismatch. */
static int parse_close(parser *p, const char *s, size_t n, int line)
{
    trim(&s, &n);
    if (p->depth == 0) {
        perr(p, line, "{{/%.*s}} without an open block", (int)n, s);
        return -1;
    }
    open_block *top = &p->stack[p->depth - 1];
    const char *want = block_words[top->blk->type - N_IF];
    if (!word_is(s, n, want)) {
        perr(p, line, "{{/%.*s}} closes {{#%s}} opened on line %d", (int)n, s, want,
             top->blk->line);
        return -1;
    }
    p->tail = top->after;
    p->depth--;
    return 0;
}

/* {{else}}: switch the innermost block to its else branch. Returns -1
** (stop) outside a block or on a second else. */
static int parse_else(parser *p, int line)
{
    if (p->depth == 0) {
        perr(p, line, "{{else}} outside if, unless or each");
        return -1;
    }
    open_block *top = &p->stack[p->depth - 1];
    if (top->in_else) {
        perr(p, line, "second {{else}} in {{#%s}} opened on line %d",
             block_words[top->blk->type - N_IF], top->blk->line);
        return -1;
    }
    top->in_else = 1;
    p->tail = &top->blk->alt;
    return 0;
}

/* {{> name}}: add a partial node (resolved later by tmpl_check). */
static void parse_partial(parser *p, const char *s, size_t n, int line)
{
    trim(&s, &n);
    if (n == 0) {
        perr(p, line, "empty partial name");
        return;
    }
    char *name = arena_strndup(p->mem, s, n);
    if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/") != n) {
        perr(p, line, "invalid character in partial name \"%.*s\"", (int)n, s);
        return;
    }
    node *v = add_node(p, N_PARTIAL, line);
    v->pname = name;
    v->next_partial = p->partials;
    p->partials = v;
}

/* Dispatch one tag's contents s[0..n) (between the braces). Returns -1 when
** parsing cannot go on, 0 otherwise (recoverable errors are counted). */
static int parse_tag(parser *p, const char *s, size_t n, int line)
{
    if (n && s[0] == '{') {
        perr(p, line, "{{{ is not supported; use {{ value_html | raw }}");
        return 0;
    }
    trim(&s, &n);
    if (n == 0) {
        perr(p, line, "empty path");
        return 0;
    }
    switch (s[0]) {
    case '!': return 0;
    case '#': return parse_open(p, s + 1, n - 1, line);
    case '/': return parse_close(p, s + 1, n - 1, line);
    case '>': parse_partial(p, s + 1, n - 1, line); return 0;
    default: break;
    }
    if (word_is(s, n, "else"))
        return parse_else(p, line);
    parse_var(p, s, n, line);
    return 0;
}

/* Parse src[0..len) (owned by the arena) into p->root. Returns the number
** of errors reported. */
static int parse(parser *p, const char *src, size_t len)
{
    size_t pos = 0;
    int line = 1;
    p->tail = &p->root;
    while (pos < len) {
        const char *open = memmem(src + pos, len - pos, "{{", 2);
        size_t upto = open ? (size_t)(open - src) : len;
        if (upto > pos) {
            node *t = add_node(p, N_TEXT, line);
            t->text = src + pos;
            t->len = upto - pos;
            line += count_lines(t->text, t->len);
        }
        if (!open)
            break;
        const char *body = open + 2;
        const char *close = memmem(body, len - (size_t)(body - src), "}}", 2);
        if (!close) {
            perr(p, line, "unclosed {{");
            return p->nerr;
        }
        if (parse_tag(p, body, (size_t)(close - body), line) < 0)
            return p->nerr;
        line += count_lines(body, (size_t)(close - body));
        pos = (size_t)(close + 2 - src);
    }
    for (int d = p->depth - 1; d >= 0; d--)
        perr(p, p->stack[d].blk->line, "{{#%s}} is never closed",
             block_words[p->stack[d].blk->type - N_IF]);
    return p->nerr;
}

/* ------------------------------------------------------------------ sets */

/* The template called name, or NULL. */
static const tmpl *find(const tmpl_set *set, const char *name)
{
    for (const tmpl *t = set->list; t; t = t->next)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

/* 1 if s ends with suffix. */
static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Create an empty set; aborts on out of memory like the arena does. */
tmpl_set *tmpl_new(void)
{
    arena *mem = arena_new(0);
    tmpl_set *set = arena_zalloc(mem, sizeof *set);
    set->mem = mem;
    return set;
}

/* Parse and add one template, naming it label in messages. 0 or -1 with
** messages in err. A failed parse leaves its garbage in the arena, and the
** template itself in the set if keep_broken (so that tmpl_load can still
** check partials naming it; the set is never used after that). */
static int add_labeled(tmpl_set *set, const char *name, const char *label,
                       const char *text, size_t len, buf *err, int keep_broken)
{
    if (find(set, name)) {
        buf_printf(err, "%s:1: duplicate template name \"%s\"\n", label, name);
        return -1;
    }
    parser p;
    memset(&p, 0, sizeof p);
    p.mem = set->mem;
    p.label = arena_strdup(set->mem, label);
    p.err = err;
    p.text = ends_with(name, ".txt");
    char *src = arena_alloc(set->mem, len + 1);
    if (len)
        memcpy(src, text, len);
    src[len] = '\0';
    int bad = parse(&p, src, len) > 0;
    if (bad && !keep_broken)
        return -1;
    tmpl *t = arena_zalloc(set->mem, sizeof *t);
    t->name = arena_strdup(set->mem, name);
    t->label = p.label;
    t->text = p.text;
    t->root = p.root;
    t->partials = p.partials;
    t->next = set->list;
    set->list = t;
    return bad ? -1 : 0;
}

/* See tmpl.h: parse text as template name, named by name in messages. */
int tmpl_add(tmpl_set *set, const char *name, const char *text, size_t len, buf *err)
{
    return add_labeled(set, name, name, text, len, err, 0);
}

/* See tmpl.h: point every partial tag at its template; report each
** missing one, and each of the other kind (HTML in plain text or the
** reverse, left unresolved so it cannot render), and return -1 if any. */
int tmpl_check(tmpl_set *set, buf *err)
{
    int bad = 0;
    for (tmpl *t = set->list; t; t = t->next)
        for (node *n = t->partials; n; n = n->next_partial) {
            n->partial = find(set, n->pname);
            if (!n->partial) {
                buf_printf(err, "%s:%d: partial \"%s\" not found\n", t->label, n->line, n->pname);
                bad = 1;
            } else if (n->partial->text != t->text) {
                buf_printf(err, "%s:%d: partial \"%s\" is %s: partials must be of the same kind\n",
                           t->label, n->line, n->pname, n->partial->text ? "plain text" : "HTML");
                n->partial = NULL;
                bad = 1;
            }
        }
    return bad ? -1 : 0;
}

/* See tmpl.h: the arena holds everything, so freeing it frees the set. */
void tmpl_free(tmpl_set *set)
{
    if (set)
        arena_free(set->mem);
}

/* See tmpl.h: 1 if name is in the set. */
int tmpl_has(const tmpl_set *set, const char *name)
{
    return find(set, name) != NULL;
}

/* --------------------------------------------------------------- loading */

/* Read and add the template file at full, called rel (which ends in
** ".html" or ".txt") in messages; an HTML template's name drops the
** ".html", a plain-text one keeps its ".txt". Returns 1 after reporting a
** failure, else 0. */
static int load_file(tmpl_set *set, const char *full, const char *rel, buf *err)
{
    int html = ends_with(rel, ".html");
    const char *name = html ? arena_strndup(set->mem, rel, strlen(rel) - 5) : rel;
    if (html && ends_with(name, ".txt")) {
        /* its name would make it a plain-text template without escaping */
        buf_printf(err, "%s: an HTML template's name may not end in .txt.html\n", rel);
        return 1;
    }
    FILE *f = fopen(full, "rb");
    if (!f) {
        buf_printf(err, "%s: cannot open: %s\n", rel, strerror(errno));
        return 1;
    }
    buf text;
    buf_init(&text, MAX_FILE_SIZE);
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&text, chunk, got);
    int rc = ferror(f) || buf_failed(&text);
    fclose(f);
    if (rc)
        buf_printf(err, "%s: cannot read (too large?)\n", rel);
    else
        rc = add_labeled(set, name, rel, buf_str(&text), text.len, err, 1) < 0;
    buf_free(&text);
    return rc;
}

/* Entry filter for scandir: skip ".", ".." and hidden names. */
static int visible(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Load every *.html and *.txt under root/rel (rel is "" or ends in "/"),
** in name order, recursing into folders. Returns the number of failures. */
static int load_dir(tmpl_set *set, const char *root, const char *rel, int depth, buf *err)
{
    char *dir = arena_printf(set->mem, "%s/%s", root, rel);
    struct dirent **list;
    int n = scandir(dir, &list, visible, alphasort);
    if (n < 0) {
        buf_printf(err, "%s: cannot open directory: %s\n", dir, strerror(errno));
        return 1;
    }
    int bad = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = list[i]->d_name;
        char *full = arena_printf(set->mem, "%s%s", dir, nm);
        char *sub = arena_printf(set->mem, "%s%s", rel, nm);
        size_t len = strlen(nm);
        struct stat st;
        if (stat(full, &st) != 0) {
            buf_printf(err, "%s: %s\n", sub, strerror(errno));
            bad++;
        } else if (S_ISDIR(st.st_mode)) {
            if (depth >= MAX_DIR_DEPTH) {
                buf_printf(err, "%s: folders nested too deeply\n", sub);
                bad++;
            } else {
                bad += load_dir(set, root, arena_printf(set->mem, "%s/", sub), depth + 1, err);
            }
        } else if (S_ISREG(st.st_mode) && ((len > 5 && ends_with(nm, ".html")) ||
                                           (len > 4 && ends_with(nm, ".txt")))) {
            bad += load_file(set, full, sub, err);
        }
        free(list[i]);
    }
    free(list);
    return bad;
}

/* See tmpl.h: load every template under dir and resolve partials; NULL
** with messages in err if anything failed. Caller owns the set. */
tmpl_set *tmpl_load(const char *dir, buf *err)
{
    tmpl_set *set = tmpl_new();
    int bad = load_dir(set, dir, "", 0, err) > 0;
    if (tmpl_check(set, err) < 0 || bad) {
        tmpl_free(set);
        return NULL;
    }
    return set;
}

/* ------------------------------------------------------------- rendering */

/* One scope: the root context, or the current item of an each loop. */
typedef struct frame {
    const json_t *item;
    const struct frame *up;
    size_t index, count; /* position in the loop, when each is set */
    int each;
} frame;

/* One render's state: the output, partial nesting and work done. */
typedef struct render {
    buf *out;
    int depth;
    unsigned long steps;
} render;

/* A resolved value: JSON (j NULL when missing) or a loop special. */
enum vkind { V_JSON, V_INT, V_BOOL };
typedef struct val {
    int kind;
    const json_t *j;
    json_int_t n;
} val;

/* Child seg of j: an object member, or an array element when the segment
** is numeric. NULL when absent. Borrowed. */
static const json_t *step(const json_t *j, const char *seg, long idx)
{
    if (json_is_object(j))
        return json_object_get(j, seg);
    if (json_is_array(j) && idx >= 0)
        return json_array_get(j, (size_t)idx);
    return NULL;
}

/* Walk p's segments from number `from` on, starting at j. Borrowed. */
static const json_t *walk(const json_t *j, const tpath *p, size_t from)
{
    for (size_t i = from; j && i < p->nseg; i++)
        j = step(j, p->seg[i], p->idx[i]);
    return j;
}

/* Resolve p against the scope chain f (innermost first), counting each
** scope searched as work done in r. */
static val resolve(const tpath *p, const frame *f, render *r)
{
    val v = {V_JSON, NULL, 0};
    if (p->special == S_THIS) {
        v.j = walk(f->item, p, 0);
    } else if (p->special == S_NONE) {
        for (; f; f = f->up) {
            r->steps++;
            const json_t *j = step(f->item, p->seg[0], p->idx[0]);
            if (j) {
                v.j = walk(j, p, 1);
                break;
            }
        }
    } else {
        while (f && !f->each)
            f = f->up;
        if (f) {
            v.kind = p->special == S_INDEX || p->special == S_NUMBER ? V_INT : V_BOOL;
            v.n = p->special == S_INDEX ? (json_int_t)f->index
                : p->special == S_NUMBER ? (json_int_t)f->index + 1
                : p->special == S_FIRST ? f->index == 0 : f->index + 1 == f->count;
        }
    }
    return v;
}

/* Falsy: missing, null, false, "", 0, 0.0, empty array, empty object. */
static int truthy(val v)
{
    if (v.kind != V_JSON)
        return v.n != 0;
    if (!v.j)
        return 0;
    switch (json_typeof(v.j)) {
    case JSON_OBJECT: return json_object_size(v.j) > 0;
    case JSON_ARRAY: return json_array_size(v.j) > 0;
    case JSON_STRING: return json_string_length(v.j) > 0;
    case JSON_INTEGER: return json_integer_value(v.j) != 0;
    case JSON_REAL: return json_real_value(v.j) != 0.0;
    case JSON_TRUE: return 1;
    default: return 0;
    }
}

/* Append s[0..n) as plain text: unchanged but for NUL bytes, which are
** dropped (as esc_html does) since they have no place in a message. */
static void emit_text(buf *out, const char *s, size_t n)
{
    const char *end = s + n, *nul;
    while ((nul = memchr(s, '\0', (size_t)(end - s))) != NULL) {
        buf_append(out, s, (size_t)(nul - s));
        s = nul + 1;
    }
    buf_append(out, s, (size_t)(end - s));
}

/* Append string s[0..n) through the filter. An href with an embedded
** NUL is refused: the NUL would hide the rest from url_is_safe. */
static void emit_string(buf *out, const char *s, size_t n, int filter)
{
    int href = filter == F_HREF || filter == F_TEXT_HREF;
    if (filter == F_RAW)
        buf_append(out, s, n);
    else if (filter == F_URL)
        esc_url(out, s, n);
    else if (href && (memchr(s, '\0', n) || !url_is_safe(s)))
        buf_putc(out, '#');
    else if (filter == F_TEXT || filter == F_TEXT_HREF)
        emit_text(out, s, n);
    else
        esc_html(out, s, n);
}

/* Append a real with %g. Only the url filter needs more than that (the
** exponent's '+'), which costs one small temporary buffer. */
static void emit_real(buf *out, double d, int filter)
{
    if (filter != F_URL) {
        buf_printf(out, "%g", d);
        return;
    }
    buf tmp = BUF_INIT;
    buf_printf(&tmp, "%g", d);
    if (buf_failed(&tmp))
        out->failed = 1;
    else
        esc_url(out, tmp.data, tmp.len);
    buf_free(&tmp);
}

/* Append value v through the filter. Numbers and booleans need no escaping
** in any context; null, missing, arrays and objects print nothing (or "#"
** for href). */
static void emit(buf *out, val v, int filter)
{
    if (v.kind == V_BOOL) {
        buf_puts(out, v.n ? "true" : "false");
        return;
    }
    if (v.kind == V_INT) {
        buf_printf(out, "%" JSON_INTEGER_FORMAT, v.n);
        return;
    }
    switch (v.j ? json_typeof(v.j) : JSON_NULL) {
    case JSON_STRING:
        emit_string(out, json_string_value(v.j), json_string_length(v.j), filter);
        break;
    case JSON_INTEGER: buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v.j)); break;
    case JSON_REAL: emit_real(out, json_real_value(v.j), filter); break;
    case JSON_TRUE: buf_puts(out, "true"); break;
    case JSON_FALSE: buf_puts(out, "false"); break;
    default:
        if (filter == F_HREF || filter == F_TEXT_HREF)
            buf_putc(out, '#');
        break;
    }
}

static int render_list(const node *n, const frame *f, render *r);

/* Run an each block: the body once per array element with that element as
** the innermost scope, or the else branch for an empty or non-array. */
static int render_each(const node *n, const frame *f, render *r)
{
    val v = resolve(&n->path, f, r);
    const json_t *arr = v.kind == V_JSON && json_is_array(v.j) ? v.j : NULL;
    size_t count = json_array_size(arr);
    if (count == 0)
        return render_list(n->alt, f, r);
    for (size_t i = 0; i < count; i++) {
        frame inner = {json_array_get(arr, i), f, i, count, 1};
        if (++r->steps > RENDER_BUDGET || render_list(n->body, &inner, r) < 0)
            return -1;
    }
    return 0;
}

/* Render the node list n and its successors into r->out; a partial runs
** with the caller's scopes. 0, or -1 when a partial is unresolved or nested
** too deep, the work budget runs out, or the output buffer failed. */
static int render_list(const node *n, const frame *f, render *r)
{
    for (; n; n = n->next) {
        if (++r->steps > RENDER_BUDGET || buf_failed(r->out))
            return -1;
        int rc = 0;
        switch (n->type) {
        case N_TEXT: buf_append(r->out, n->text, n->len); break;
        case N_VAR: emit(r->out, resolve(&n->path, f, r), n->filter); break;
        case N_IF:
            rc = render_list(truthy(resolve(&n->path, f, r)) ? n->body : n->alt, f, r);
            break;
        case N_UNLESS:
            rc = render_list(truthy(resolve(&n->path, f, r)) ? n->alt : n->body, f, r);
            break;
        case N_EACH: rc = render_each(n, f, r); break;
        default:
            if (!n->partial || r->depth >= MAX_PARTIAL_DEPTH)
                return -1;
            r->depth++;
            rc = render_list(n->partial->root, f, r);
            r->depth--;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* See tmpl.h: render name with ctx as the root scope into out; 0 or -1. */
int tmpl_render(const tmpl_set *set, const char *name, const json_t *ctx, buf *out)
{
    const tmpl *t = find(set, name);
    if (!t)
        return -1;
    frame root = {ctx, NULL, 0, 0, 0};
    render r = {out, 0, 0};
    if (render_list(t->root, &root, &r) < 0 || buf_failed(out))
        return -1;
    return 0;
}
