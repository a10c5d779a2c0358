/*
** sniff.c: file types from content (see sniff.h).
*/
#include "sniff.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "text.h"

static const sniff_type T_PDF = {"application/pdf", "PDF", "pdf"};
static const sniff_type T_PNG = {"image/png", "PNG image", "png"};
static const sniff_type T_JPEG = {"image/jpeg", "JPEG image", "jpg jpeg jpe jfif"};
static const sniff_type T_GIF = {"image/gif", "GIF image", "gif"};
static const sniff_type T_WEBP = {"image/webp", "WebP image", "webp"};
static const sniff_type T_TEXT = {"text/plain; charset=utf-8", "plain text", "txt text md markdown csv tsv"};
static const sniff_type T_DOCX = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                  "Word document", "docx docm dotx"};
static const sniff_type T_XLSX = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                  "Excel workbook", "xlsx xlsm xltx"};
static const sniff_type T_PPTX = {"application/vnd.openxmlformats-officedocument.presentationml.presentation",
                                  "PowerPoint presentation", "pptx pptm potx ppsx"};
static const sniff_type T_ODT = {"application/vnd.oasis.opendocument.text", "OpenDocument text", "odt"};
static const sniff_type T_ODS = {"application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet", "ods"};
static const sniff_type T_ODP = {"application/vnd.oasis.opendocument.presentation", "OpenDocument presentation",
                                 "odp"};

const char *sniff_allowed_label(void)
{
    return "PDF, PNG, JPEG, GIF, WebP, plain text (UTF-8), Word, Excel, PowerPoint and OpenDocument files";
}

/* Little-endian integers at p. */
static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* (the 32-bit one) */
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* An OpenDocument package: its first entry is "mimetype", stored (not
** compressed), holding one of the three document types. */
static const sniff_type *odf(const unsigned char *p, size_t n)
{
    if (n < 30 + 8 || le32(p) != 0x04034b50)
        return NULL;
    uint32_t method = le16(p + 8), csize = le32(p + 18), name_len = le16(p + 26), extra = le16(p + 28);
    if (method != 0 || name_len != 8 || memcmp(p + 30, "mimetype", 8) != 0)
        return NULL;
    size_t at = 30 + (size_t)name_len + extra;
    if (at > n || csize > n - at)
        return NULL;
    static const struct {
        const char *mime;
        const sniff_type *t;
    } kinds[] = {{"application/vnd.oasis.opendocument.text", &T_ODT},
                 {"application/vnd.oasis.opendocument.spreadsheet", &T_ODS},
                 {"application/vnd.oasis.opendocument.presentation", &T_ODP}};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (csize == strlen(kinds[i].mime) && !memcmp(p + at, kinds[i].mime, csize))
            return kinds[i].t;
    return NULL;
}

/* An Office Open XML package: its central directory lists
** "[Content_Types].xml" and parts under word/, xl/ or ppt/ (exactly one of
** them). The directory is found from the end-of-central-directory record
** and every offset in it is checked against n. */
static const sniff_type *ooxml(const unsigned char *p, size_t n)
{
    if (n < 22)
        return NULL;
    size_t lowest = n > 22 + 65535 ? n - 22 - 65535 : 0;
    size_t eocd = (size_t)-1;
    for (size_t i = n - 22 + 1; i-- > lowest;)
        if (le32(p + i) == 0x06054b50) {
            eocd = i;
            break;
        }
    if (eocd == (size_t)-1)
        return NULL;
    uint32_t entries = le16(p + eocd + 10), cd_size = le32(p + eocd + 12), cd_off = le32(p + eocd + 16);
    if (cd_off > eocd || cd_size > eocd - cd_off)
        return NULL;
    int types = 0, word = 0, xl = 0, ppt = 0;
    size_t at = cd_off, end = (size_t)cd_off + cd_size;
    for (uint32_t e = 0; e < entries; e++) {
        if (end - at < 46 || le32(p + at) != 0x02014b50)
            return NULL;
        size_t name_len = le16(p + at + 28), extra = le16(p + at + 30), comment = le16(p + at + 32);
        if (name_len > end - at - 46)
            return NULL;
        const char *name = (const char *)p + at + 46;
        if (name_len == 19 && !memcmp(name, "[Content_Types].xml", 19))
            types = 1;
        else if (name_len > 5 && !memcmp(name, "word/", 5))
            word = 1;
        else if (name_len > 3 && !memcmp(name, "xl/", 3))
            xl = 1;
        else if (name_len > 4 && !memcmp(name, "ppt/", 4))
            ppt = 1;
        size_t step = 46 + name_len + extra + comment;
        if (step > end - at)
            return NULL;
        at += step;
    }
    if (!types || word + xl + ppt != 1)
        return NULL;
    return word ? &T_DOCX : xl ? &T_XLSX : &T_PPTX;
}

/* Plain UTF-8 text: valid UTF-8 (a byte-order mark allowed), no control
** characters but tab, line feed, form feed and carriage return, and not
** markup a browser would render (it starts with '<' and a letter, '!',
** '?' or '/' after any white space). */
static const sniff_type *text(const unsigned char *p, size_t n)
{
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        p += 3;
        n -= 3;
    }
    if (!text_utf8_valid((const char *)p, n))
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != '\f') || p[i] == 0x7f)
            return NULL;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r' || p[i] == '\f'))
        i++;
    if (i + 1 < n && p[i] == '<') {
        unsigned char c = p[i + 1];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '!' || c == '?' || c == '/')
            return NULL;
    }
    return n ? &T_TEXT : NULL;
}

const sniff_type *sniff(const unsigned char *p, size_t n)
{
    if (!p || n == 0)
        return NULL;
    if (n >= 5 && !memcmp(p, "%PDF-", 5))
        return &T_PDF;
    if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
        return &T_PNG;
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return &T_JPEG;
    if (n >= 6 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
        return &T_GIF;
    if (n >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
        return &T_WEBP;
    if (n >= 4 && le32(p) == 0x04034b50) {
        const sniff_type *t = odf(p, n);
        return t ? t : ooxml(p, n);
    }
    return text(p, n);
}

int sniff_name_fits(const sniff_type *t, const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name || !dot[1])
        return 1;
    const char *ext = dot + 1;
    size_t n = strlen(ext);
    for (const char *e = t->exts; *e;) {
        size_t k = strcspn(e, " ");
        if (k == n && !strncasecmp(e, ext, n))
            return 1;
        e += k;
        while (*e == ' ')
            e++;
    }
    return 0;
}
