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
    /* 2: accounts, registration, payment, mail, audit. */
    "CREATE TABLE schools(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  city TEXT,\n"
    "  country TEXT,\n"
    "  member INTEGER NOT NULL DEFAULT 1,\n"
    "  invoice INTEGER NOT NULL DEFAULT 0\n"
    ") STRICT;\n"
    "CREATE TABLE users(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  email TEXT NOT NULL COLLATE NOCASE UNIQUE,\n"
    "  name TEXT NOT NULL,\n"
    "  password_hash TEXT NOT NULL,\n"
    "  role TEXT NOT NULL DEFAULT 'participant' CHECK (role IN ('participant', 'coach', 'staff')),\n"
    "  school_id INTEGER REFERENCES schools(id),\n"
    "  organisation TEXT,\n"
    "  school_role TEXT,\n"
    "  time_zone TEXT NOT NULL DEFAULT 'UTC',\n"
    "  email_verified_at INTEGER,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  deleted_at INTEGER\n"
    ") STRICT;\n"
    "CREATE TABLE sessions(\n"
    "  token_hash BLOB PRIMARY KEY,\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
    "  csrf TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  expires_at INTEGER NOT NULL\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE INDEX sessions_by_user ON sessions(user_id);\n"
    "CREATE TABLE tokens(\n"
    "  hash BLOB PRIMARY KEY,\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
    "  purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'email')),\n"
    "  data TEXT,\n"
    "  expires_at INTEGER NOT NULL,\n"
    "  used_at INTEGER\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE rate_limits(\n"
    "  key TEXT PRIMARY KEY,\n"
    "  window_start INTEGER NOT NULL,\n"
    "  count INTEGER NOT NULL\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE codes(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  code TEXT NOT NULL COLLATE NOCASE UNIQUE,\n"
    "  offering_id INTEGER REFERENCES offerings(id),\n"
    "  percent_off INTEGER NOT NULL CHECK (percent_off BETWEEN 1 AND 100),\n"
    "  max_uses INTEGER,\n"
    "  uses INTEGER NOT NULL DEFAULT 0,\n"
    "  expires_on TEXT,\n"
    "  created_at INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE TABLE enrolments(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'waitlisted', 'offered',"
    " 'cancelled', 'refunded', 'expired')),\n"
    "  payment_status TEXT NOT NULL CHECK (payment_status IN ('unpaid', 'pending', 'paid',"
    " 'invoiced', 'waived', 'refunded')),\n"
    "  amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),\n"
    "  currency TEXT NOT NULL,\n"
    "  code_id INTEGER REFERENCES codes(id),\n"
    "  hold_until INTEGER,\n"
    "  offer_until INTEGER,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  updated_at INTEGER NOT NULL,\n"
    "  activated_at INTEGER\n"
    ") STRICT;\n"
    "CREATE UNIQUE INDEX enrolments_one_live ON enrolments(offering_id, user_id)"
    " WHERE status IN ('pending', 'active', 'waitlisted', 'offered');\n"
    "CREATE INDEX enrolments_by_user ON enrolments(user_id);\n"
    "CREATE INDEX enrolments_by_offering ON enrolments(offering_id, status);\n"
    "CREATE TABLE payments(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  enrolment_id INTEGER NOT NULL REFERENCES enrolments(id),\n"
    "  provider_session TEXT UNIQUE,\n"
    "  provider_intent TEXT,\n"
    "  amount_cents INTEGER NOT NULL,\n"
    "  currency TEXT NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'expired', 'refunded', 'partially_refunded')),\n"
    "  refunded_cents INTEGER NOT NULL DEFAULT 0,\n"
    "  checkout_url TEXT,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  updated_at INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE INDEX payments_by_enrolment ON payments(enrolment_id);\n"
    "CREATE TABLE payment_events(\n"
    "  event_id TEXT PRIMARY KEY,\n"
    "  type TEXT NOT NULL,\n"
    "  payment_id INTEGER REFERENCES payments(id),\n"
    "  received_at INTEGER NOT NULL\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE refunds(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  payment_id INTEGER NOT NULL REFERENCES payments(id),\n"
    "  provider_refund TEXT UNIQUE,\n"
    "  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),\n"
    "  staff_id INTEGER REFERENCES users(id),\n"
    "  created_at INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE TABLE outbox(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('mail', 'community')),\n"
    "  recipient TEXT NOT NULL,\n"
    "  recipient_name TEXT,\n"
    "  subject TEXT,\n"
    "  body_text TEXT,\n"
    "  body_html TEXT,\n"
    "  attachment_name TEXT,\n"
    "  attachment_type TEXT,\n"
    "  attachment BLOB,\n"
    "  attempts INTEGER NOT NULL DEFAULT 0,\n"
    "  next_attempt_at INTEGER NOT NULL,\n"
    "  last_error TEXT,\n"
    "  sent_at INTEGER,\n"
    "  failed_at INTEGER,\n"
    "  created_at INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;\n"
    "CREATE TABLE audit_log(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  at INTEGER NOT NULL,\n"
    "  actor_id INTEGER REFERENCES users(id),\n"
    "  action TEXT NOT NULL,\n"
    "  subject TEXT NOT NULL,\n"
    "  detail TEXT\n"
    ") STRICT;\n"
    "CREATE INDEX audit_by_subject ON audit_log(subject);\n",
    /* 3: content: offering staff as accounts, archived course items, and
    ** visitors waiting to hear of new dates. offerings.coach_name stays for
    ** older readers but is no longer written; the coach is in offering_staff. */
    "CREATE TABLE offering_staff(\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id) ON DELETE CASCADE,\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  role TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  PRIMARY KEY (offering_id, user_id, role)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE INDEX offering_staff_by_user ON offering_staff(user_id, role);\n"
    "ALTER TABLE course_items ADD COLUMN archived_at INTEGER;\n"
    "CREATE TABLE date_requests(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,\n"
    "  email TEXT NOT NULL COLLATE NOCASE,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  sent_at INTEGER,\n"
    "  offering_id INTEGER REFERENCES offerings(id),\n"
    "  UNIQUE (course_id, email)\n"
    ") STRICT;\n"
    "CREATE INDEX date_requests_waiting ON date_requests(course_id) WHERE sent_at IS NULL;\n",
    /* 4: money and seats: a registration's hold on its code's use, refunds
    ** written as pending before the provider is called, schools' billing
    ** contacts and numbered invoices. */
    "ALTER TABLE enrolments ADD COLUMN code_held INTEGER NOT NULL DEFAULT 0;\n"
    "UPDATE enrolments SET code_held = 1 WHERE code_id IS NOT NULL AND status = 'active';\n"
    "ALTER TABLE refunds ADD COLUMN status TEXT NOT NULL DEFAULT 'done'"
    " CHECK (status IN ('pending', 'done', 'failed'));\n"
    "ALTER TABLE refunds ADD COLUMN reason TEXT;\n"
    "ALTER TABLE refunds ADD COLUMN settled_at INTEGER;\n"
    "CREATE INDEX refunds_by_payment ON refunds(payment_id);\n"
    "ALTER TABLE schools ADD COLUMN billing_name TEXT;\n"
    "ALTER TABLE schools ADD COLUMN billing_email TEXT;\n"
    "CREATE TABLE invoices(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  number TEXT NOT NULL UNIQUE,\n"
    "  year INTEGER NOT NULL,\n"
    "  seq INTEGER NOT NULL,\n"
    "  enrolment_id INTEGER NOT NULL UNIQUE REFERENCES enrolments(id),\n"
    "  school_id INTEGER NOT NULL REFERENCES schools(id),\n"
    "  school_name TEXT NOT NULL,\n"
    "  school_city TEXT,\n"
    "  school_country TEXT,\n"
    "  billing_name TEXT,\n"
    "  billing_email TEXT NOT NULL,\n"
    "  amount_cents INTEGER NOT NULL,\n"
    "  currency TEXT NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('issued', 'paid', 'void')),\n"
    "  created_at INTEGER NOT NULL,\n"
    "  updated_at INTEGER NOT NULL,\n"
    "  UNIQUE(year, seq)\n"
    ") STRICT;\n",
    /* 5: outbox: one Message-ID per message, kept across its retries; and
       whether the mail server refused the message for good (SMTP 5xx). */
    "ALTER TABLE outbox ADD COLUMN message_id TEXT;\n"
    "ALTER TABLE outbox ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;\n",
    /* 6: sign-in limits: old rate-limit rows are purged by window start. */
    "CREATE INDEX rate_limits_by_start ON rate_limits(window_start);\n",
    /* 7: view cache: every change to what the catalog, course and calendar
       pages show bumps a version in the same transaction, so each worker
       knows its kept copy is stale: content_version for courses, offerings
       and their coaches, seats_version for registrations. Partial indexes
       find the next hold or offer to lapse (seat counts change with time). */
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('seats_version', '0');\n"
    "CREATE TRIGGER view_offerings_insert AFTER INSERT ON offerings BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_offerings_update AFTER UPDATE ON offerings BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_offerings_delete AFTER DELETE ON offerings BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_offering_staff_insert AFTER INSERT ON offering_staff BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_offering_staff_update AFTER UPDATE ON offering_staff BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_offering_staff_delete AFTER DELETE ON offering_staff BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_courses_insert AFTER INSERT ON courses BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_courses_update AFTER UPDATE ON courses BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_courses_delete AFTER DELETE ON courses BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_course_items_insert AFTER INSERT ON course_items BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_course_items_update AFTER UPDATE ON course_items BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_course_items_delete AFTER DELETE ON course_items BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_panelists_insert AFTER INSERT ON panelists BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_panelists_update AFTER UPDATE ON panelists BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_panelists_delete AFTER DELETE ON panelists BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_series_insert AFTER INSERT ON series BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_series_update AFTER UPDATE ON series BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_series_delete AFTER DELETE ON series BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_coach_name AFTER UPDATE OF name ON users"
    " WHEN EXISTS (SELECT 1 FROM offering_staff WHERE user_id = new.id) BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_enrolments_insert AFTER INSERT ON enrolments BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seats_version'; END;\n"
    "CREATE TRIGGER view_enrolments_update AFTER UPDATE OF status, hold_until, offer_until ON enrolments BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seats_version'; END;\n"
    "CREATE TRIGGER view_enrolments_delete AFTER DELETE ON enrolments BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seats_version'; END;\n"
    "CREATE INDEX enrolments_hold_lapse ON enrolments(hold_until) WHERE status = 'pending';\n"
    "CREATE INDEX enrolments_offer_lapse ON enrolments(offer_until) WHERE status = 'offered';\n",
    /* 8: upcoming: the public pages read only the offerings they show: the
    ** ones not finished by a day, a course's recent past ones, a season's. */
    "CREATE INDEX offerings_by_end ON offerings(ends);\n"
    "CREATE INDEX offerings_by_course_end ON offerings(course_id, ends);\n"
    "CREATE INDEX offerings_by_season ON offerings(season, starts);\n",
    /* 9: the course workspace. An offering's time zone and when posting
    ** closes (the workspace then stays readable as an archive); when each
    ** part of a course opens and is due, relative to the offering's start
    ** ("day 3 17:00"), and the course's own milestones; what each person has
    ** done, discussions (threads, posts, who read and follows what),
    ** submissions with their files (kept once by SHA-256) and the cohort's
    ** comments, notifications and each person's choice of e-mail, and the
    ** workspace e-mails already sent (one per person, kind and day). */
    "ALTER TABLE offerings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';\n"
    "ALTER TABLE offerings ADD COLUMN posting_closes_at INTEGER;\n"
    "ALTER TABLE offerings ADD COLUMN post_first INTEGER NOT NULL DEFAULT 0;\n"
    "UPDATE offerings SET posting_closes_at = unixepoch(ends) + 15 * 86400;\n"
    "ALTER TABLE courses ADD COLUMN captions TEXT;\n"
    "ALTER TABLE course_items ADD COLUMN opens TEXT;\n"
    "ALTER TABLE course_items ADD COLUMN due TEXT;\n"
    "CREATE TABLE course_milestones(\n"
    "  course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,\n"
    "  position INTEGER NOT NULL,\n"
    "  key TEXT NOT NULL,\n"
    "  title TEXT NOT NULL,\n"
    "  at TEXT NOT NULL,\n"
    "  PRIMARY KEY (course_id, position)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE TRIGGER view_milestones_insert AFTER INSERT ON course_milestones BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_milestones_update AFTER UPDATE ON course_milestones BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_milestones_delete AFTER DELETE ON course_milestones BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TABLE progress(\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  part TEXT NOT NULL,\n"
    "  done_at INTEGER NOT NULL,\n"
    "  PRIMARY KEY (offering_id, user_id, part)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE workspace_visits(\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  first_at INTEGER NOT NULL,\n"
    "  last_at INTEGER NOT NULL,\n"
    "  PRIMARY KEY (offering_id, user_id)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE threads(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  prompt_id INTEGER REFERENCES course_items(id),\n"
    "  author_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  title TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  last_post_at INTEGER NOT NULL,\n"
    "  last_post_id INTEGER,\n"
    "  posts INTEGER NOT NULL DEFAULT 0,\n"
    "  pinned INTEGER NOT NULL DEFAULT 0,\n"
    "  locked INTEGER NOT NULL DEFAULT 0,\n"
    "  version INTEGER NOT NULL DEFAULT 0\n"
    ") STRICT;\n"
    "CREATE INDEX threads_by_space ON threads(offering_id, prompt_id, last_post_at);\n"
    "CREATE TABLE posts(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  thread_id INTEGER NOT NULL REFERENCES threads(id),\n"
    "  author_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  quote_id INTEGER REFERENCES posts(id),\n"
    "  body_md TEXT NOT NULL,\n"
    "  body_html TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  edited_at INTEGER,\n"
    "  deleted_at INTEGER,\n"
    "  hidden_at INTEGER,\n"
    "  hidden_by INTEGER REFERENCES users(id),\n"
    "  hidden_reason TEXT,\n"
    "  exemplary INTEGER NOT NULL DEFAULT 0\n"
    ") STRICT;\n"
    "CREATE INDEX posts_by_thread ON posts(thread_id, id);\n"
    "CREATE INDEX posts_by_author ON posts(author_id, created_at);\n"
    "CREATE TABLE thread_reads(\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  thread_id INTEGER NOT NULL REFERENCES threads(id),\n"
    "  last_post_id INTEGER NOT NULL,\n"
    "  PRIMARY KEY (user_id, thread_id)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE thread_follows(\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  thread_id INTEGER NOT NULL REFERENCES threads(id),\n"
    "  mode TEXT NOT NULL CHECK (mode IN ('follow', 'mute')),\n"
    "  PRIMARY KEY (user_id, thread_id)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE INDEX thread_follows_by_thread ON thread_follows(thread_id);\n"
    "CREATE TABLE blobs(\n"
    "  sha256 TEXT PRIMARY KEY,\n"
    "  size INTEGER NOT NULL,\n"
    "  type TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE submissions(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  item_id INTEGER NOT NULL REFERENCES course_items(id),\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  version INTEGER NOT NULL CHECK (version >= 1),\n"
    "  body_md TEXT NOT NULL DEFAULT '',\n"
    "  body_html TEXT NOT NULL DEFAULT '',\n"
    "  links TEXT NOT NULL DEFAULT '[]',\n"
    "  created_at INTEGER NOT NULL,\n"
    "  shared_at INTEGER,\n"
    "  UNIQUE (offering_id, item_id, user_id, version)\n"
    ") STRICT;\n"
    "CREATE INDEX submissions_shared ON submissions(offering_id, item_id, shared_at) WHERE shared_at IS NOT NULL;\n"
    "CREATE INDEX submissions_by_user ON submissions(user_id, offering_id);\n"
    "CREATE TABLE submission_files(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  submission_id INTEGER NOT NULL REFERENCES submissions(id),\n"
    "  position INTEGER NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  type TEXT NOT NULL,\n"
    "  size INTEGER NOT NULL,\n"
    "  sha256 TEXT NOT NULL REFERENCES blobs(sha256)\n"
    ") STRICT;\n"
    "CREATE INDEX submission_files_by_submission ON submission_files(submission_id, position);\n"
    "CREATE TABLE submission_comments(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  submission_id INTEGER NOT NULL REFERENCES submissions(id),\n"
    "  author_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  body_md TEXT NOT NULL,\n"
    "  body_html TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  deleted_at INTEGER\n"
    ") STRICT;\n"
    "CREATE INDEX submission_comments_by_submission ON submission_comments(submission_id, id);\n"
    "CREATE TABLE announcements(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  author_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  title TEXT NOT NULL,\n"
    "  body_md TEXT NOT NULL,\n"
    "  body_html TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  publish_at INTEGER NOT NULL,\n"
    "  sent_at INTEGER\n"
    ") STRICT;\n"
    "CREATE INDEX announcements_by_offering ON announcements(offering_id, publish_at);\n"
    "CREATE TABLE notifications(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  offering_id INTEGER REFERENCES offerings(id),\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('reply', 'follow', 'comment', 'announcement', 'feedback', 'moderation')),\n"
    "  actor_id INTEGER REFERENCES users(id),\n"
    "  title TEXT NOT NULL,\n"
    "  link TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  read_at INTEGER,\n"
    "  mail_state TEXT NOT NULL DEFAULT 'pending' CHECK (mail_state IN ('pending', 'sent', 'digested', 'skipped'))\n"
    ") STRICT;\n"
    "CREATE INDEX notifications_by_user ON notifications(user_id, id);\n"
    "CREATE INDEX notifications_to_mail ON notifications(user_id, created_at) WHERE mail_state = 'pending';\n"
    "ALTER TABLE users ADD COLUMN notify_mail TEXT NOT NULL DEFAULT 'instant'"
    " CHECK (notify_mail IN ('instant', 'digest', 'off'));\n"
    "ALTER TABLE users ADD COLUMN morning_mail INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE users ADD COLUMN digest_sent_at INTEGER;\n"
    "ALTER TABLE outbox ADD COLUMN unsubscribe TEXT;\n"
    "CREATE TABLE workspace_mail(\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  kind TEXT NOT NULL,\n"
    "  day INTEGER NOT NULL,\n"
    "  sent_at INTEGER NOT NULL,\n"
    "  PRIMARY KEY (offering_id, user_id, kind, day)\n"
    ") STRICT, WITHOUT ROWID;\n",
    /* 10: discussions: a post's revision, so two edits made from the same
    ** form cannot both land (the second is told someone edited first). */
    "ALTER TABLE posts ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;\n",
    /* 11: the workspace's unread counts: every workspace page counts
    ** the person's unread posts (the nav's total, a thread's own count, its
    ** first unread post) by author and tombstone; with both in the index
    ** the count reads the index alone, not each post's row. It serves all
    ** that posts_by_thread served, which it replaces. */
    "CREATE INDEX posts_unread ON posts(thread_id, id, author_id, deleted_at);\n"
    "DROP INDEX posts_by_thread;\n",
    /* 12: coach facilitation. Feedback on one version of a submission (a
    ** level on the activity's rubric when the course files name one, and a
    ** decision), kept with that version; the version's state follows its
    ** latest decision. The coach's queue: a row handled by "no reply
    ** needed" is gone for every coach of the offering, a snoozed one only for
    ** the coach who snoozed it, until the time given. Moderation's log (who,
    ** what, why). Private messages between one participant and the
    ** offering's coaches. Completion signed off by a coach, and the
    ** certificates it brings (a public number; revocable). Rubric levels per
    ** activity and completion rules per course come from the course files. */
    "CREATE TABLE feedback(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  submission_id INTEGER NOT NULL REFERENCES submissions(id),\n"
    "  coach_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  body_md TEXT NOT NULL,\n"
    "  body_html TEXT NOT NULL,\n"
    "  level TEXT,\n"
    "  decision TEXT NOT NULL CHECK (decision IN ('complete', 'revise')),\n"
    "  created_at INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE INDEX feedback_by_submission ON feedback(submission_id, id);\n"
    "ALTER TABLE submissions ADD COLUMN state TEXT NOT NULL DEFAULT 'waiting'"
    " CHECK (state IN ('waiting', 'complete', 'revise'));\n"
    "ALTER TABLE submissions ADD COLUMN decided_at INTEGER;\n"
    "CREATE INDEX submissions_waiting ON submissions(offering_id, created_at) WHERE state = 'waiting';\n"
    "ALTER TABLE course_items ADD COLUMN rubric TEXT;\n"
    "ALTER TABLE courses ADD COLUMN completion TEXT;\n"
    "CREATE TABLE queue_marks(\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('thread', 'post', 'submission', 'quiet', 'behind')),\n"
    "  object_id INTEGER NOT NULL,\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  mode TEXT NOT NULL CHECK (mode IN ('snooze', 'no_reply')),\n"
    "  until INTEGER,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  PRIMARY KEY (kind, object_id, user_id)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE INDEX queue_marks_by_offering ON queue_marks(offering_id, kind);\n"
    "CREATE TABLE moderation_log(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  actor_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  action TEXT NOT NULL,\n"
    "  thread_id INTEGER REFERENCES threads(id),\n"
    "  post_id INTEGER REFERENCES posts(id),\n"
    "  reason TEXT,\n"
    "  created_at INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE INDEX moderation_by_offering ON moderation_log(offering_id, id);\n"
    "ALTER TABLE threads ADD COLUMN kind TEXT NOT NULL DEFAULT 'discussion'"
    " CHECK (kind IN ('discussion', 'wrapup'));\n"
    "CREATE TABLE messages(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  participant_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  author_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  body_md TEXT NOT NULL,\n"
    "  body_html TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  read_at INTEGER\n"
    ") STRICT;\n"
    "CREATE INDEX messages_by_participant ON messages(offering_id, participant_id, id);\n"
    "CREATE TABLE completions(\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  signed_by INTEGER NOT NULL REFERENCES users(id),\n"
    "  signed_at INTEGER NOT NULL,\n"
    "  PRIMARY KEY (offering_id, user_id)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE certificates(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  number TEXT NOT NULL UNIQUE,\n"
    "  offering_id INTEGER NOT NULL REFERENCES offerings(id),\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  coach_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  recipient_name TEXT NOT NULL,\n"
    "  salt TEXT NOT NULL,\n"
    "  identity_hash TEXT NOT NULL,\n"
    "  hours REAL NOT NULL,\n"
    "  issued_at INTEGER NOT NULL,\n"
    "  revoked_at INTEGER,\n"
    "  revoked_by INTEGER REFERENCES users(id),\n"
    "  revoke_reason TEXT,\n"
    "  UNIQUE (offering_id, user_id)\n"
    ") STRICT;\n"
    "CREATE INDEX certificates_by_user ON certificates(user_id);\n"
    "ALTER TABLE notifications RENAME TO notifications_old;\n"
    "CREATE TABLE notifications(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  offering_id INTEGER REFERENCES offerings(id),\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('reply', 'follow', 'comment', 'announcement', 'feedback', 'moderation', 'message', 'thread', 'certificate')),\n"
    "  actor_id INTEGER REFERENCES users(id),\n"
    "  title TEXT NOT NULL,\n"
    "  link TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  read_at INTEGER,\n"
    "  mail_state TEXT NOT NULL DEFAULT 'pending' CHECK (mail_state IN ('pending', 'sent', 'digested', 'skipped'))\n"
    ") STRICT;\n"
    "INSERT INTO notifications SELECT * FROM notifications_old;\n"
    "DROP TABLE notifications_old;\n"
    "CREATE INDEX notifications_by_user ON notifications(user_id, id);\n"
    "CREATE INDEX notifications_to_mail ON notifications(user_id, created_at) WHERE mail_state = 'pending';\n",
    /* 13: the sweep of kept files asks, for each blob, whether any
    ** submission file still refers to it. */
    "CREATE INDEX submission_files_by_blob ON submission_files(sha256);\n",
    /* 14: a version per activity gallery (offering and course
    ** item), bumped by triggers in the same transaction as anything its
    ** page shows: a submission shared, unshared, deleted or edited while
    ** shared, its files, the comments on it, and a name of one of its
    ** authors or commenters. Workers keep the rendered gallery under it
    ** (pages/kept.c), so a change shows on the next request in every
    ** worker. An activity nobody shared for has no row (version 0). */
    "CREATE TABLE gallery_versions(\n"
    "  offering_id INTEGER NOT NULL,\n"
    "  item_id INTEGER NOT NULL,\n"
    "  version INTEGER NOT NULL DEFAULT 0,\n"
    "  PRIMARY KEY (offering_id, item_id)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "INSERT INTO gallery_versions(offering_id, item_id, version)"
    " SELECT DISTINCT offering_id, item_id, 1 FROM submissions WHERE shared_at IS NOT NULL;\n"
    "CREATE TRIGGER gallery_submissions_insert AFTER INSERT ON submissions WHEN new.shared_at IS NOT NULL BEGIN"
    " INSERT INTO gallery_versions(offering_id, item_id, version) VALUES (new.offering_id, new.item_id, 1)"
    " ON CONFLICT(offering_id, item_id) DO UPDATE SET version = version + 1; END;\n"
    "CREATE TRIGGER gallery_submissions_update AFTER UPDATE OF offering_id, item_id, user_id, body_html, links, shared_at"
    " ON submissions WHEN old.shared_at IS NOT NULL OR new.shared_at IS NOT NULL BEGIN"
    " INSERT INTO gallery_versions(offering_id, item_id, version) VALUES (old.offering_id, old.item_id, 1)"
    " ON CONFLICT(offering_id, item_id) DO UPDATE SET version = version + 1;"
    " INSERT INTO gallery_versions(offering_id, item_id, version) VALUES (new.offering_id, new.item_id, 1)"
    " ON CONFLICT(offering_id, item_id) DO UPDATE SET version = version + 1; END;\n"
    "CREATE TRIGGER gallery_submissions_delete AFTER DELETE ON submissions WHEN old.shared_at IS NOT NULL BEGIN"
    " INSERT INTO gallery_versions(offering_id, item_id, version) VALUES (old.offering_id, old.item_id, 1)"
    " ON CONFLICT(offering_id, item_id) DO UPDATE SET version = version + 1; END;\n"
    "CREATE TRIGGER gallery_files_insert AFTER INSERT ON submission_files BEGIN"
    " INSERT INTO gallery_versions(offering_id, item_id, version) SELECT offering_id, item_id, 1 FROM submissions WHERE id = new.submission_id AND shared_at IS NOT NULL ON CONFLICT(offering_id, item_id) DO UPDATE SET version = version + 1; END;\n"
    "CREATE TRIGGER gallery_files_update AFTER UPDATE ON submission_files BEGIN"
    " INSERT INTO gallery_versions(offering_id, item_id, version) SELECT offering_id, item_id, 1 FROM submissions WHERE id = new.submission_id AND shared_at IS NOT NULL ON CONFLICT(offering_id, item_id) DO UPDATE SET version = version + 1; END;\n"
    "CREATE TRIGGER gallery_files_delete AFTER DELETE ON submission_files BEGIN"
    " INSERT INTO gallery_versions(offering_id, item_id, version) SELECT offering_id, item_id, 1 FROM submissions WHERE id = old.submission_id AND shared_at IS NOT NULL ON CONFLICT(offering_id, item_id) DO UPDATE SET version = version + 1; END;\n"
    "CREATE TRIGGER gallery_comments_insert AFTER INSERT ON submission_comments BEGIN"
    " INSERT INTO gallery_versions(offering_id, item_id, version) SELECT offering_id, item_id, 1 FROM submissions WHERE id = new.submission_id AND shared_at IS NOT NULL ON CONFLICT(offering_id, item_id) DO UPDATE SET version = version + 1; END;\n"
    "CREATE TRIGGER gallery_comments_update AFTER UPDATE ON submission_comments BEGIN"
    " INSERT INTO gallery_versions(offering_id, item_id, version) SELECT offering_id, item_id, 1 FROM submissions WHERE id = new.submission_id AND shared_at IS NOT NULL ON CONFLICT(offering_id, item_id) DO UPDATE SET version = version + 1; END;\n"
    "CREATE TRIGGER gallery_comments_delete AFTER DELETE ON submission_comments BEGIN"
    " INSERT INTO gallery_versions(offering_id, item_id, version) SELECT offering_id, item_id, 1 FROM submissions WHERE id = old.submission_id AND shared_at IS NOT NULL ON CONFLICT(offering_id, item_id) DO UPDATE SET version = version + 1; END;\n"
    "CREATE TRIGGER gallery_users_name AFTER UPDATE OF name ON users WHEN old.name IS NOT new.name BEGIN"
    " INSERT INTO gallery_versions(offering_id, item_id, version)"
    " SELECT offering_id, item_id, 1 FROM submissions WHERE user_id = new.id AND shared_at IS NOT NULL"
    " UNION SELECT s.offering_id, s.item_id, 1 FROM submission_comments c JOIN submissions s ON s.id = c.submission_id"
    " WHERE c.author_id = new.id AND s.shared_at IS NOT NULL"
    " ON CONFLICT(offering_id, item_id) DO UPDATE SET version = version + 1; END;\n",
    /* 15: cancelling an offering, and calendar events that
    ** follow every change. sequence is the iCalendar SEQUENCE of the
    ** offering's event: the trigger bumps it in the same statement, so in
    ** the same transaction, as any change of its dates, zone, course or
    ** cancellation, whichever code makes it. cancelled_at set means the
    ** offering is cancelled (it stays listed, marked so). */
    "ALTER TABLE offerings ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE offerings ADD COLUMN cancelled_at INTEGER;\n"
    "ALTER TABLE offerings ADD COLUMN cancelled_by INTEGER REFERENCES users(id);\n"
    "ALTER TABLE offerings ADD COLUMN cancel_reason TEXT;\n"
    "CREATE TRIGGER offerings_sequence AFTER UPDATE OF starts, ends, time_zone, course_id, cancelled_at ON offerings\n"
    " WHEN old.starts IS NOT new.starts OR old.ends IS NOT new.ends OR old.time_zone IS NOT new.time_zone\n"
    "   OR old.course_id IS NOT new.course_id OR old.cancelled_at IS NOT new.cancelled_at\n"
    " BEGIN UPDATE offerings SET sequence = sequence + 1 WHERE id = new.id; END;\n",
    /* 16: codes can be disabled; a school's edits are numbered, so
    ** two staff editing it at once cannot overwrite each other unseen; the
    ** audit log is read by who acted and by when. */
    "ALTER TABLE codes ADD COLUMN disabled_at INTEGER;\n"
    "ALTER TABLE schools ADD COLUMN version INTEGER NOT NULL DEFAULT 0;\n"
    "CREATE INDEX audit_by_actor ON audit_log(actor_id, at);\n"
    "CREATE INDEX audit_by_at ON audit_log(at);\n",
    /* 17: offerings planned in the staff console. A draft is not
    ** public until published; managed_by says whether the calendar file or
    ** the console owns its fields (an edit in the console takes it over).
    ** Every offering so far came from the file; one written later by
    ** anything but publish belongs to the console, so publish never
    ** withdraws it. revision moves with every change, so two edits from
    ** the same form cannot both apply. */
    "ALTER TABLE offerings ADD COLUMN published INTEGER NOT NULL DEFAULT 1;\n"
    "ALTER TABLE offerings ADD COLUMN managed_by TEXT NOT NULL DEFAULT 'console'"
    " CHECK (managed_by IN ('file', 'console'));\n"
    "UPDATE offerings SET managed_by = 'file';\n"
    "ALTER TABLE offerings ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;\n",
    /* 18: panel resources edited in the staff console (a revision
    ** every change moves with one conditional write, captions as checked
    ** WebVTT text, handouts as links or kept files, a panelist's school) and the record
    ** of each `journeys publish` run with what it changed. */
    "ALTER TABLE courses ADD COLUMN panel_rev INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE panelists ADD COLUMN school TEXT;\n"
    "CREATE TABLE panel_captions(\n"
    "  course_id INTEGER PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,\n"
    "  vtt TEXT NOT NULL,\n"
    "  filename TEXT NOT NULL,\n"
    "  label TEXT NOT NULL,\n"
    "  lang TEXT NOT NULL,\n"
    "  cues INTEGER NOT NULL,\n"
    "  uploaded_by INTEGER REFERENCES users(id),\n"
    "  uploaded_at INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE TABLE panel_handouts(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,\n"
    "  title TEXT NOT NULL,\n"
    "  url TEXT,\n"
    "  sha256 TEXT REFERENCES blobs(sha256),\n"
    "  filename TEXT,\n"
    "  type TEXT,\n"
    "  size INTEGER,\n"
    "  created_by INTEGER REFERENCES users(id),\n"
    "  created_at INTEGER NOT NULL,\n"
    "  CHECK ((url IS NULL) <> (sha256 IS NULL))\n"
    ") STRICT;\n"
    "CREATE INDEX panel_handouts_by_course ON panel_handouts(course_id, id);\n"
    "CREATE INDEX panel_handouts_by_blob ON panel_handouts(sha256) WHERE sha256 IS NOT NULL;\n"
    "CREATE TRIGGER view_panel_captions_insert AFTER INSERT ON panel_captions BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_panel_captions_update AFTER UPDATE ON panel_captions BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_panel_captions_delete AFTER DELETE ON panel_captions BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_panel_handouts_insert AFTER INSERT ON panel_handouts BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TRIGGER view_panel_handouts_delete AFTER DELETE ON panel_handouts BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END;\n"
    "CREATE TABLE publish_runs(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  at INTEGER NOT NULL,\n"
    "  by_name TEXT NOT NULL,\n"
    "  courses INTEGER NOT NULL,\n"
    "  items INTEGER NOT NULL,\n"
    "  added INTEGER NOT NULL,\n"
    "  changed INTEGER NOT NULL,\n"
    "  archived INTEGER NOT NULL,\n"
    "  notes TEXT NOT NULL DEFAULT ''\n"
    ") STRICT;\n"
    "CREATE TABLE publish_changes(\n"
    "  run_id INTEGER NOT NULL REFERENCES publish_runs(id) ON DELETE CASCADE,\n"
    "  position INTEGER NOT NULL,\n"
    "  change TEXT NOT NULL CHECK (change IN ('added', 'changed', 'archived')),\n"
    "  what TEXT NOT NULL,\n"
    "  title TEXT NOT NULL,\n"
    "  PRIMARY KEY (run_id, position)\n"
    ") STRICT, WITHOUT ROWID;\n",
    /* 19: a panel's summary and transcript edited in the staff console:
    ** the Markdown as written there (NULL while the course files own the
    ** text; once set, publish keeps the console's text and its HTML). */
    "ALTER TABLE courses ADD COLUMN panel_summary_md TEXT;\n"
    "ALTER TABLE courses ADD COLUMN transcript_md TEXT;\n",
    /* 20: a thread's page of posts is kept per worker under
    ** threads.version. A new post moves it (store_thread_posted); so does,
    ** in the same transaction, every change to a post (an edit, a
    ** deletion, a coach's mark or hiding, whoever makes it) and a new
    ** name of someone who posted in it (their posts and the quotes of
    ** them). */
    "CREATE TRIGGER threads_post_changed AFTER UPDATE ON posts BEGIN"
    " UPDATE threads SET version = version + 1 WHERE id IN (old.thread_id, new.thread_id);"
    " END;\n"
    "CREATE TRIGGER threads_author_name AFTER UPDATE OF name ON users WHEN old.name IS NOT new.name BEGIN"
    " UPDATE threads SET version = version + 1 WHERE id IN (SELECT thread_id FROM posts WHERE author_id = new.id);"
    " END;\n",
    /* 21: counters the kept parts of the workspace read instead of
    ** summing whole tables (store/kept.c), moved by triggers in the
    ** transaction of the change, so no write path can forget one. A
    ** missing row is version 0; every bump only grows it.
    **   discuss_versions: any change to a thread of the offering (a post
    **     moves its thread's row, and so does every change to a post);
    **   read_versions: any change to the person's read marks;
    **   ws_versions: the person's progress in the offering (parts checked
    **     off, posts, submissions). */
    "CREATE TABLE discuss_versions(\n"
    "  offering_id INTEGER PRIMARY KEY,\n"
    "  version INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE TABLE read_versions(\n"
    "  user_id INTEGER PRIMARY KEY,\n"
    "  version INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE TABLE ws_versions(\n"
    "  offering_id INTEGER NOT NULL,\n"
    "  user_id INTEGER NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  PRIMARY KEY (offering_id, user_id)\n"
    ") STRICT, WITHOUT ROWID;\n"
