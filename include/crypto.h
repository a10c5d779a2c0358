/*
** crypto.h: passwords, random tokens and their hashes (libsodium).
**
** Passwords are hashed with argon2id at libsodium's interactive limits.
** Tokens (sessions, e-mail links, CSRF) are 256 random bits written as
** URL-safe base64 without padding; only a SHA-256 of a token is stored, so a
** copy of the database opens no session.
*/
#ifndef JOURNEYS_CRYPTO_H
#define JOURNEYS_CRYPTO_H

#include <stddef.h>

enum {
    CRYPTO_TOKEN_LEN = 43,     /* characters of a token, without the NUL */
    CRYPTO_HASH_LEN = 32,      /* bytes of a token hash */
    CRYPTO_PWHASH_LEN = 128,   /* room for an encoded argon2id hash */
};

/* Initialise libsodium once per process; 0 or -1. */
int crypto_init(void);

/* A new random token into out (CRYPTO_TOKEN_LEN + 1 bytes). */
void crypto_token(char out[CRYPTO_TOKEN_LEN + 1]);

/* SHA-256 of a token string into out. */
void crypto_token_hash(const char *token, unsigned char out[CRYPTO_HASH_LEN]);

/* Hash password into out (encoded argon2id string). 0, or -1 if out of memory. */
int crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_LEN]);

/* 1 if password matches the stored encoded hash, else 0. */
int crypto_password_check(const char *password, const char *stored);

/* A stored hash that matches no password, used to spend the same time on
** unknown accounts as on known ones. */
const char *crypto_dummy_hash(void);

/* Constant-time equality of two NUL-terminated strings (lengths may leak). */
int crypto_str_equal(const char *a, const char *b);

/* The argon2id cost in use, for reports: operations and memory in bytes. */
void crypto_password_cost(unsigned long long *ops, size_t *mem);

#endif
