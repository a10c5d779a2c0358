/*
** test_multipart.c: unit tests for the multipart/form-data parser
** (multipart.h) with hostile inputs, the content sniffer (sniff.h), and the
** submission checks that use them (work.h: files that lie about their type,
** limits, links).
*/
#include "multipart.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "config.h"
#include "sniff.h"
#include "work.h"

static arena *A;

/* Parse body (n bytes) with boundary "XyZ" and generous limits. */
static int parse_n(const char *body, size_t n, mp_part **parts, size_t *np, const char **err)
{
    mp_limits lim = multipart_limits_default();
    *err = NULL;
    return multipart_parse(A, body, n, "XyZ", &lim, parts, np, err);
}

/* parse_n over a C string. */
static int parse(const char *body, mp_part **parts, size_t *np, const char **err)
{
    return parse_n(body, strlen(body), parts, np, err);
}

/* The content of part p of body as a string in the arena. */
static const char *content(const char *body, const mp_part *p)
{
    return arena_strndup(A, body + p->off, p->len);
}

/* The boundary from Content-Type: plain, quoted, in any case; refused when
** missing, empty, too long, unclosed or with a character RFC 2046 forbids. */
static void test_boundary(void)
{
    CHECK_STR(multipart_boundary(A, "multipart/form-data; boundary=abc123"), "abc123");
    CHECK_STR(multipart_boundary(A, "Multipart/Form-Data;BOUNDARY=\"a b'c\""), "a b'c");
    CHECK_STR(multipart_boundary(A, "multipart/form-data; charset=utf-8; boundary=\"----WebKitFormBoundaryx\""),
              "----WebKitFormBoundaryx");
    CHECK_STR(multipart_boundary(A, "multipart/form-data; boundary=\"q\\\"x\"") ? "bad" : "none", "none");
    CHECK(multipart_boundary(A, "multipart/form-data") == NULL);
    CHECK(multipart_boundary(A, "multipart/form-data; boundary=") == NULL);
    CHECK(multipart_boundary(A, "multipart/form-data; boundary=\"\"") == NULL);
    CHECK(multipart_boundary(A, "multipart/form-data; boundary=\"abc") == NULL);
    CHECK(multipart_boundary(A, "multipart/form-data; boundary=\"ends in space \"") == NULL);
    CHECK(multipart_boundary(A, "multipart/form-data; boundary=a<b") == NULL);
    CHECK(multipart_boundary(A, "multipart/mixed; boundary=abc") == NULL);
    CHECK(multipart_boundary(A, "multipart/form-datax; boundary=abc") == NULL);
    CHECK(multipart_boundary(A, "application/x-www-form-urlencoded") == NULL);
    CHECK(multipart_boundary(A, "") == NULL);
    CHECK(multipart_boundary(A, NULL) == NULL);
    char longb[120];
    memset(longb, 'b', 71);
    longb[71] = '\0';
    char ct[200];
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s", longb);
    CHECK(multipart_boundary(A, ct) == NULL);
    longb[70] = '\0';
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s", longb);
    CHECK(multipart_boundary(A, ct) != NULL);
}

