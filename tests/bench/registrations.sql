-- registrations.sql: turn the rows of temp.regs(k, offering_id, user_id,
-- starts) into registrations with their payments, refunds, provider events
-- and audit lines, as the site would have left them. Read by filldb.sh
-- inside its one transaction, after it filled temp.regs; temp.fill holds
-- the clock (now) and the shared password hash.
--
-- Each registration's fate follows k % 20: 15 in 20 active and paid, 1
-- active with the fee waived, 2 cancelled before paying, 1 refunded in
-- full, 1 on the waiting list. None is pending or offered, so the sweep of
-- lapsed holds finds nothing to do while the bench runs.

DROP TABLE IF EXISTS temp.made;
CREATE TEMP TABLE made(
  id INTEGER PRIMARY KEY,
  k INTEGER NOT NULL,
  offering_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  fate TEXT NOT NULL,
  at INTEGER NOT NULL
);
INSERT INTO temp.made(id, k, offering_id, user_id, fate, at)
SELECT (SELECT COALESCE(max(id), 0) FROM main.enrolments) + row_number() OVER (ORDER BY r.k),
       r.k, r.offering_id, r.user_id,
       CASE WHEN r.k % 20 < 15 THEN 'paid' WHEN r.k % 20 = 15 THEN 'waived'
            WHEN r.k % 20 < 18 THEN 'cancelled' WHEN r.k % 20 = 18 THEN 'refunded'
            ELSE 'waitlisted' END,
       -- registered between 1 and 50 days before the offering starts (or
       -- before now, for offerings still to come)
       min(unixepoch(r.starts), (SELECT now FROM temp.fill)) - 86400 * (1 + r.k % 50) - r.k % 86400
FROM temp.regs r;

INSERT INTO main.enrolments(id, offering_id, user_id, status, payment_status, amount_cents, currency,
                            code_id, hold_until, offer_until, created_at, updated_at, activated_at, code_held)
SELECT m.id, m.offering_id, m.user_id,
       CASE m.fate WHEN 'paid' THEN 'active' WHEN 'waived' THEN 'active' ELSE m.fate END,
       CASE m.fate WHEN 'paid' THEN 'paid' WHEN 'waived' THEN 'waived' WHEN 'refunded' THEN 'refunded'
                   ELSE 'unpaid' END,
       CASE m.fate WHEN 'waived' THEN 0 ELSE o.price_cents END, o.currency,
       NULL, NULL, NULL, m.at, m.at + 600,
       CASE WHEN m.fate IN ('paid', 'waived', 'refunded') THEN m.at + 300 END, 0
FROM temp.made m JOIN main.offerings o ON o.id = m.offering_id
ORDER BY m.id;

-- One checkout per paid or refunded registration.
INSERT INTO main.payments(id, enrolment_id, provider_session, provider_intent, amount_cents, currency, status,
                          refunded_cents, checkout_url, created_at, updated_at)
SELECT (SELECT COALESCE(max(id), 0) FROM main.payments) + row_number() OVER (ORDER BY m.id),
       m.id, printf('cs_fill_%d', m.id), printf('pi_fill_%d', m.id), e.amount_cents, e.currency,
       CASE m.fate WHEN 'refunded' THEN 'refunded' ELSE 'paid' END,
       CASE m.fate WHEN 'refunded' THEN e.amount_cents ELSE 0 END,
       printf('https://checkout.invalid/cs_fill_%d', m.id), m.at + 60, m.at + 300
FROM temp.made m JOIN main.enrolments e ON e.id = m.id
WHERE m.fate IN ('paid', 'refunded')
ORDER BY m.id;

INSERT INTO main.payment_events(event_id, type, payment_id, received_at)
SELECT printf('evt_fill_%d', p.id), 'checkout.session.completed', p.id, p.updated_at
FROM temp.made m JOIN main.payments p ON p.enrolment_id = m.id;

INSERT INTO main.refunds(payment_id, provider_refund, amount_cents, staff_id, created_at, status, reason, settled_at)
SELECT p.id, printf('re_fill_%d', p.id), p.amount_cents, NULL, m.at + 86400, 'done', 'requested by the participant',
       m.at + 86460
FROM temp.made m JOIN main.payments p ON p.enrolment_id = m.id
WHERE m.fate = 'refunded';

-- The audit lines each fate leaves behind.
INSERT INTO main.audit_log(at, actor_id, action, subject, detail)
SELECT at, actor, action, 'enrolment:' || id, detail FROM (
  SELECT m.id, m.at AS at, m.user_id AS actor, 1 AS n,
         CASE m.fate WHEN 'waitlisted' THEN 'registration.waitlisted' ELSE 'registration.created' END AS action,
         NULL AS detail
  FROM temp.made m
  UNION ALL
  SELECT m.id, m.at + 300, NULL, 2, 'payment.paid', printf('%d.%02d USD via checkout', o.price_cents / 100,
         o.price_cents % 100)
  FROM temp.made m JOIN main.offerings o ON o.id = m.offering_id WHERE m.fate IN ('paid', 'refunded')
  UNION ALL
  SELECT m.id, m.at + 300, NULL, 3, 'registration.activated',
         CASE m.fate WHEN 'waived' THEN 'payment waived' ELSE 'payment paid' END
  FROM temp.made m WHERE m.fate IN ('paid', 'waived', 'refunded')
  UNION ALL
  SELECT m.id, m.at + 600, m.user_id, 4, 'registration.cancelled', NULL
  FROM temp.made m WHERE m.fate IN ('cancelled', 'refunded')
  UNION ALL
  SELECT m.id, m.at + 86400, m.user_id, 5, 'payment.refund-started', NULL
  FROM temp.made m WHERE m.fate = 'refunded'
  UNION ALL
  SELECT m.id, m.at + 86460, NULL, 6, 'payment.refunded', NULL
  FROM temp.made m WHERE m.fate = 'refunded'
) ORDER BY id, n;

DROP TABLE temp.made;
DELETE FROM temp.regs;