#define BUMP_DISCUSS(o)                                                                                          \
    " INSERT INTO discuss_versions(offering_id, version) VALUES (" o ", 1)"                                      \
    " ON CONFLICT(offering_id) DO UPDATE SET version = version + 1;"
    "CREATE TRIGGER discuss_thread_insert AFTER INSERT ON threads BEGIN" BUMP_DISCUSS("new.offering_id") " END;\n"
    "CREATE TRIGGER discuss_thread_update AFTER UPDATE ON threads BEGIN" BUMP_DISCUSS("new.offering_id")
    " UPDATE discuss_versions SET version = version + 1 WHERE offering_id = old.offering_id"
    " AND old.offering_id <> new.offering_id; END;\n"
    "CREATE TRIGGER discuss_thread_delete AFTER DELETE ON threads BEGIN" BUMP_DISCUSS("old.offering_id") " END;\n"
#undef BUMP_DISCUSS
#define BUMP_READS(u)                                                                                            \
    " INSERT INTO read_versions(user_id, version) VALUES (" u ", 1)"                                             \
    " ON CONFLICT(user_id) DO UPDATE SET version = version + 1;"
    "CREATE TRIGGER reads_insert AFTER INSERT ON thread_reads BEGIN" BUMP_READS("new.user_id") " END;\n"
    "CREATE TRIGGER reads_update AFTER UPDATE ON thread_reads BEGIN" BUMP_READS("new.user_id") " END;\n"
    "CREATE TRIGGER reads_delete AFTER DELETE ON thread_reads BEGIN" BUMP_READS("old.user_id") " END;\n"
