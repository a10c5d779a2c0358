/*
** test_tmpl.c: unit tests for the template engine: values, filters and
** escaping, blocks, loops, partials, parse errors, plain-text templates
** and loading from disk.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tmpl.h"

static buf out; /* the last render's output or error text */

/* Parse text as template "t", check it, render it against the JSON ctx and
** return the output, or "ERR(...)" with the messages / "RENDER -1". The
** result lives in the static buffer until the next call. */
static const char *run(const char *text, const char *ctx_json)
{
    buf_reset(&out);
    json_error_t jerr;
    json_t *ctx = json_loads(ctx_json ? ctx_json : "{}", JSON_ALLOW_NUL, &jerr);
    if (!ctx) {
        buf_printf(&out, "BAD JSON: %s", jerr.text);
        return buf_str(&out);
    }
    tmpl_set *set = tmpl_new();
    buf err = BUF_INIT;
    if (tmpl_add(set, "t", text, strlen(text), &err) < 0 || tmpl_check(set, &err) < 0)
        buf_printf(&out, "ERR(%s)", buf_str(&err));
    else if (tmpl_render(set, "t", ctx, &out) < 0)
        buf_puts(&out, "RENDER -1");
    buf_free(&err);
    tmpl_free(set);
    json_decref(ctx);
    return buf_str(&out);
}

/* The error text from parsing and checking text as template "t", or "" if
** it parsed. Lives in the static buffer until the next call. */
static const char *parse_err(const char *text)
{
    buf_reset(&out);
    tmpl_set *set = tmpl_new();
    if (tmpl_add(set, "t", text, strlen(text), &out) == 0 && tmpl_check(set, &out) == 0)
        CHECK(buf_str(&out)[0] == '\0');
    else
        CHECK(buf_str(&out)[0] != '\0');
    tmpl_free(set);
    return buf_str(&out);
}

/* Plain values: strings, numbers, booleans, null, missing, containers. */
static void test_values(void)
{
    const char *ctx = "{\"s\":\"hi\",\"i\":42,\"neg\":-7,\"r\":2.5,\"big\":1e20,"
                      "\"t\":true,\"f\":false,\"n\":null,\"a\":[1],\"o\":{\"k\":1},"
                      "\"course\":{\"title\":\"Intro\",\"meta\":{\"level\":3}},"
                      "\"items\":[{\"title\":\"first\"},{\"title\":\"second\"}],"
                      "\"years\":{\"2024\":\"y\"},\"data-x\":\"dash\"}";
    CHECK_STR(run("[{{s}}] [{{ i }}] [{{neg}}] [{{r}}] [{{big}}]", ctx),
              "[hi] [42] [-7] [2.5] [1e+20]");
    CHECK_STR(run("{{t}} {{f}} [{{n}}] [{{missing}}] [{{a}}] [{{o}}]", ctx),
              "true false [] [] [] []");
    CHECK_STR(run("{{course.title}} {{course.meta.level}} [{{course.nope.x}}]", ctx),
              "Intro 3 []");
    CHECK_STR(run("{{items.0.title}}/{{items.1.title}}/[{{items.2.title}}]", ctx),
              "first/second/[]");
    CHECK_STR(run("{{years.2024}} {{data-x}} [{{s.x}}] [{{i.0}}]", ctx), "y dash [] []");
    CHECK_STR(run("{{.}}", "{\"k\":1}"), "");
    CHECK_STR(run("a {{\n  s\n}} b", ctx), "a hi b");
    CHECK_STR(run("no tags } here }} {", ctx), "no tags } here }} {");
    CHECK_STR(run("x{{! a comment, {{ even }} }}y{{!}}z", ctx), "x }}yz");
    CHECK_STR(run("", ctx), "");
    /* NUL bytes in template text pass through untouched */
    tmpl_set *set = tmpl_new();
    buf err = BUF_INIT, o = BUF_INIT;
    CHECK(tmpl_add(set, "z", "a\0b", 3, &err) == 0);
    CHECK(tmpl_check(set, &err) == 0);
    json_t *empty = json_object();
    CHECK(tmpl_render(set, "z", empty, &o) == 0);
    CHECK(o.len == 3 && memcmp(o.data, "a\0b", 3) == 0);
    json_decref(empty);
    buf_free(&o);
    buf_free(&err);
    tmpl_free(set);
}