/* Well-formed bodies: fields, files, a skipped empty file input, a
** preamble and epilogue, an empty file, no parts. */
static void test_good(void)
{
    const char *body = "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n"
                       "tok\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"body\"\r\n\r\n"
                       "line one\r\nline two\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"files\"; filename=\"notes.txt\"\r\n"
                       "Content-Type: application/pdf\r\n\r\n"
                       "hello\r\n-XyZ x--XyZ not a boundary\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"files\"; filename=\"\"\r\n"
                       "Content-Type: application/octet-stream\r\n\r\n"
                       "\r\n"
                       "--XyZ--\r\n";
    mp_part *p;
    size_t n;
    const char *err;
    CHECK(parse(body, &p, &n, &err) == 0);
    CHECK(n == 3);   /* the empty file input is skipped */
    if (n != 3)
        return;
    CHECK_STR(p[0].name, "csrf");
    CHECK(p[0].filename == NULL);
    CHECK_STR(content(body, &p[0]), "tok");
    CHECK_STR(content(body, &p[1]), "line one\r\nline two");
    CHECK_STR(p[2].filename, "notes.txt");
    CHECK_STR(p[2].type, "application/pdf");
    /* the boundary text inside content is content: only CRLF--XyZ then CRLF or -- ends it */
    CHECK(strstr(content(body, &p[2]), "hello") != NULL);
    kvlist form = {0};
    CHECK(multipart_form(A, body, p, n, &form, &err) == 0);
    CHECK(form.n == 2);
    CHECK_STR(kv_get(&form, "csrf"), "tok");
    CHECK(kv_get(&form, "files") == NULL);

    /* a preamble and an epilogue are ignored; padding after a boundary allowed */
    const char *pre = "ignored preamble\r\n--XyZ  \r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XyZ--epilogue";
    CHECK(parse(pre, &p, &n, &err) == 0);
    CHECK(n == 1 && !strcmp(content(pre, &p[0]), "1"));

    /* an empty body part and an empty file (with a name) are kept, length 0 */
    const char *empty = "--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"empty.txt\"\r\n\r\n"
                        "\r\n--XyZ--";
    CHECK(parse(empty, &p, &n, &err) == 0);
    CHECK(n == 1 && p[0].len == 0 && !strcmp(p[0].filename, "empty.txt"));

    /* no parts at all */
    CHECK(parse("--XyZ--\r\n", &p, &n, &err) == 0);
    CHECK(n == 0);
}

/* Expect body to be refused with status. */
static void refused_n(const char *body, size_t len, int status, const char *what)
{
    mp_part *p;
    size_t n;
    const char *err;
    int rc = parse_n(body, len, &p, &n, &err);
    if (rc != status)
        fprintf(stderr, "  (%s: got %d)\n", what, rc);
    CHECK(rc == status);
    CHECK(err && *err);
}

/* refused_n over a C string. */
static void refused(const char *body, int status, const char *what)
{
    refused_n(body, strlen(body), status, what);
}

/* Malformed bodies: each refused with 400 and a message. */
static void test_hostile(void)
{
    const char *part = "Content-Disposition: form-data; name=\"a\"\r\n\r\nvalue";
    char b[512];
    /* wrong or missing boundary */
    snprintf(b, sizeof b, "--Other\r\n%s\r\n--Other--\r\n", part);
    refused(b, 400, "wrong boundary");
    refused("", 400, "empty body");
    refused("just some text", 400, "no boundary at all");
    mp_part *p;
    size_t n;
    const char *err;
    mp_limits lim = multipart_limits_default();
    CHECK(multipart_parse(A, "--XyZ--", 7, NULL, &lim, &p, &n, &err) == 400);
    CHECK(multipart_parse(A, "--XyZ--", 7, "", &lim, &p, &n, &err) == 400);
    /* truncated: inside the headers, inside the content, no final boundary */
    refused("--XyZ\r\nContent-Disposition: form-data; na", 400, "truncated headers");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nval", 400, "truncated content");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ", 400, "no final boundary");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ\r\n", 400, "ends after boundary");
    refused("--XyZ", 400, "only a boundary");
    refused("--XyZ garbage\r\n", 400, "garbage after boundary");
    /* headers that are not form data */
    refused("--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--", 400, "no disposition");
    refused("--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--XyZ--", 400, "attachment");
    refused("--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--", 400, "no name");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n--XyZ--", 400, "empty name");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\nv\r\n--XyZ--", 400, "two names");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--", 400, "unclosed quote");
    refused("--XyZ\r\nno colon here\r\n\r\nv\r\n--XyZ--", 400, "header without colon");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\rX: y\r\n\r\nv\r\n--XyZ--", 400, "bare CR");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\nX: y\r\n\r\nv\r\n--XyZ--", 400, "bare LF");
    refused("--XyZ\r\n\r\nv\r\n--XyZ--", 400, "no headers");
    /* NUL bytes in a header and in a file name */
    static const char nul_name[] = "--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\0.txt\"\r\n"
                                   "\r\nx\r\n--XyZ--";
    refused_n(nul_name, sizeof nul_name - 1, 400, "NUL in file name");
    static const char nul_hdr[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-A: \0\r\n\r\nx\r\n--XyZ--";
    refused_n(nul_hdr, sizeof nul_hdr - 1, 400, "NUL in header");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a\x01.txt\"\r\n\r\nx\r\n--XyZ--", 400,
            "control character in a file name");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\xc0\xaf.txt\"\r\n\r\nx\r\n--XyZ--", 400,
            "invalid UTF-8 in a file name");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"../..\"\r\n\r\nx\r\n--XyZ--", 400,
            "a name that is only ..");
    refused("--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"dir/\"\r\n\r\nx\r\n--XyZ--", 400,
            "a name ending in a slash");
    /* a text field that is not text */
    static const char nul_val[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\0y\r\n--XyZ--";
    mp_part *q;
    size_t nq;
    CHECK(parse_n(nul_val, sizeof nul_val - 1, &q, &nq, &err) == 0);
    kvlist form = {0};
    CHECK(multipart_form(A, nul_val, q, nq, &form, &err) == 400);
    CHECK(form.n == 0);
}

