/*
** store_blobs.h: SQL for the sweep of kept files no submission refers to
** any more: which blob rows are orphaned, and forgetting one of them with a
** conditional delete. The return conventions are db.h's.
*/
#ifndef JOURNEYS_STORE_BLOBS_H
#define JOURNEYS_STORE_BLOBS_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* Up to max hashes of blob rows that no submission file refers to, oldest
** first: 0 with *hex (an array of *n strings, in a) set, or -1. */
int store_blobs_orphaned(db *d, arena *a, int max, const char ***hex, int *n);

/* Delete the blob row of sha256 only while no submission file refers to
** it (one conditional write; call inside a write transaction): 1 deleted,
** 0 when it is referenced again or gone already, -1. */
int store_blob_forget(db *d, const char *sha256);

#endif