/* Escaping in text, attributes, URL components and hrefs. */
static void test_escaping(void)
{
    const char *ctx = "{\"x\":\"<script>alert(1)</script>\","
                      "\"attr\":\"\\\"><img src=x onerror=alert(1)>\","
                      "\"q\":\"' onmouseover='alert(1)\","
                      "\"term\":\"a b&c/d?\","
                      "\"content_html\":\"<p>Hi</p>\","
                      "\"course\":{\"overview_html\":\"<em>ok</em>\",\"n\":3}}";
    CHECK_STR(run("<p>{{x}}</p>", ctx), "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
    CHECK_STR(run("<a title=\"{{attr}}\">", ctx),
              "<a title=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">");
    CHECK_STR(run("<a title='{{q}}'>", ctx),
              "<a title='&#39; onmouseover=&#39;alert(1)'>");
    CHECK_STR(run("/search?q={{term|url}}&x={{ x | url }}", ctx),
              "/search?q=a%20b%26c%2Fd%3F&x=%3Cscript%3Ealert%281%29%3C%2Fscript%3E");
    CHECK_STR(run("{{content_html | raw}}{{course.overview_html|raw}}", ctx),
              "<p>Hi</p><em>ok</em>");
    CHECK_STR(run("{{ course.n | url }}|{{ r | url }}|{{ r }}", "{\"r\":1e21}"),
              "|1e%2B21|1e+21");
    CHECK_STR(run("{{ i | url }}{{ t | url }}", "{\"i\":-5,\"t\":true}"), "-5true");

    /* href: safe URLs are HTML-escaped, anything else becomes "#" */
    struct { const char *url, *want; } cases[] = {
        {"/courses/intro", "/courses/intro"},
        {"/a?b=1&c=2", "/a?b=1&amp;c=2"},
        {"https://example.com/x\"y", "https://example.com/x&quot;y"},
        {"http://example.com", "http://example.com"},
        {"mailto:a@example.com", "mailto:a@example.com"},
        {"page.html", "page.html"},
        {"#top", "#top"},
        {"?p=2", "?p=2"},
        {"javascript:alert(1)", "#"},
        {"JaVaScRiPt:alert(1)", "#"},
        {" javascript:alert(1)", "#"},
        {"data:text/html;base64,PHNjcmlwdD4=", "#"},
        {"vbscript:msgbox(1)", "#"},
        {"//evil.com", "#"},
        {"/\\evil.com", "#"},
        {"", "#"},
    };
    buf want = BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *c = json_pack("{s:s}", "u", cases[i].url);
        char *js = json_dumps(c, 0);
        buf_reset(&want);
        buf_printf(&want, "<a href=\"%s\">", cases[i].want);
        CHECK_STR(run("<a href=\"{{ u | href }}\">", js), buf_str(&want));
        free(js);
        json_decref(c);
    }
    buf_free(&want);
    CHECK_STR(run("{{ nope | href }}|{{ n | href }}|{{ o | href }}|{{ i | href }}",
                  "{\"n\":null,\"o\":{},\"i\":3}"),
              "#|#|#|3");
    /* a NUL inside the value must not hide a scheme from the check */
    json_t *c = json_object();
    json_object_set_new(c, "u", json_stringn("java\0script:alert(1)", 20));
    json_object_set_new(c, "v", json_stringn("a\0<b>", 5));
    char *js = json_dumps(c, 0);
    CHECK_STR(run("{{u|href}} {{v}}", js), "# a&lt;b&gt;");
    free(js);
    json_decref(c);
}

/* Truthiness of every kind of value in if, unless and else branches. */
static void test_conditionals(void)
{
    const char *ctx = "{\"n\":null,\"f\":false,\"es\":\"\",\"z\":0,\"zr\":0.0,\"ea\":[],"
                      "\"eo\":{},\"t\":true,\"s\":\"0\",\"one\":1,\"m\":-1,\"half\":0.5,"
                      "\"a\":[0],\"o\":{\"k\":null}}";
    const char *falsy[] = {"missing", "n", "f", "es", "z", "zr", "ea", "eo", "o.k", "a.5", "a.0.x"};
    const char *truthy[] = {"t", "s", "one", "m", "half", "a", "o"};
    char tpl[200];
    for (size_t i = 0; i < sizeof falsy / sizeof falsy[0]; i++) {
        snprintf(tpl, sizeof tpl, "{{#if %s}}Y{{else}}N{{/if}}{{#unless %s}}u{{/unless}}",
                 falsy[i], falsy[i]);
        CHECK_STR(run(tpl, ctx), "Nu");
    }
    for (size_t i = 0; i < sizeof truthy / sizeof truthy[0]; i++) {
        snprintf(tpl, sizeof tpl, "{{#if %s}}Y{{else}}N{{/if}}{{#unless %s}}u{{/unless}}",
                 truthy[i], truthy[i]);
        CHECK_STR(run(tpl, ctx), "Y");
    }
    CHECK_STR(run("{{#unless t}}a{{else}}b{{/unless}}", ctx), "b");
    CHECK_STR(run("{{#if t}}{{#if f}}x{{else}}{{#unless z}}deep{{/unless}}{{/if}}{{/if}}", ctx),
              "deep");
    CHECK_STR(run("{{#if o}}[{{o.k}}]{{/if}}", ctx), "[]");
}

/* each: specials, else branch, scalars, nesting and outer-scope lookup. */
static void test_each(void)
{
    const char *ctx = "{\"site\":\"S\",\"title\":\"root\",\"tags\":[\"a\",\"<b>\",\"c\"],"
                      "\"mods\":[{\"title\":\"M1\",\"ls\":[{\"title\":\"L1\"},{\"title\":\"L2\"}]},"
                      "{\"title\":\"M2\",\"ls\":[]}],\"empty\":[],\"obj\":{\"a\":1},\"num\":5}";
    CHECK_STR(run("{{#each tags}}{{@index}}{{@number}}={{.}}{{#if @first}}F{{/if}}"
                  "{{#if @last}}L{{/if}};{{/each}}", ctx),
              "01=aF;12=&lt;b&gt;;23=cL;");
    CHECK_STR(run("{{#each tags}}{{this}}{{#unless @last}}, {{/unless}}{{/each}}", ctx),
              "a, &lt;b&gt;, c");
    CHECK_STR(run("{{#each tags}}{{@first}}/{{@last}} {{/each}}", ctx),
              "true/false false/false false/true ");
    CHECK_STR(run("{{#each empty}}x{{else}}none{{/each}}", ctx), "none");
    CHECK_STR(run("{{#each missing}}x{{else}}none{{/each}}", ctx), "none");
    CHECK_STR(run("{{#each obj}}x{{else}}none{{/each}}|{{#each num}}x{{else}}no{{/each}}", ctx),
              "none|no");
    CHECK_STR(run("{{#each empty}}x{{/each}}", ctx), "");
    /* outside a loop the specials are missing */
    CHECK_STR(run("[{{@index}}{{@first}}]{{#if @last}}x{{/if}}", ctx), "[]");
    /* nested loops: inner names shadow outer ones, missing ones fall through */
    CHECK_STR(run("{{#each mods}}<{{title}}@{{@index}}:"
                  "{{#each ls}}{{title}}@{{@index}}/{{site}}/{{this.title}} {{else}}no lessons{{/each}}>"
                  "{{/each}}{{title}}", ctx),
              "<M1@0:L1@0/S/L1 L2@1/S/L2 ><M2@1:no lessons>root");
    CHECK_STR(run("{{#each mods}}{{#each ls}}{{mods.1.title}}{{/each}}{{/each}}", ctx), "M2M2");
    CHECK_STR(run("{{#each mods}}{{ls.0.title}}{{/each}}", ctx), "L1");
    /* the same loop twice from one set renders the same both times */
    tmpl_set *set = tmpl_new();
    buf err = BUF_INIT, o1 = BUF_INIT, o2 = BUF_INIT;
    const char *src = "{{#each tags}}{{.}}{{/each}}";
    CHECK(tmpl_add(set, "x", src, strlen(src), &err) == 0 && tmpl_check(set, &err) == 0);
    json_t *j = json_loads(ctx, 0, NULL);
    CHECK(tmpl_render(set, "x", j, &o1) == 0 && tmpl_render(set, "x", j, &o2) == 0);
    CHECK_STR(buf_str(&o1), "a&lt;b&gt;c");
    CHECK_STR(buf_str(&o2), buf_str(&o1));
    json_decref(j);
    buf_free(&o1);
    buf_free(&o2);
    buf_free(&err);
    tmpl_free(set);
}

/* Add each (name, text) pair to a new set; NULL if anything fails. */
static tmpl_set *make_set(const char *const *pairs, size_t n, buf *err)
{
    tmpl_set *set = tmpl_new();
    for (size_t i = 0; i + 1 < n; i += 2)
        if (tmpl_add(set, pairs[i], pairs[i + 1], strlen(pairs[i + 1]), err) < 0) {
            tmpl_free(set);
            return NULL;
        }
    if (tmpl_check(set, err) < 0) {
        tmpl_free(set);
        return NULL;
    }
    return set;
}

/* Partials share the scope chain; recursion and deep nesting fail. */
static void test_partials(void)
{
    const char *pairs[] = {
        "page", "<ul>{{#each items}}{{> partials/item}}{{/each}}</ul>{{> partials/footer}}",
        "partials/item", "<li>{{@number}}. {{name}} ({{site}})</li>",
        "partials/footer", "<footer>{{site}}</footer>",
        "loop", "x{{> loop}}",
        "cond", "{{#if more}}{{#each more}}[{{n}}{{> cond}}]{{/each}}{{/if}}",
    };
    buf err = BUF_INIT, o = BUF_INIT;
    tmpl_set *set = make_set(pairs, sizeof pairs / sizeof pairs[0], &err);
    CHECK(set != NULL);
    CHECK_STR(buf_str(&err), "");
    if (!set)
        return;
    CHECK(tmpl_has(set, "page") && tmpl_has(set, "partials/item") && !tmpl_has(set, "nope"));
    json_t *ctx = json_loads("{\"site\":\"J&co\",\"items\":[{\"name\":\"A\"},{\"name\":\"<B>\"}],"
                             "\"more\":[{\"n\":1,\"more\":[{\"n\":2,\"more\":[]}]}]}", 0, NULL);
    CHECK(tmpl_render(set, "page", ctx, &o) == 0);
    CHECK_STR(buf_str(&o), "<ul><li>1. A (J&amp;co)</li><li>2. &lt;B&gt; (J&amp;co)</li></ul>"
                           "<footer>J&amp;co</footer>");
    buf_reset(&o);
    CHECK(tmpl_render(set, "cond", ctx, &o) == 0); /* data-bounded recursion is fine */
    CHECK_STR(buf_str(&o), "[1[2]]");
    buf_reset(&o);
    CHECK(tmpl_render(set, "loop", ctx, &o) == -1);
    buf_reset(&o);
    CHECK(tmpl_render(set, "nope", ctx, &o) == -1);
    CHECK(o.len == 0);
    tmpl_free(set);

    /* a chain of 16 nested partials renders, 17 is too deep */
    tmpl_set *chain = tmpl_new();
    char name[16], text[64];
    for (int i = 0; i <= 17; i++) {
        snprintf(name, sizeof name, "p%d", i);
        if (i < 17)
            snprintf(text, sizeof text, "%d{{> p%d}}", i, i + 1);
        else
            snprintf(text, sizeof text, "end");
        CHECK(tmpl_add(chain, name, text, strlen(text), &err) == 0);
    }
    CHECK(tmpl_check(chain, &err) == 0);
    buf_reset(&o);
    CHECK(tmpl_render(chain, "p1", ctx, &o) == 0);
    CHECK_STR(buf_str(&o), "12345678910111213141516end");
    buf_reset(&o);
    CHECK(tmpl_render(chain, "p0", ctx, &o) == -1);
    tmpl_free(chain);

    /* rendering before tmpl_check resolved the partials fails cleanly */
    tmpl_set *unchecked = tmpl_new();
    CHECK(tmpl_add(unchecked, "a", "x{{> b}}", 8, &err) == 0);
    CHECK(tmpl_add(unchecked, "b", "y", 1, &err) == 0);
    buf_reset(&o);
    CHECK(tmpl_render(unchecked, "a", ctx, &o) == -1);
    CHECK(tmpl_check(unchecked, &err) == 0);
    buf_reset(&o);
    CHECK(tmpl_render(unchecked, "a", ctx, &o) == 0);
    CHECK_STR(buf_str(&o), "xy");
    /* duplicate names are refused */
    buf_reset(&err);
    CHECK(tmpl_add(unchecked, "a", "z", 1, &err) == -1);
    CHECK_STR(buf_str(&err), "a:1: duplicate template name \"a\"\n");
    tmpl_free(unchecked);
    json_decref(ctx);
    buf_free(&o);
    buf_free(&err);
}

/* Every kind of parse error, with the line it belongs to. */
static void test_parse_errors(void)
{
    CHECK_STR(parse_err("ok {{x}}\n{{#if a}}\n{{/if}}"), "");
    CHECK_STR(parse_err("line1\nline2 {{ x \n"), "t:2: unclosed {{\n");
    CHECK_STR(parse_err("a\n\n{{#with x}}{{/with}}"),
              "t:3: unknown block keyword \"with\" (use if, unless or each)\n");
    CHECK_STR(parse_err("{{#if a}}\n{{/each}}"), "t:2: {{/each}} closes {{#if}} opened on line 1\n");
    CHECK_STR(parse_err("{{#each a}}\n{{#if b}}{{/if}}\n{{/unless}}"),
              "t:3: {{/unless}} closes {{#each}} opened on line 1\n");
    CHECK_STR(parse_err("x\n{{#each a}}\n{{#if b}}\nstuff\n"),
              "t:3: {{#if}} is never closed\nt:2: {{#each}} is never closed\n");
    CHECK_STR(parse_err("a\n{{else}}"), "t:2: {{else}} outside if, unless or each\n");
    CHECK_STR(parse_err("{{#if a}}1{{else}}2\n{{else}}3{{/if}}"),
              "t:2: second {{else}} in {{#if}} opened on line 1\n");
    CHECK_STR(parse_err("\n{{/if}}"), "t:2: {{/if}} without an open block\n");
    CHECK_STR(parse_err("{{}}"), "t:1: empty path\n");
    CHECK_STR(parse_err("\n{{   }}"), "t:2: empty path\n");
    CHECK_STR(parse_err("{{#if}}{{/if}}"), "t:1: empty path\n");
    CHECK_STR(parse_err("{{#each   }}{{/each}}"), "t:1: empty path\n");
    CHECK_STR(parse_err("{{ | url }}"), "t:1: empty path\n");
    CHECK_STR(parse_err("{{ a b }}"), "t:1: invalid character ' ' in path \"a b\"\n");
    CHECK_STR(parse_err("\n\n{{ a<b }}"), "t:3: invalid character '<' in path \"a<b\"\n");
    CHECK_STR(parse_err("{{ x;alert(1) }}"), "t:1: invalid character ';' in path \"x;alert(1)\"\n");
    CHECK_STR(parse_err("{{ a\x01 }}"), "t:1: invalid character 0x01 in path\n");
    CHECK_STR(parse_err("{{#if a/b}}{{/if}}"), "t:1: invalid character '/' in path \"a/b\"\n");
    CHECK_STR(parse_err("{{a..b}}"), "t:1: empty segment in path \"a..b\"\n");
    CHECK_STR(parse_err("{{.a}}"), "t:1: empty segment in path \".a\"\n");
    CHECK_STR(parse_err("{{a.}}"), "t:1: empty segment in path \"a.\"\n");
    CHECK_CONTAINS(parse_err("{{@foo}}"), "t:1: unknown name \"@foo\"");
    CHECK_CONTAINS(parse_err("{{a.@index}}"), "t:1: unknown name \"a.@index\"");
    CHECK_STR(parse_err("\n{{ x | upper }}"), "t:2: unknown filter \"upper\" (use url, href or raw)\n");
    CHECK_STR(parse_err("{{ x | url | raw }}"), "t:1: unknown filter \"url | raw\" (use url, href or raw)\n");
    CHECK_STR(parse_err("{{ x | }}"), "t:1: unknown filter \"\" (use url, href or raw)\n");
    CHECK_STR(parse_err("{{ title | raw }}"), "t:1: raw is only for values ending in _html\n");
    CHECK_STR(parse_err("{{ html | raw }}"), "t:1: raw is only for values ending in _html\n");
    CHECK_STR(parse_err("{{ a_html.x | raw }}"), "t:1: raw is only for values ending in _html\n");
    CHECK_STR(parse_err("{{ . | raw }}"), "t:1: raw is only for values ending in _html\n");
    CHECK_STR(parse_err("{{ @index | raw }}"), "t:1: raw is only for values ending in _html\n");
    CHECK_STR(parse_err("{{ this.body_html | raw }}{{ x.y_html|raw }}"), "");
    CHECK_STR(parse_err("a\n{{{ x }}}"), "t:2: {{{ is not supported; use {{ value_html | raw }}\n");
    CHECK_STR(parse_err("{{>}}"), "t:1: empty partial name\n");
    CHECK_STR(parse_err("{{> a b}}"), "t:1: invalid character in partial name \"a b\"\n");
    CHECK_STR(parse_err("1\n2\n3 {{> partials/missing }}\n{{#if x}}{{> other}}{{/if}}"),
              "t:4: partial \"other\" not found\nt:3: partial \"partials/missing\" not found\n");
    /* line numbers count newlines inside tags and comments too */
    CHECK_STR(parse_err("{{! one\ntwo\n}}{{\nx\n}}\n{{ bad! }}"),
              "t:6: invalid character '!' in path \"bad!\"\n");
    /* recoverable errors are all reported */
    CHECK_STR(parse_err("{{ a b }}\n{{#if c}}{{ x | y }}{{/if}}\n{{ t | raw }}"),
              "t:1: invalid character ' ' in path \"a b\"\n"
              "t:2: unknown filter \"y\" (use url, href or raw)\n"
              "t:3: raw is only for values ending in _html\n");
    /* nesting is bounded */
    buf deep = BUF_INIT;
    for (int i = 0; i < 65; i++)
        buf_puts(&deep, "{{#if a}}");
    CHECK_STR(parse_err(buf_str(&deep)), "t:1: blocks nested deeper than 64\n");
    buf_free(&deep);
    /* a failed add leaves no template behind */
    tmpl_set *set = tmpl_new();
    buf err = BUF_INIT;
    CHECK(tmpl_add(set, "bad", "{{#if}}", 7, &err) == -1);
    CHECK(!tmpl_has(set, "bad"));
    CHECK(tmpl_add(set, "bad", "fine", 4, &err) == 0);
    CHECK(tmpl_has(set, "bad"));
    buf_free(&err);
    tmpl_free(set);
}

/* Render template name from the (name, text) pairs against ctx_json, or
** "ERR(...)" with the load messages / "RENDER -1". The result lives in the
** static buffer until the next call. */
static const char *run_named(const char *const *pairs, size_t n, const char *name,
                             const char *ctx_json)
{
    buf err = BUF_INIT;
    buf_reset(&out);
    tmpl_set *set = make_set(pairs, n, &err);
    json_t *ctx = json_loads(ctx_json, JSON_ALLOW_NUL, NULL);
    CHECK(ctx != NULL);
    if (!set)
        buf_printf(&out, "ERR(%s)", buf_str(&err));
    else if (tmpl_render(set, name, ctx, &out) < 0)
        buf_puts(&out, "RENDER -1");
    json_decref(ctx);
    tmpl_free(set);
    buf_free(&err);
    return buf_str(&out);
}

/* Plain-text (.txt) templates: no HTML escaping, raw for anything, url and
** href filters, NUL bytes, and partials only of the same kind. */
static void test_text(void)
{
    const char *ctx = "{\"name\":\"Ann <O'Neil> & \\\"co\\\"\",\"title\":\"x\",\"n\":3,"
                      "\"link\":\"https://example.com/verify?t=a&b=<c>\","
                      "\"bad\":\"javascript:alert(1)\",\"items\":[\"a&b\",\"<c>\"],"
                      "\"q\":\"a b&c\",\"t\":true}";
    const char *one[] = {"m.txt", NULL};
    const char *tests[][2] = {
        {"Hello {{name}},", "Hello Ann <O'Neil> & \"co\","},
        {"{{ name | raw }}|{{ title | raw }}", "Ann <O'Neil> & \"co\"|x"},
        {"{{ link }} {{ link | href }}", "https://example.com/verify?t=a&b=<c> "
                                         "https://example.com/verify?t=a&b=<c>"},
        {"[{{ bad | href }}] [{{ missing | href }}] [{{ n | href }}]", "[#] [#] [3]"},
        {"/s?q={{ q | url }}", "/s?q=a%20b%26c"},
        {"{{#each items}}- {{.}}\n{{/each}}{{#if t}}yes{{/if}}", "- a&b\n- <c>\nyes"},
        {"{{n}} {{t}} [{{missing}}] {{ this.n | raw }}", "3 true [] 3"},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        one[1] = tests[i][0];
        CHECK_STR(run_named(one, 2, "m.txt", ctx), tests[i][1]);
    }
    /* the same text as an HTML template is escaped and refuses raw */
    one[0] = "m";
    one[1] = "{{name}}";
    CHECK_STR(run_named(one, 2, "m", ctx), "Ann &lt;O&#39;Neil&gt; &amp; &quot;co&quot;");
    one[1] = "{{ name | raw }}";
    CHECK_STR(run_named(one, 2, "m", ctx), "ERR(m:1: raw is only for values ending in _html\n)");
    /* NUL bytes are dropped from plain text; an href hiding a scheme behind one is "#" */
    json_t *c = json_object();
    json_object_set_new(c, "v", json_stringn("a\0b\0", 4));
    json_object_set_new(c, "u", json_stringn("java\0script:alert(1)", 20));
    json_object_set_new(c, "w", json_stringn("/ok\0", 4));
    char *js = json_dumps(c, 0);
    one[0] = "m.txt";
    one[1] = "{{v}}|{{ v | raw }}|{{ u | href }}|{{ w | href }}";
    CHECK_STR(run_named(one, 2, "m.txt", js), "ab|ab|#|#");
    free(js);
    json_decref(c);
    /* parse errors still apply to plain text */
    one[1] = "line\n{{ x | upper }}";
    CHECK_STR(run_named(one, 2, "m.txt", ctx),
              "ERR(m.txt:2: unknown filter \"upper\" (use url, href or raw)\n)");
    one[1] = "{{#if x}}";
    CHECK_CONTAINS(run_named(one, 2, "m.txt", ctx), "m.txt:1: {{#if}} is never closed");

    /* partials: text in text is fine and shares the scope */
    const char *ok[] = {
        "mail/verify.txt", "Hi {{name}}\n{{> mail/footer.txt}}",
        "mail/footer.txt", "-- {{title}} & co",
        "mail/verify", "<p>{{name}}</p>{{> mail/footer}}",
        "mail/footer", "<p>{{title}} &amp; co</p>",
    };
    CHECK_STR(run_named(ok, 8, "mail/verify.txt", ctx), "Hi Ann <O'Neil> & \"co\"\n-- x & co");
    CHECK_STR(run_named(ok, 8, "mail/verify", ctx),
              "<p>Ann &lt;O&#39;Neil&gt; &amp; &quot;co&quot;</p><p>x &amp; co</p>");
    /* mixing kinds is refused at check, both ways, and cannot render */
    const char *mixed[] = {
        "a.txt", "x\n{{> b}}",
        "b", "<b>{{name}}</b>{{> c.txt}}",
        "c.txt", "{{name}}",
    };
    CHECK_STR(run_named(mixed, 6, "a.txt", ctx),
              "ERR(b:1: partial \"c.txt\" is plain text: partials must be of the same kind\n"
              "a.txt:2: partial \"b\" is HTML: partials must be of the same kind\n)");
    tmpl_set *set = tmpl_new();
    buf err = BUF_INIT, o = BUF_INIT;
    CHECK(tmpl_add(set, "a.txt", "x{{> b}}", 8, &err) == 0);
    CHECK(tmpl_add(set, "b", "y", 1, &err) == 0);
    CHECK(tmpl_check(set, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "partials must be of the same kind");
    CHECK(tmpl_render(set, "a.txt", NULL, &o) == -1);
    CHECK(tmpl_has(set, "a.txt") && !tmpl_has(set, "a"));
    buf_free(&o);
    buf_free(&err);
    tmpl_free(set);
}

/* Runaway templates and full output buffers end the render with -1. */
static void test_limits(void)
{
    json_t *ctx = json_object();
    json_t *arr = json_array();
    for (int i = 0; i < 1000; i++)
        json_array_append_new(arr, json_integer(i));
    json_object_set_new(ctx, "a", arr);
    const char *src = "{{#each a}}{{#each a}}{{#each a}}{{#each a}}x{{/each}}{{/each}}{{/each}}{{/each}}";
    tmpl_set *set = tmpl_new();
    buf err = BUF_INIT, o;
    buf_init(&o, 0);
    CHECK(tmpl_add(set, "big", src, strlen(src), &err) == 0);
    src = "{{#each a}}{{#each a}}{{#each a}}{{#each a}}{{/each}}{{/each}}{{/each}}{{/each}}";
    CHECK(tmpl_add(set, "quiet", src, strlen(src), &err) == 0);
    CHECK(tmpl_check(set, &err) == 0);
    CHECK(tmpl_render(set, "quiet", ctx, &o) == -1);
    buf_free(&o);
    buf_init(&o, 1000);
    CHECK(tmpl_render(set, "big", ctx, &o) == -1);
    CHECK(buf_failed(&o));
    buf_free(&o);
    buf_free(&err);
    tmpl_free(set);
    json_decref(ctx);
}

/* Write text to dir/rel, creating nothing else. */
static void write_file(const char *dir, const char *rel, const char *text)
{
    buf path = BUF_INIT;
    buf_printf(&path, "%s/%s", dir, rel);
    FILE *f = fopen(buf_str(&path), "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    buf_free(&path);
}

/* Remove dir/rel (file or empty folder). */
static void remove_at(const char *dir, const char *rel)
{
    buf path = BUF_INIT;
    buf_printf(&path, "%s/%s", dir, rel);
    CHECK(remove(buf_str(&path)) == 0);
    buf_free(&path);
}

/* Create folder dir/rel. */
static void mkdir_at(const char *dir, const char *rel)
{
    buf path = BUF_INIT;
    buf_printf(&path, "%s/%s", dir, rel);
    CHECK(mkdir(buf_str(&path), 0700) == 0);
    buf_free(&path);
}

/* tmpl_load: nested folders, names, partials, and errors per file. */
static void test_load(void)
{
    char dir[] = "/tmp/tmpl_test_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    mkdir_at(dir, "pages");
    mkdir_at(dir, "partials");
    mkdir_at(dir, "sub");
    mkdir_at(dir, "sub/deeper");
    write_file(dir, "layout.html", "<main>{{> pages/home}}</main>");
    write_file(dir, "pages/home.html", "{{#each offerings}}{{> partials/offering}}{{/each}}");
    write_file(dir, "partials/offering.html", "<p>{{title}}</p>\n");
    write_file(dir, "sub/deeper/x.html", "deep");
    mkdir_at(dir, "mail");
    write_file(dir, "mail/verify.txt", "Hi {{name}},\n{{> mail/sig.txt}}");
    write_file(dir, "mail/sig.txt", "-- {{site}}\n");
    write_file(dir, "mail/verify.html", "<p>Hi {{name}},</p>");
    write_file(dir, "notes.md", "{{ not a template");
    write_file(dir, "mail/verify.text", "{{ not a template either");
    write_file(dir, ".hidden.html", "{{ broken");
    write_file(dir, ".hidden.txt", "{{ broken");

    buf err = BUF_INIT, o = BUF_INIT;
    tmpl_set *set = tmpl_load(dir, &err);
    CHECK(set != NULL);
    CHECK_STR(buf_str(&err), "");
    if (set) {
        CHECK(tmpl_has(set, "layout") && tmpl_has(set, "pages/home"));
        CHECK(tmpl_has(set, "partials/offering") && tmpl_has(set, "sub/deeper/x"));
        CHECK(!tmpl_has(set, "notes") && !tmpl_has(set, ".hidden") && !tmpl_has(set, "layout.html"));
        CHECK(tmpl_has(set, "mail/verify.txt") && tmpl_has(set, "mail/verify"));
        CHECK(tmpl_has(set, "mail/sig.txt") && !tmpl_has(set, "mail/sig"));
        CHECK(!tmpl_has(set, "mail/verify.html") && !tmpl_has(set, "notes.md"));
        CHECK(!tmpl_has(set, "mail/verify.text") && !tmpl_has(set, ".hidden.txt"));
        json_t *ctx = json_loads("{\"offerings\":[{\"title\":\"A&B\"},{\"title\":\"C\"}],"
                                 "\"name\":\"<Ann>\",\"site\":\"J&co\"}", 0, NULL);
        CHECK(tmpl_render(set, "layout", ctx, &o) == 0);
        CHECK_STR(buf_str(&o), "<main><p>A&amp;B</p>\n<p>C</p>\n</main>");
        buf_reset(&o);
        CHECK(tmpl_render(set, "mail/verify.txt", ctx, &o) == 0);
        CHECK_STR(buf_str(&o), "Hi <Ann>,\n-- J&co\n");
        buf_reset(&o);
        CHECK(tmpl_render(set, "mail/verify", ctx, &o) == 0);
        CHECK_STR(buf_str(&o), "<p>Hi &lt;Ann&gt;,</p>");
        json_decref(ctx);
        tmpl_free(set);
    }

    /* broken files: every problem is reported with its relative path */
    write_file(dir, "sub/file.html", "one\ntwo\n{{ oops | nope }}\n");
    write_file(dir, "pages/bad.html", "{{#each x}}\n");
    write_file(dir, "partials/uses.html", "\n{{> partials/gone}}");
    write_file(dir, "mail/mixed.txt", "a\nb\n{{> mail/verify}}");
    write_file(dir, "mail/bad.txt", "{{#unless x}}");
    write_file(dir, "mail/sneaky.txt.html", "{{name}}");
    set = tmpl_load(dir, &err);
    CHECK(set == NULL);
    CHECK_CONTAINS(buf_str(&err), "sub/file.html:3: unknown filter \"nope\"");
    CHECK_CONTAINS(buf_str(&err), "pages/bad.html:1: {{#each}} is never closed\n");
    CHECK_CONTAINS(buf_str(&err), "partials/uses.html:2: partial \"partials/gone\" not found\n");
    CHECK_CONTAINS(buf_str(&err), "mail/mixed.txt:3: partial \"mail/verify\" is HTML: "
                                  "partials must be of the same kind\n");
    CHECK_CONTAINS(buf_str(&err), "mail/bad.txt:1: {{#unless}} is never closed\n");
    CHECK_CONTAINS(buf_str(&err), "mail/sneaky.txt.html: an HTML template's name may not end in .txt.html\n");
    tmpl_free(set);

    /* a missing folder is an error too */
    buf_reset(&err);
    CHECK(tmpl_load("/nonexistent/templates/dir", &err) == NULL);
    CHECK_CONTAINS(buf_str(&err), "cannot open directory");

    remove_at(dir, "sub/file.html");
    remove_at(dir, "pages/bad.html");
    remove_at(dir, "partials/uses.html");
    remove_at(dir, "sub/deeper/x.html");
    remove_at(dir, "sub/deeper");
    remove_at(dir, "sub");
    remove_at(dir, "layout.html");
    remove_at(dir, "pages/home.html");
    remove_at(dir, "pages");
    remove_at(dir, "partials/offering.html");
    remove_at(dir, "partials");
    remove_at(dir, "notes.md");
    remove_at(dir, ".hidden.html");
    remove_at(dir, ".hidden.txt");
    remove_at(dir, "mail/verify.txt");
    remove_at(dir, "mail/verify.text");
    remove_at(dir, "mail/sig.txt");
    remove_at(dir, "mail/verify.html");
    remove_at(dir, "mail/mixed.txt");
    remove_at(dir, "mail/bad.txt");
    remove_at(dir, "mail/sneaky.txt.html");
    remove_at(dir, "mail");
    CHECK(rmdir(dir) == 0);
    buf_free(&err);
    buf_free(&o);
}

int main(void)
{
    test_values();
    test_escaping();
    test_conditionals();
    test_each();
    test_partials();
    test_parse_errors();
    test_text();
    test_limits();
    test_load();
    buf_free(&out);
    return check_done();
}
