/*
** test_embed.c: the panel recording's privacy-enhanced player
** (page_video_embed): YouTube and Vimeo addresses in their usual shapes
** become the no-cookie and do-not-track players; anything else, including
** hostile look-alikes, is left as a plain link.
*/
#include "arena.h"
#include "check.h"
#include "pages.h"

int main(void)
{
    arena *a = arena_new(0);
    static const struct {
        const char *url, *embed;
    } cases[] = {
        {"https://www.youtube.com/watch?v=AbCdEfGhIj0", "https://www.youtube-nocookie.com/embed/AbCdEfGhIj0"},
        {"https://youtube.com/watch?feature=share&v=AbCdEfGhIj0&t=5", "https://www.youtube-nocookie.com/embed/AbCdEfGhIj0"},
        {"https://m.youtube.com/watch?v=Ab-dEf_hIj0", "https://www.youtube-nocookie.com/embed/Ab-dEf_hIj0"},
        {"https://youtu.be/AbCdEfGhIj0?t=3", "https://www.youtube-nocookie.com/embed/AbCdEfGhIj0"},
        {"https://www.youtube.com/embed/AbCdEfGhIj0", "https://www.youtube-nocookie.com/embed/AbCdEfGhIj0"},
        {"https://www.youtube-nocookie.com/embed/AbCdEfGhIj0", "https://www.youtube-nocookie.com/embed/AbCdEfGhIj0"},
        {"https://vimeo.com/123456789", "https://player.vimeo.com/video/123456789?dnt=1"},
        {"https://player.vimeo.com/video/123456789?h=abc", "https://player.vimeo.com/video/123456789?dnt=1"},
        /* plain links */
        {"http://www.youtube.com/watch?v=AbCdEfGhIj0", NULL},
        {"https://www.youtube.com.evil.example/watch?v=AbCdEfGhIj0", NULL},
        {"https://evil.example/?x=https://youtu.be/AbCdEfGhIj0", NULL},
        {"https://www.youtube.com/watch?v=AbCdEfGhIj0\"onload=alert(1)", NULL},
        {"https://www.youtube.com/watch?v=short", NULL},
        {"https://www.youtube.com/watch?v=AbCdEfGhIj0x", NULL},
        {"https://www.youtube.com/watch?vv=AbCdEfGhIj0", NULL},
        {"https://youtu.be/", NULL},
        {"https://youtu.be/<script>xx", NULL},
        {"https://vimeo.com/channels/staffpicks", NULL},
        {"https://vimeo.com/12345abc", NULL},
        {"https://vimeo.com/", NULL},
        {"https://user@vimeo.com/123", NULL},
        {"javascript:alert(1)//youtu.be/AbCdEfGhIj0", NULL},
        {"https://media.example.org/panel.mp4", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *embed, *host;
        int framed = page_video_embed(a, cases[i].url, &embed, &host);
        if (cases[i].embed) {
            CHECK(framed == 1);
            CHECK_STR(embed, cases[i].embed);
        } else {
            if (framed)
                fprintf(stderr, "  %s framed as %s\n", cases[i].url, embed);
            CHECK(framed == 0 && embed == NULL && host == NULL);
        }
    }
    const char *embed, *host;
    CHECK(page_video_embed(a, NULL, &embed, &host) == 0);
    arena_free(a);
    return check_done();
}
