/*
** files.h: uploaded files on disk, each kept once under its SHA-256.
**
** The folder (the [uploads] files setting) lies outside the web root;
** nginx serves a file from it only through its internal /protected/
** location, after the application has checked permission and answered
** with X-Accel-Redirect. A file lives at DIR/ab/cdef... (the first two hex
** digits of its hash name a shard folder). It is written under a
** temporary name in the shard and renamed into place, so a reader never
** sees half a file and two writers of the same content leave one intact
** copy.
*/
#ifndef JOURNEYS_FILES_H
#define JOURNEYS_FILES_H

#include <stddef.h>
#include <time.h>

#include "arena.h"
#include "buf.h"

enum { FILES_HEX_LEN = 64 };

/* The lower-case hex SHA-256 of p[0..n) into hex (65 bytes with its NUL). */
void files_hash(const void *p, size_t n, char hex[FILES_HEX_LEN + 1]);

/* The path of hash hex under the folder, relative to it ("ab/cdef..."),
** in a. */
const char *files_relpath(arena *a, const char *hex);

/* Keep p[0..n), whose hash is hex, in folder dir. When a file of that
** name and size is there already nothing is written and *created is 0;
** otherwise it is written to a temporary name, flushed and renamed into
** place, and *created is 1. Returns 0, or -1 (logged; nothing left behind)
** when a folder could not be made or the write failed (a full disk). */
int files_put(const char *dir, const char *hex, const void *p, size_t n, int *created);

/* Remove the file of hash hex from dir (one this request created and no
** row refers to). Missing files are not an error. */
void files_remove(const char *dir, const char *hex);

/* Whether path names a regular file that lies inside folder dir once both
** are resolved (symbolic links and ".." followed). Returns 1 with the
** resolved path in a (*resolved), else 0. */
int files_inside(arena *a, const char *dir, const char *path, const char **resolved);

/* ---- the sweep of files nothing refers to ---- */

/* Walk the shard folders of dir for files last changed before `before`:
** temporary files (".tmp-...", left by a write that died) are removed at
** once; kept files (named by their hash) are listed in *hex (an array of
** *n 64-digit hashes in a) for the caller to check against the database.
** Anything else is left alone. *tmp_removed counts the temporary files
** removed. Returns 0, or -1 (logged) when dir cannot be read; a missing
** dir is no error. */
int files_old(arena *a, const char *dir, time_t before, const char ***hex, int *n, int *tmp_removed);

/* ---- the folders' permissions ---- */

/* Make folder dir ready for kept or uploaded files: created with mode
** (0750 or 0700) when missing, and whatever it grants to every other user
** on the machine taken away (chmod o-rwx), so no upload is ever readable
** by other local accounts. Then this process (which must run as nginx's
** worker user, as nginx writes each upload body readable by its own user
** only) must be able to list, read and write it. Returns 0; 1 with a
** warning in err when it is missing and cannot be made because the folder
** above it is missing too (a site that takes no hand-ins); or -1 with a
** message naming the folder and what to do in err (not a folder, not ours
** to tighten, not writable by us, or not makeable otherwise). */
int files_prepare_dir(const char *dir, unsigned mode, buf *err);

#endif