/* File names: only the last path segment is kept; %22 is a quote. */
static void test_traversal(void)
{
    static const struct {
        const char *sent, *kept;
    } cases[] = {
        {"../../etc/passwd", "passwd"},
        {"..\\..\\windows\\win.ini", "win.ini"},
        {"C:\\Users\\me\\My plan.docx", "My plan.docx"},
        {"/abs/path/report.pdf", "report.pdf"},
        {"./.hidden.txt", ".hidden.txt"},
        {"caf\xc3\xa9 \xe2\x80\x94 plan.txt", "caf\xc3\xa9 \xe2\x80\x94 plan.txt"},
        {"<script>alert(1)<\\/script>.txt", "script>.txt"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char body[512];
        snprintf(body, sizeof body, "--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"%s\"\r\n\r\n"
                 "x\r\n--XyZ--", cases[i].sent);
        mp_part *p;
        size_t n;
        const char *err;
        CHECK(parse(body, &p, &n, &err) == 0);
        CHECK(n == 1);
        if (n == 1)
            CHECK_STR(p[0].filename, cases[i].kept);
    }
    /* a quote in a file name, as browsers write it (%22) */
    const char *q = "--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"say %22hi%22.txt\"\r\n\r\n"
                    "x\r\n--XyZ--";
    mp_part *p;
    size_t n;
    const char *err;
    CHECK(parse(q, &p, &n, &err) == 0);
    CHECK(n == 1 && !strcmp(p[0].filename, "say \"hi\".txt"));
}

/* Every limit: huge headers, many parts, field, file and total sizes, file
** count, file name length. */
static void test_limits(void)
{
    mp_limits lim = multipart_limits_default();
    lim.max_header = 100;
    lim.max_parts = 3;
    lim.max_files = 2;
    lim.max_file = 10;
    lim.max_files_total = 15;
    lim.max_field = 8;
    mp_part *p;
    size_t n;
    const char *err;
    /* huge part headers: refused without reading past the limit */
    buf b = BUF_INIT;
    buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Long: ");
    for (int i = 0; i < 100000; i++)
        buf_putc(&b, 'h');
    buf_puts(&b, "\r\n\r\nv\r\n--XyZ--");
    CHECK(multipart_parse(A, buf_str(&b), b.len, "XyZ", &lim, &p, &n, &err) == 413);
    buf_reset(&b);
    /* headers exactly under the limit pass */
    buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ--");
    CHECK(multipart_parse(A, buf_str(&b), b.len, "XyZ", &lim, &p, &n, &err) == 0);
    buf_reset(&b);
    /* many parts */
    buf_puts(&b, "--XyZ");
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nv\r\n--XyZ", i);
    buf_puts(&b, "--");
    CHECK(multipart_parse(A, buf_str(&b), b.len, "XyZ", &lim, &p, &n, &err) == 413);
    mp_limits open = multipart_limits_default();
    open.max_parts = 0;
    CHECK(multipart_parse(A, buf_str(&b), b.len, "XyZ", &open, &p, &n, &err) == 0);
    CHECK(n == 1000);
    buf_reset(&b);
    /* a field too long, a file too large, too many files, too much in all */
    const char *field = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n123456789\r\n--XyZ--";
    CHECK(multipart_parse(A, field, strlen(field), "XyZ", &lim, &p, &n, &err) == 413);
    const char *big = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\n12345678901\r\n"
                      "--XyZ--";
    CHECK(multipart_parse(A, big, strlen(big), "XyZ", &lim, &p, &n, &err) == 413);
    const char *three = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\n1\r\n"
                        "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"b.txt\"\r\n\r\n1\r\n"
                        "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"c.txt\"\r\n\r\n1\r\n--XyZ--";
    CHECK(multipart_parse(A, three, strlen(three), "XyZ", &lim, &p, &n, &err) == 413);
    const char *total = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\n1234567890\r\n"
                        "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"b.txt\"\r\n\r\n123456\r\n--XyZ--";
    CHECK(multipart_parse(A, total, strlen(total), "XyZ", &lim, &p, &n, &err) == 413);
    /* a file name longer than 255 bytes */
    buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"");
    for (int i = 0; i < 300; i++)
        buf_putc(&b, 'n');
    buf_puts(&b, ".txt\"\r\n\r\nx\r\n--XyZ--");
    CHECK(multipart_parse(A, buf_str(&b), b.len, "XyZ", &open, &p, &n, &err) == 400);
    buf_free(&b);
}

