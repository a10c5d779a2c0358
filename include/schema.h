/*
** schema.h: the numbered schema migrations, oldest first.
**
** A migration is never edited once it has shipped; a change to the schema is
** a new migration at the end. db_migrate() applies them.
*/
#ifndef JOURNEYS_SCHEMA_H
#define JOURNEYS_SCHEMA_H

/* How many migrations there are (the newest schema version). */
int schema_count(void);

/* The SQL of migration v, 1 <= v <= schema_count(). */
const char *schema_migration(int v);

#endif