#undef BUMP_READS
#define BUMP_WS(o, u)                                                                                            \
    " INSERT INTO ws_versions(offering_id, user_id, version) VALUES (" o ", " u ", 1)"                           \
    " ON CONFLICT(offering_id, user_id) DO UPDATE SET version = version + 1;"
#define BUMP_WS_POST(p)                                                                                          \
    " INSERT INTO ws_versions(offering_id, user_id, version)"                                                    \
    " SELECT t.offering_id, " p ".author_id, 1 FROM threads t WHERE t.id = " p ".thread_id"                       \
    " ON CONFLICT(offering_id, user_id) DO UPDATE SET version = version + 1;"
    "CREATE TRIGGER ws_progress_insert AFTER INSERT ON progress BEGIN" BUMP_WS("new.offering_id", "new.user_id")
    " END;\n"
    "CREATE TRIGGER ws_progress_delete AFTER DELETE ON progress BEGIN" BUMP_WS("old.offering_id", "old.user_id")
    " END;\n"
    "CREATE TRIGGER ws_submission_insert AFTER INSERT ON submissions BEGIN"
    BUMP_WS("new.offering_id", "new.user_id") " END;\n"
    "CREATE TRIGGER ws_submission_update AFTER UPDATE ON submissions BEGIN"
    BUMP_WS("new.offering_id", "new.user_id") " END;\n"
    "CREATE TRIGGER ws_submission_delete AFTER DELETE ON submissions BEGIN"
    BUMP_WS("old.offering_id", "old.user_id") " END;\n"
    "CREATE TRIGGER ws_post_insert AFTER INSERT ON posts BEGIN" BUMP_WS_POST("new") " END;\n"
    "CREATE TRIGGER ws_post_gone AFTER UPDATE OF deleted_at, thread_id ON posts BEGIN" BUMP_WS_POST("new")
    BUMP_WS_POST("old") " END;\n"
    "CREATE TRIGGER ws_post_delete AFTER DELETE ON posts BEGIN" BUMP_WS_POST("old") " END;\n",