/* A zip archive of stored entries (names[i] with contents[i], or empty),
** with its central directory, into out. */
static void zip(buf *out, const char *const *names, const char *const *contents, int n)
{
    buf cd = BUF_INIT;
    for (int i = 0; i < n; i++) {
        size_t off = out->len, nl = strlen(names[i]), cl = contents && contents[i] ? strlen(contents[i]) : 0;
        unsigned char h[30] = {0x50, 0x4b, 0x03, 0x04, 20, 0};
        h[18] = (unsigned char)cl;
        h[22] = (unsigned char)cl;
        h[26] = (unsigned char)nl;
        buf_append(out, h, 30);
        buf_puts(out, names[i]);
        if (cl)
            buf_puts(out, contents[i]);
        unsigned char c[46] = {0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0};
        c[20] = (unsigned char)cl;
        c[24] = (unsigned char)cl;
        c[28] = (unsigned char)nl;
        c[42] = (unsigned char)(off & 0xff);
        c[43] = (unsigned char)(off >> 8);
        buf_append(&cd, c, 46);
        buf_puts(&cd, names[i]);
    }
    size_t cd_off = out->len;
    buf_append(out, cd.data, cd.len);
    unsigned char e[22] = {0x50, 0x4b, 0x05, 0x06};
    e[8] = e[10] = (unsigned char)n;
    e[12] = (unsigned char)(cd.len & 0xff);
    e[13] = (unsigned char)(cd.len >> 8);
    e[16] = (unsigned char)(cd_off & 0xff);
    e[17] = (unsigned char)(cd_off >> 8);
    buf_append(out, e, 22);
    buf_free(&cd);
}

/* The MIME type sniffed from p[0..n), or "refused". */
static const char *sniffed(const void *p, size_t n)
{
    const sniff_type *t = sniff(p, n);
    return t ? t->mime : "refused";
}

