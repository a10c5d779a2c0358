/*
** schema.c: the numbered schema migrations (see schema.h).
**
** Dates are ISO 'YYYY-MM-DD' text (they sort and compare as text); instants
** are Unix seconds; money is integer cents with a currency code.
*/
#include "schema.h"

#include <assert.h>
#include <stddef.h>

static const char *const migrations[] = {
    /* 1: published content and the calendar of offerings. */
    "CREATE TABLE meta(\n"
    "  key TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL\n"
    ") STRICT;\n"
    "INSERT INTO meta(key, value) VALUES ('content_version', '0');\n"
    "CREATE TABLE series(\n"
    "  id INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "  title TEXT NOT NULL,\n"
    "  tagline TEXT NOT NULL,\n"
    "  organisation TEXT NOT NULL,\n"
    "  partner TEXT,\n"
    "  community_url TEXT,\n"
    "  contact_email TEXT,\n"
    "  intro_html TEXT NOT NULL,\n"
    "  published_at INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE TABLE courses(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  slug TEXT NOT NULL UNIQUE,\n"
    "  position INTEGER NOT NULL,\n"
    "  title TEXT NOT NULL,\n"
    "  tagline TEXT NOT NULL,\n"
    "  summary TEXT NOT NULL,\n"
    "  hours_min INTEGER NOT NULL,\n"
    "  hours_max INTEGER NOT NULL,\n"
    "  overview_html TEXT NOT NULL,\n"
    "  outcomes TEXT NOT NULL DEFAULT '[]',\n"
    "  panel_title TEXT NOT NULL,\n"
    "  panel_video TEXT,\n"
    "  panel_minutes INTEGER NOT NULL,\n"
    "  panel_summary_html TEXT NOT NULL,\n"
    "  transcript_html TEXT NOT NULL,\n"
    "  playlist_intro_html TEXT NOT NULL DEFAULT '',\n"
    "  discussions_intro_html TEXT NOT NULL DEFAULT '',\n"
    "  activities_intro_html TEXT NOT NULL DEFAULT '',\n"
    "  published INTEGER NOT NULL DEFAULT 1\n"
    ") STRICT;\n"
    "CREATE TABLE panelists(\n"
    "  course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,\n"
    "  position INTEGER NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  role TEXT NOT NULL,\n"
    "  PRIMARY KEY (course_id, position)\n"
    ") STRICT;\n"
    "CREATE TABLE course_items(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,\n"
    "  section TEXT NOT NULL CHECK (section IN ('playlist', 'prompt', 'activity')),\n"
    "  key TEXT NOT NULL,\n"
    "  position INTEGER NOT NULL,\n"
    "  title TEXT NOT NULL,\n"
    "  kind TEXT,\n"
    "  minutes INTEGER NOT NULL DEFAULT 0,\n"
    "  link TEXT,\n"
    "  source TEXT,\n"
    "  submit TEXT,\n"
    "  body_html TEXT NOT NULL,\n"
    "  published INTEGER NOT NULL DEFAULT 1,\n"
    "  UNIQUE (course_id, section, key)\n"
    ") STRICT;\n"
    "CREATE TABLE offerings(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  code TEXT NOT NULL UNIQUE,\n"
    "  course_id INTEGER NOT NULL REFERENCES courses(id),\n"
    "  starts TEXT NOT NULL,\n"
    "  ends TEXT NOT NULL CHECK (ends >= starts),\n"
    "  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),\n"
    "  currency TEXT NOT NULL,\n"
    "  capacity INTEGER NOT NULL CHECK (capacity > 0),\n"
    "  opens TEXT,\n"
    "  closes TEXT NOT NULL,\n"
    "  coach_name TEXT,\n"
    "  season TEXT NOT NULL,\n"
    "  demo INTEGER NOT NULL DEFAULT 0,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  updated_at INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE INDEX offerings_by_start ON offerings(starts);\n"
    "CREATE INDEX offerings_by_course ON offerings(course_id, starts);\n",
};

int schema_count(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

const char *schema_migration(int v)
{
    assert(v >= 1 && v <= schema_count());
    return migrations[v - 1];
}
