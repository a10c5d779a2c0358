/*
** test_config.c: which base URLs are loopback, and the settings a public
** site refuses (development payment secrets, an empty webhook secret, demo
** offerings).
*/
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"

/* Load the defaults (no file), then set base_url to url. */
static void load(config *c, const char *url)
{
    buf err = BUF_INIT;
    CHECK(config_load(c, NULL, &err) == 0);
    buf_free(&err);
    free(c->base_url);
    c->base_url = strdup(url);
}

static void test_loopback(void)
{
    const char *local[] = {"http://127.0.0.1:8080", "http://localhost", "https://LOCALHOST:443/x",
                           "http://127.1.2.3", "http://[::1]:8080", "http://journeys.localhost:8080",
                           "http://user@127.0.0.1/"};
    const char *remote[] = {"https://courses.example.org", "http://127.0.0.1.example.org", "http://128.0.0.1",
                            "http://localhost.example.org", "https://10.0.0.5", "http://[::2]",
                            "http://127.0.0.1@evil.example", "https://127.0.0.1x", ""};
    for (size_t i = 0; i < sizeof local / sizeof *local; i++) {
        config c;
        load(&c, local[i]);
        if (!config_is_loopback(&c))
            fprintf(stderr, "%s should be loopback\n", local[i]);
        CHECK(config_is_loopback(&c));
        config_free(&c);
    }
    for (size_t i = 0; i < sizeof remote / sizeof *remote; i++) {
        config c;
        load(&c, remote[i]);
        if (config_is_loopback(&c))
            fprintf(stderr, "%s should not be loopback\n", remote[i]);
        CHECK(!config_is_loopback(&c));
        config_free(&c);
    }
}

static void test_production(void)
{
    config c;
    buf err = BUF_INIT;
    /* The defaults are fine on loopback. */
    load(&c, "http://127.0.0.1:8080");
    CHECK(config_check_production(&c, &err) == 0);
    CHECK(err.len == 0);
    config_free(&c);
    /* A public address with the defaults: four problems, each named. */
    load(&c, "https://courses.example.org");
    CHECK(config_check_production(&c, &err) == 4);
    CHECK_CONTAINS(buf_str(&err), "secret_key");
    CHECK_CONTAINS(buf_str(&err), "webhook_secret");
    CHECK_CONTAINS(buf_str(&err), "[site] secret is the development default");
    CHECK_CONTAINS(buf_str(&err), "demo");
    /* A short site secret is refused too. */
    free(c.site_secret);
    c.site_secret = strdup("short");
    buf_reset(&err);
    CHECK(config_check_production(&c, &err) == 4);
    CHECK_CONTAINS(buf_str(&err), "too short");
    free(c.site_secret);
    c.site_secret = strdup("0123456789abcdef0123456789abcdef");
    /* Real secrets, demo off: fit. An empty webhook secret is not. */
    free(c.pay_secret_key);
    c.pay_secret_key = strdup("sk_live_real");
    free(c.pay_webhook_secret);
    c.pay_webhook_secret = strdup("whsec_real");
    c.demo = 0;
    buf_reset(&err);
    CHECK(config_check_production(&c, &err) == 0);
    free(c.pay_webhook_secret);
    c.pay_webhook_secret = strdup("");
    CHECK(config_check_production(&c, &err) == 1);
    CHECK_CONTAINS(buf_str(&err), "empty");
    c.demo = 1;
    buf_reset(&err);
    CHECK(config_check_production(&c, &err) == 2);
    config_free(&c);
    buf_free(&err);
}

int main(void)
{
    test_loopback();
    test_production();
    return check_done();
}