/* Types from content: the allowed ones, what is refused, office packages,
** damaged archives, and names checked against content. */
static void test_sniff(void)
{
    CHECK_STR(sniffed("%PDF-1.7\n...", 12), "application/pdf");
    CHECK_STR(sniffed("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), "image/png");
    CHECK_STR(sniffed("\xff\xd8\xff\xe0\0\x10JFIF", 10), "image/jpeg");
    CHECK_STR(sniffed("GIF89a\x01\0\x01\0", 10), "image/gif");
    CHECK_STR(sniffed("RIFF\x24\0\0\0WEBPVP8 ", 16), "image/webp");
    CHECK_STR(sniffed("Plain notes\nwith caf\xc3\xa9\ttabs\r\n", 29), "text/plain; charset=utf-8");
    CHECK_STR(sniffed("\xef\xbb\xbfwith a BOM", 13), "text/plain; charset=utf-8");
    CHECK_STR(sniffed("a < b and 3<4", 13), "text/plain; charset=utf-8");
    /* refused: empty, programs, markup, binary junk, bad UTF-8 */
    CHECK_STR(sniffed("", 0), "refused");
    CHECK_STR(sniffed("\x7f" "ELF\x02\x01\x01", 7), "refused");
    CHECK_STR(sniffed("MZ\x90\0\x03\0", 6), "refused");
    CHECK_STR(sniffed("<!DOCTYPE html><script>alert(1)</script>", 40), "refused");
    CHECK_STR(sniffed("  \n<html><body onload=x()>", 26), "refused");
    CHECK_STR(sniffed("<svg xmlns='http://www.w3.org/2000/svg'/>", 40), "refused");
    CHECK_STR(sniffed("<?xml version='1.0'?>", 21), "refused");
    CHECK_STR(sniffed("text\0with NUL", 13), "refused");
    CHECK_STR(sniffed("bell\x07", 5), "refused");
    CHECK_STR(sniffed("\xc0\xaf", 2), "refused");
    CHECK_STR(sniffed("RIFF\x24\0\0\0WAVEfmt ", 16), "refused");
    CHECK_STR(sniffed("\x01\x02\x03\xfe\xff", 5), "refused");
    /* what merely looks like a signature is text, which a name must then agree with */
    CHECK_STR(sniffed("GIF90a", 6), "text/plain; charset=utf-8");

    /* office documents: a zip with the right entries */
    buf z = BUF_INIT;
    const char *docx[] = {"[Content_Types].xml", "_rels/.rels", "word/document.xml"};
    zip(&z, docx, NULL, 3);
    CHECK_STR(sniffed(z.data, z.len), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    buf_reset(&z);
    const char *xlsx[] = {"[Content_Types].xml", "xl/workbook.xml"};
    zip(&z, xlsx, NULL, 2);
    CHECK_STR(sniffed(z.data, z.len), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    buf_reset(&z);
    const char *pptx[] = {"[Content_Types].xml", "ppt/presentation.xml"};
    zip(&z, pptx, NULL, 2);
    CHECK_STR(sniffed(z.data, z.len), "application/vnd.openxmlformats-officedocument.presentationml.presentation");
    buf_reset(&z);
    const char *odt[] = {"mimetype", "content.xml"};
    const char *odt_c[] = {"application/vnd.oasis.opendocument.text", NULL};
    zip(&z, odt, odt_c, 2);
    CHECK_STR(sniffed(z.data, z.len), "application/vnd.oasis.opendocument.text");
    buf_reset(&z);
    /* a plain zip, a zip with only word/ and no content types, a mixed one */
    const char *plain[] = {"readme.txt", "evil.exe"};
    zip(&z, plain, NULL, 2);
    CHECK_STR(sniffed(z.data, z.len), "refused");
    buf_reset(&z);
    const char *half[] = {"word/document.xml"};
    zip(&z, half, NULL, 1);
    CHECK_STR(sniffed(z.data, z.len), "refused");
    buf_reset(&z);
    const char *mixed[] = {"[Content_Types].xml", "word/document.xml", "xl/workbook.xml"};
    zip(&z, mixed, NULL, 3);
    CHECK_STR(sniffed(z.data, z.len), "refused");
    /* a central directory pointing outside the file */
    z.data[z.len - 6] = (char)0xff;
    z.data[z.len - 5] = (char)0xff;
    CHECK_STR(sniffed(z.data, z.len), "refused");
    /* cut short */
    CHECK_STR(sniffed(z.data, 40), "refused");
    buf_reset(&z);
    const char *odx[] = {"mimetype"};
    const char *odx_c[] = {"application/x-evil"};
    zip(&z, odx, odx_c, 1);
    CHECK_STR(sniffed(z.data, z.len), "refused");
    buf_free(&z);

    /* names against content */
    const sniff_type *pdf = sniff((const unsigned char *)"%PDF-1.4", 8);
    CHECK(pdf && sniff_name_fits(pdf, "plan.pdf"));
    CHECK(pdf && sniff_name_fits(pdf, "PLAN.PDF"));
    CHECK(pdf && sniff_name_fits(pdf, "plan"));
    CHECK(pdf && !sniff_name_fits(pdf, "plan.png"));
    CHECK(pdf && !sniff_name_fits(pdf, "plan.pdf.exe"));
    CHECK(pdf && !sniff_name_fits(pdf, "plan.html"));
}

/* work_check_files and work_links with the default limits. */
static void test_work_checks(void)
{
    config cfg;
    buf err = BUF_INIT;
    CHECK(config_load(&cfg, NULL, &err) == 0);
    buf_free(&err);
    domain d = domain_make(NULL, &cfg, NULL, A, 1, 0);
    const sniff_type *types[8];
    static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    static const unsigned char pdf[] = "%PDF-1.4\n";
    work_file ok[] = {{"photo.png", png, sizeof png - 1}, {"plan.pdf", pdf, sizeof pdf - 1}};
    CHECK(work_check_files(&d, ok, 2, types) == DOM_OK);
    CHECK(types[0] && !strcmp(types[0]->mime, "image/png"));
    /* a file that lies about its type: a PDF named .png; a page named .pdf */
    work_file liar[] = {{"photo.png", pdf, sizeof pdf - 1}};
    CHECK(work_check_files(&d, liar, 1, types) == DOM_INVALID);
    CHECK_STR(d.field, "files");
    CHECK(d.message && strstr(d.message, "photo.png"));
    static const unsigned char page[] = "<html><script>alert(1)</script></html>";
    work_file html[] = {{"report.pdf", page, sizeof page - 1}};
    CHECK(work_check_files(&d, html, 1, types) == DOM_INVALID);
    work_file empty[] = {{"empty.txt", png, 0}};
    CHECK(work_check_files(&d, empty, 1, types) == DOM_INVALID);
    CHECK(d.message && strstr(d.message, "empty"));
    /* limits */
    work_file six[6];
    for (int i = 0; i < 6; i++)
        six[i] = ok[0];
    CHECK(work_check_files(&d, six, 6, types) == 413);
    cfg.uploads_max_file_mb = 1;
    unsigned char *big = malloc(2u << 20);
    memset(big, 'a', 2u << 20);
    work_file large[] = {{"big.txt", big, 2u << 20}};
    CHECK(work_check_files(&d, large, 1, types) == 413);
    cfg.uploads_max_file_mb = 10;
    cfg.uploads_max_submission_mb = 3;
    work_file two[] = {{"a.txt", big, 2u << 20}, {"b.txt", big, 2u << 20}};
    CHECK(work_check_files(&d, two, 2, types) == 413);
    free(big);

    const char *json;
    CHECK(work_links(&d, "https://example.org/a\r\n\r\n  http://example.org/b?x=1#y  \n", &json) == DOM_OK);
    CHECK_STR(json, "[\"https://example.org/a\",\"http://example.org/b?x=1#y\"]");
    CHECK(work_links(&d, "", &json) == DOM_OK);
    CHECK_STR(json, "[]");
    static const char *bad[] = {"javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>",
                                "https://example.org/\"><script>alert(1)</script>", "ftp://example.org/",
                                "https://", "https:///path", "//example.org", "example.org", "https://a b",
                                "vbscript:msgbox", "https://example.org/`x`", "https://\xc0\xaf"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = work_links(&d, bad[i], &json);
        if (rc != DOM_INVALID)
            fprintf(stderr, "  (link accepted: %s)\n", bad[i]);
        CHECK(rc == DOM_INVALID);
    }
    buf many = BUF_INIT;
    for (int i = 0; i < WORK_MAX_LINKS + 1; i++)
        buf_printf(&many, "https://example.org/%d\n", i);
    CHECK(work_links(&d, buf_str(&many), &json) == DOM_INVALID);
    buf_free(&many);
    config_free(&cfg);
}

int main(void)
{
    A = arena_new(0);
    test_boundary();
    test_good();
    test_hostile();
    test_traversal();
    test_limits();
    test_sniff();
    test_work_checks();
    arena_free(A);
    return check_done();
}