#undef BUMP_WS
#undef BUMP_WS_POST
    /* 22: cohort_versions, the counter of everything about an offering's
    ** cohort that its coaches' pages (the landing page, the queue, the
    ** roster) show and discuss_versions does not count: seats, progress,
    ** submissions and their decisions, visits, messages, sign-offs,
    ** certificates, queue marks, and the name, e-mail, time zone, role or
    ** removal of anyone seated in it or on its staff. Moved by triggers in
    ** the transaction of the change, like those of 21. A role moving to or
    ** from staff moves every offering's: staff facilitate all of them, and
    ** the queue leaves out what facilitators write. */
    "CREATE TABLE cohort_versions(\n"
    "  offering_id INTEGER PRIMARY KEY,\n"
    "  version INTEGER NOT NULL\n"
    ") STRICT;\n"
#define BUMP_COHORT(o)                                                                                           \
    " INSERT INTO cohort_versions(offering_id, version) VALUES (" o ", 1)"                                       \
    " ON CONFLICT(offering_id) DO UPDATE SET version = version + 1;"
#define COHORT_TRIGGERS(t)                                                                                       \
    "CREATE TRIGGER cohort_" t "_insert AFTER INSERT ON " t " BEGIN" BUMP_COHORT("new.offering_id") " END;\n"   \
    "CREATE TRIGGER cohort_" t "_update AFTER UPDATE ON " t " BEGIN" BUMP_COHORT("new.offering_id")             \
    " UPDATE cohort_versions SET version = version + 1 WHERE offering_id = old.offering_id"                     \
    " AND old.offering_id <> new.offering_id; END;\n"                                                          \
    "CREATE TRIGGER cohort_" t "_delete AFTER DELETE ON " t " BEGIN" BUMP_COHORT("old.offering_id") " END;\n"
    COHORT_TRIGGERS("enrolments") COHORT_TRIGGERS("progress") COHORT_TRIGGERS("submissions")
    COHORT_TRIGGERS("workspace_visits") COHORT_TRIGGERS("messages") COHORT_TRIGGERS("completions")
    COHORT_TRIGGERS("certificates") COHORT_TRIGGERS("queue_marks") COHORT_TRIGGERS("offering_staff")
    "CREATE TRIGGER cohort_users AFTER UPDATE OF name, email, time_zone, role, deleted_at ON users"
    " WHEN old.name IS NOT new.name OR old.email IS NOT new.email OR old.time_zone IS NOT new.time_zone"
    " OR old.role IS NOT new.role OR old.deleted_at IS NOT new.deleted_at BEGIN"
    " INSERT INTO cohort_versions(offering_id, version)"
    " SELECT x.offering_id, 1 FROM (SELECT offering_id FROM enrolments WHERE user_id = new.id"
    "   UNION SELECT offering_id FROM offering_staff WHERE user_id = new.id"
    "   UNION SELECT id FROM offerings WHERE old.role IS NOT new.role"
    "   AND 'staff' IN (old.role, new.role)) x WHERE 1"
    " ON CONFLICT(offering_id) DO UPDATE SET version = version + 1; END;\n",
#undef BUMP_COHORT
#undef COHORT_TRIGGERS
    /* 23: the offering's block in courses/calendar.txt as last published
    ** (publish.c's block_text; NULL before). Once the console owns an
    ** offering, a block unchanged since then is left aside, so the file
    ** still publishes; a block changed since is refused at its line. */
    "ALTER TABLE offerings ADD COLUMN file_block TEXT;\n",
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
