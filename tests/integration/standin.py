#!/usr/bin/python3
"""standin.py: a local stand-in for the payment provider, for tests.

It speaks the part of Stripe's API that Journeys uses (Checkout Sessions,
refunds), serves a small hosted payment page, and delivers webhooks signed
exactly as Stripe signs them:

    Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

It also answers a Discourse-compatible POST /invites.json, and test control
endpoints under /_test/ (see the table in Handler.ROUTES). Python 3 standard
library only. Everything it writes goes into --state-dir; SIGTERM or SIGINT
stops it cleanly.

    standin.py --port P --webhook-url URL --webhook-secret S --state-dir DIR
               [--api-key sk_...] [--invite-api-key K] [--invite-api-user U]

Behaviour kept close to Stripe's:
  * form bodies with bracket notation (line_items[0][price_data][currency]);
    unknown parameters and empty strings are refused with 400, as Stripe does;
  * errors are {"error": {"type", "message", "code"?, "param"?}};
  * Idempotency-Key on POST: the same key with the same parameters replays the
    first answer (header Idempotent-Replayed: true); with other parameters it
    is a 400 idempotency_error. Answers to requests that failed validation are
    not saved, and neither are failures injected with /_test/fail (they model
    a failure before the API started work), so a retry with the same key runs;
  * a session's url is null once it is no longer open;
  * a provider that hangs: after POST /_test/hang?count=N&seconds=S the next
    N API calls wait S seconds (or until POST /_test/release) before they are
    answered, as a provider that has stopped answering would;
  * webhooks are POSTed once, not followed through redirects, without proxies;
    the answer's status is recorded (0 when the endpoint could not be reached).
"""

import argparse
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import signal
import string
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1024 * 1024
ID_ALPHABET = string.ascii_letters + string.digits
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg",
                "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
SYMBOLS = {"usd": "$", "eur": "\u20ac", "gbp": "\u00a3", "cad": "CA$", "aud": "A$"}
SESSION_PARAMS = {"mode", "line_items", "success_url", "cancel_url",
                  "client_reference_id", "customer_email", "metadata",
                  "expires_at", "payment_method_types", "locale", "submit_type"}
LINE_ITEM_PARAMS = {"price_data", "quantity"}
PRICE_DATA_PARAMS = {"currency", "unit_amount", "product_data"}
PRODUCT_DATA_PARAMS = {"name", "description"}
REFUND_PARAMS = {"payment_intent", "amount", "reason", "metadata"}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def new_id(prefix, n=24):
    """A Stripe-style id: prefix followed by n random letters and digits."""
    return prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(n))


def sign_header(secret, t, body):
    """The Stripe-Signature header value for body (bytes) signed at time t."""
    mac = hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256)
    return "t=%d,v1=%s" % (t, mac.hexdigest())


def format_amount(amount, currency):
    """An amount in minor units as shown on the payment page: "$1,234.50"."""
    cur = currency.lower()
    if cur in ZERO_DECIMAL:
        text = "{:,}".format(amount)
    else:
        text = "{:,}.{:02d}".format(amount // 100, amount % 100)
    sym = SYMBOLS.get(cur)
    return sym + text if sym else text + " " + cur.upper()


class ApiError(Exception):
    """A Stripe-style error answer. saved: whether an idempotent replay
    should return it (False for validation errors, as Stripe does)."""

    def __init__(self, status, message, type_="invalid_request_error",
                 code=None, param=None, saved=False):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message}}
        if code:
            self.body["error"]["code"] = code
        if param:
            self.body["error"]["param"] = param
        self.saved = saved


def param_error(message, param=None, code="parameter_invalid"):
    """A 400 validation error about one parameter."""
    return ApiError(400, message, code=code, param=param)


def parse_form(raw):
    """Decode an urlencoded body into (flat pairs, nested params) the way
    Stripe reads bracket notation: a[b][0][c]=v. Runs of digit keys become
    lists (indices must run 0..n-1). Raises ApiError on malformed input."""
    try:
        text = raw.decode("ascii")
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True,
                                       encoding="utf-8", errors="strict",
                                       max_num_fields=1000)
    except (UnicodeDecodeError, ValueError) as exc:
        raise param_error("Invalid request body: %s" % exc) from None
    root = {}
    for key, value in pairs:
        m = KEY_RE.match(key)
        if not m:
            raise param_error("Invalid parameter name: %s" % key, key)
        parts = [m.group(1)] + re.findall(r"\[([^\[\]]*)\]", m.group(2))
        if "" in parts[1:]:
            raise param_error("Invalid array: %s" % key, key)
        node = root
        for part in parts[:-1]:
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                raise param_error("Invalid hash: %s" % key, key)
            node = nxt
        if isinstance(node.get(parts[-1]), dict):
            raise param_error("Invalid hash: %s" % key, key)
        node[parts[-1]] = value
    return pairs, listify(root, "")


def listify(node, path):
    """Turn dicts whose keys are all 0..n-1 into lists, recursively."""
    if not isinstance(node, dict):
        return node
    out = {k: listify(v, path + "[%s]" % k if path else k) for k, v in node.items()}
    if out and all(k.isdigit() for k in out):
        idx = sorted(int(k) for k in out)
        if idx != list(range(len(idx))):
            raise param_error("Invalid array: %s" % path, path)
        return [out[str(i)] for i in idx]
    return out


def check_known(params, allowed, prefix=""):
    """Refuse a parameter not in allowed, as Stripe does."""
    for key in params:
        if key not in allowed:
            name = "%s[%s]" % (prefix, key) if prefix else key
            raise param_error("Received unknown parameter: %s" % name, name,
                              code="parameter_unknown")


def check_no_empty(pairs):
    """Refuse empty values, except metadata ones (which unset a key)."""
    for key, value in pairs:
        if value == "" and not key.startswith("metadata["):
            raise param_error(
                "You passed an empty string for '%s'. We assume empty values are an "
                "attempt to unset a parameter; however '%s' cannot be unset. You should "
                "remove '%s' from your request or supply a non-empty value." % (key, key, key),
                key)


def want_int(value, param, minimum=0, maximum=99999999999):
    """An integer parameter (decimal digits) within bounds, or ApiError."""
    if not isinstance(value, str) or not value.isdigit() or len(value) > 15:
        raise param_error("Invalid integer: %s" % value, param)
    n = int(value)
    if n < minimum or n > maximum:
        what = "positive integer" if minimum > 0 else "integer"
        raise param_error("Invalid %s: %s" % (what, value), param)
    return n


def want_str(params, key, required=False, maximum=5000):
    """A string parameter, or None when absent and optional."""
    value = params.get(key)
    if value is None:
        if required:
            raise param_error("Missing required param: %s." % key, key,
                              code="parameter_missing")
        return None
    if not isinstance(value, str):
        raise param_error("Invalid string: %s" % key, key)
    if len(value) > maximum:
        raise param_error("Invalid string: %s... The maximum length is %d characters."
                          % (value[:20], maximum), key)
    return value


def want_url(params, key, required):
    """An absolute http(s) URL parameter."""
    value = want_str(params, key, required)
    if value is not None:
        u = urllib.parse.urlsplit(value)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise param_error("Not a valid URL", key, code="url_invalid")
    return value


def check_metadata(meta):
    """Stripe's metadata limits: 50 keys, keys of 40, values of 500 chars."""
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise param_error("Invalid metadata: must be a hash", "metadata")
    if len(meta) > 50:
        raise param_error("Invalid metadata: at most 50 keys", "metadata")
    for key, value in meta.items():
        if not isinstance(value, str):
            raise param_error("Invalid metadata[%s]" % key, "metadata")
        if len(key) > 40:
            raise param_error("Metadata keys can have a maximum length of 40 characters.",
                              "metadata")
        if len(value) > 500:
            raise param_error("Metadata values can have a maximum length of 500 characters.",
                              "metadata")
    return {k: v for k, v in meta.items() if v != ""}


class State:
    """Everything the stand-in remembers, guarded by lock. Webhooks are sent
    without holding the lock, so a receiver may call back into the API."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.sessions = {}     # id -> the session object, as the API shows it
        self.items = {}        # session id -> its line items (for the page)
        self.intents = {}      # payment intent id -> session id
        self.refunded = {}     # payment intent id -> cents refunded so far
        self.refunds = {}      # refund id -> refund object
        self.idem = {}         # idempotency key -> (fingerprint, status, body)
        self.events = []       # event records, in order
        self.events_by_id = {}
        self.requests = []     # API requests received
        self.failures = {}     # path -> [count, status]
        self.invites = []
        self.hang_count = 0    # the next this many API calls hang
        self.hang_seconds = 0.0
        self.hang_waiting = 0  # API calls hanging now
        self.hang_release = threading.Event()
        self.events_dir = os.path.join(args.state_dir, "events")
        os.makedirs(self.events_dir, exist_ok=True)

    def reset(self):
        """Forget everything (the state directory's files stay)."""
        with self.lock:
            for name in ("sessions", "items", "intents", "refunded", "refunds",
                         "idem", "events_by_id", "failures"):
                getattr(self, name).clear()
            del self.events[:]
            del self.requests[:]
            del self.invites[:]
            self.hang_count = 0
            self.hang_release.set()

    # ---- events and webhooks ----

    def make_event(self, type_, obj, event_id=None, crafted=False, body=None):
        """Create and remember an event for obj (a dict) with a fixed body;
        returns its record. Caller holds no lock."""
        event = {
            "id": event_id or new_id("evt_"),
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }
        raw = body if body is not None else json.dumps(event, indent=2).encode()
        record = {
            "id": event["id"], "type": type_, "created": event["created"],
            "session": obj.get("id") if isinstance(obj, dict) else None,
            "crafted": crafted, "status": None, "deliveries": [],
            "event": event, "body": raw,
        }
        with self.lock:
            self.events.append(record)
            self.events_by_id.setdefault(record["id"], record)
        path = os.path.join(self.events_dir, "%s-%d.json" % (record["id"], len(self.events)))
        with open(path, "wb") as f:
            f.write(raw)
        return record

    def deliver(self, record, sign="good", body=None):
        """POST the event to the webhook URL, signed per sign (good, bad,
        expired, none, tampered: signed body, delivered body differ), and
        record the answer's status. Returns that status (0: unreachable,
        None: no webhook URL)."""
        url = self.args.webhook_url
        sent = body if body is not None else record["body"]
        signed = record["body"] if sign == "tampered" else sent
        t = int(time.time())
        secret = self.args.webhook_secret
        if sign == "expired":
            t -= 600
        elif sign == "bad":
            secret = secret + "-forged"
        header = None if sign == "none" else sign_header(secret, t, signed)
        delivery = {"at": time.time(), "sign": sign, "signature": header,
                    "status": None, "error": None}
        if url:
            headers = {"Content-Type": "application/json; charset=utf-8",
                       "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                       "Cache-Control": "no-cache"}
            if header:
                headers["Stripe-Signature"] = header
            req = urllib.request.Request(url, data=sent, headers=headers, method="POST")
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                 NoRedirect())
            try:
                with opener.open(req, timeout=10) as resp:
                    resp.read(MAX_BODY)
                    delivery["status"] = resp.status
            except urllib.error.HTTPError as exc:
                delivery["status"] = exc.code
            except (urllib.error.URLError, OSError) as exc:
                delivery["status"] = 0
                delivery["error"] = str(exc)
        with self.lock:
            record["deliveries"].append(delivery)
            record["status"] = delivery["status"]
        with open(os.path.join(self.args.state_dir, "deliveries.jsonl"), "a") as f:
            f.write(json.dumps({"event": record["id"], "type": record["type"],
                                **delivery}) + "\n")
        return delivery["status"]

    def session_event(self, sid, type_, send=True):
        """Make an event of type_ for session sid's current state and
        deliver it when send. Returns the record."""
        with self.lock:
            obj = json.loads(json.dumps(self.sessions[sid]))
        record = self.make_event(type_, obj)
        if send:
            self.deliver(record)
        return record

    # ---- sessions ----

    def complete(self, sid):
        """Mark open session sid paid. Returns the session, or raises
        ApiError when it is unknown or not open."""
        with self.lock:
            sess = self.sessions.get(sid)
            if sess is None:
                raise no_such_session(sid)
            if sess["status"] != "open":
                raise ApiError(400, "This Checkout Session is no longer open (status '%s')."
                               % sess["status"], code="checkout_session_not_open", saved=True)
            pi = new_id("pi_test_")
            sess.update(status="complete", payment_status="paid", payment_intent=pi, url=None,
                        customer_details={"email": sess.get("customer_email")
                                          or "buyer@example.com", "name": None})
            self.intents[pi] = sid
            self.refunded[pi] = 0
            return dict(sess)

    def expire(self, sid):
        """Mark open session sid expired. Returns the session or raises."""
        with self.lock:
            sess = self.sessions.get(sid)
            if sess is None:
                raise no_such_session(sid)
            if sess["status"] != "open":
                raise ApiError(400, "Only Checkout Sessions with a status in [\"open\"] can be "
                               "expired. This Checkout Session has a status of \"%s\"."
                               % sess["status"], code="checkout_session_not_open", saved=True)
            sess.update(status="expired", url=None)
            return dict(sess)


def no_such_session(sid):
    """Stripe's error for an unknown session id."""
    return ApiError(404, "No such checkout.session: '%s'" % sid,
                    code="resource_missing", param="session")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Webhook deliveries do not follow redirects (a 3xx is recorded)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Handler(BaseHTTPRequestHandler):
    """One HTTP request. self.server.state is the shared State."""

    protocol_version = "HTTP/1.1"
    server_version = "standin/1"

    # (method, pattern, handler name); patterns match the path only.
    ROUTES = [
        ("POST", r"/v1/checkout/sessions", "api_create_session"),
        ("GET", r"/v1/checkout/sessions/([A-Za-z0-9_]+)", "api_get_session"),
        ("POST", r"/v1/checkout/sessions/([A-Za-z0-9_]+)/expire", "api_expire_session"),
        ("POST", r"/v1/refunds", "api_refund"),
        ("GET", r"/v1/refunds/([A-Za-z0-9_]+)", "api_get_refund"),
        ("GET", r"/pay/([A-Za-z0-9_]+)", "page_pay"),
        ("POST", r"/pay/([A-Za-z0-9_]+)", "page_pay_submit"),
        ("POST", r"/invites\.json", "invite"),
        ("GET", r"/_test/health", "t_health"),
        ("POST", r"/_test/complete/([A-Za-z0-9_]+)", "t_complete"),
        ("POST", r"/_test/expire/([A-Za-z0-9_]+)", "t_expire"),
        ("POST", r"/_test/resend/([A-Za-z0-9_]+)", "t_resend"),
        ("POST", r"/_test/send", "t_send"),
        ("GET", r"/_test/events", "t_events"),
        ("GET", r"/_test/requests", "t_requests"),
        ("POST", r"/_test/fail", "t_fail"),
        ("GET", r"/_test/invites", "t_invites"),
        ("POST", r"/_test/reset", "t_reset"),
        ("POST", r"/_test/hang", "t_hang"),
        ("GET", r"/_test/hang", "t_hang_state"),
        ("POST", r"/_test/release", "t_release"),
    ]

    # ---- plumbing ----

    @property
    def state(self):
        """The shared State."""
        return self.server.state

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's name)
        """Access log into the state directory, not stderr."""
        line = "%s %s\n" % (time.strftime("%H:%M:%S"), format % args)
        with open(os.path.join(self.state.args.state_dir, "access.log"), "a") as f:
            f.write(line)

    def do_GET(self):
        """Dispatch a GET."""
        self.dispatch("GET")

    def do_POST(self):
        """Dispatch a POST."""
        self.dispatch("POST")

    def do_DELETE(self):
        """Nothing is deleted here: 404 through dispatch."""
        self.dispatch("DELETE")

    def read_body(self):
        """The request body (Content-Length only), at most MAX_BODY bytes;
        None when too large."""
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = -1
        if self.headers.get("Transfer-Encoding"):
            n = -1  # chunked bodies are not supported here
        if n < 0 or n > MAX_BODY:
            self.close_connection = True
            return None
        return self.rfile.read(n) if n else b""

    def send(self, status, body, ctype="application/json", headers=None):
        """Answer with status and body (bytes, str, or JSON-able)."""
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body, indent=2) + "\n"
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype if "charset" in ctype or ctype.startswith(
            "application/json") else ctype + "; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def dispatch(self, method):
        """Route the request; API paths get failure injection, the request
        log, authentication and idempotency around their handler."""
        url = urllib.parse.urlsplit(self.path)
        self.url_path, self.query = url.path, urllib.parse.parse_qs(url.query)
        body = self.read_body()
        if body is None:
            self.send(413, {"error": {"type": "invalid_request_error",
                                      "message": "Request body too large."}})
            return
        self.body = body
        route, args = None, ()
        known_path = False
        for m, pattern, name in self.ROUTES:
            match = re.fullmatch(pattern, self.url_path)
            if match:
                known_path = True
                if m == method:
                    route, args = name, match.groups()
                    break
        record = None
        if not self.url_path.startswith("/_test/"):
            record = {"method": method, "path": self.url_path, "query": url.query,
                      "idempotency_key": self.headers.get("Idempotency-Key"),
                      "authorization": self.headers.get("Authorization"),
                      "content_type": self.headers.get("Content-Type"),
                      "form": {}, "status": None, "at": time.time()}
            if body and "urlencoded" in (self.headers.get("Content-Type") or ""):
                try:
                    record["form"] = dict(urllib.parse.parse_qsl(
                        body.decode("ascii"), keep_blank_values=True))
                except (UnicodeDecodeError, ValueError):
                    record["form"] = {"(undecodable)": body.decode("latin-1")}
            with self.state.lock:
                self.state.requests.append(record)
                fail = self.state.failures.get(self.url_path)
                injected = None
                if fail and fail[0] > 0:
                    fail[0] -= 1
                    injected = fail[1]
                hang = None
                if self.url_path.startswith("/v1/") and self.state.hang_count > 0:
                    self.state.hang_count -= 1
                    self.state.hang_waiting += 1
                    hang = (self.state.hang_release, self.state.hang_seconds)
            if hang:
                hang[0].wait(hang[1])
                with self.state.lock:
                    self.state.hang_waiting -= 1
            if injected:
                record["status"] = injected
                self.send(injected, {"error": {
                    "type": "api_error",
                    "message": "An error occurred with our connection to Stripe. "
                               "(injected by /_test/fail)"}})
                return
        try:
            if route is None:
                raise ApiError(404, "Unrecognized request URL (%s: %s)." % (method, self.url_path)
                               if known_path or self.url_path.startswith("/v1/") else
                               "Not found: %s" % self.url_path)
            if self.url_path.startswith("/v1/"):
                status, answer, extra = self.api(method, route, args)
            else:
                status, answer, extra = getattr(self, route)(*args)
        except ApiError as exc:
            status, answer, extra = exc.status, exc.body, {}
        except Exception as exc:  # a bug here: answer 500 and log it
            traceback.print_exc()
            status, answer, extra = 500, {"error": {"type": "api_error",
                                                    "message": "stand-in bug: %r" % exc}}, {}
        if record is not None:
            record["status"] = status
        if isinstance(answer, tuple):  # (content type, bytes) for pages
            self.send(status, answer[1], answer[0], extra)
        else:
            self.send(status, answer, headers=extra)

    def api(self, method, route, args):
        """Run an API handler with Stripe's authentication, form parsing and
        idempotency. Returns (status, body, headers)."""
        headers = {"Request-Id": new_id("req_", 14), "Stripe-Version": "2024-06-20"}
        self.authenticate()
        pairs, params = [], {}
        if method == "POST":
            ctype = self.headers.get("Content-Type") or ""
            if self.body and not ctype.startswith("application/x-www-form-urlencoded"):
                raise ApiError(400, "Invalid request: unsupported Content-Type %s." % ctype)
            pairs, params = parse_form(self.body)
            check_no_empty(pairs)
        key = self.headers.get("Idempotency-Key") if method == "POST" else None
        if key is not None and (len(key) > 255 or not key):
            raise param_error("Idempotency-Key must be 1..255 characters.")
        fingerprint = json.dumps([method, self.url_path, sorted(pairs)])
        st = self.state
        if key is not None:
            with st.lock:
                saved = st.idem.get(key)
            if saved:
                if saved[0] != fingerprint:
                    raise ApiError(
                        400, "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        "'%s' if you meant to execute a different request." % key,
                        type_="idempotency_error")
                headers["Idempotent-Replayed"] = "true"
                return saved[1], saved[2], headers
        try:
            status, answer = getattr(self, route)(params, *args)
        except ApiError as exc:
            if key is not None and exc.saved:
                with st.lock:
                    st.idem.setdefault(key, (fingerprint, exc.status, exc.body))
            raise
        if key is not None:
            with st.lock:
                if key in st.idem:  # a concurrent request with this key won
                    saved = st.idem[key]
                    headers["Idempotent-Replayed"] = "true"
                    return saved[1], saved[2], headers
                st.idem[key] = (fingerprint, status, answer)
        return status, answer, headers

    def authenticate(self):
        """Require "Authorization: Bearer sk_..." (and --api-key when given)."""
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            raise ApiError(401, "You did not provide an API key. You need to provide your "
                           "API key in the Authorization header, using Bearer auth (e.g. "
                           "'Authorization: Bearer YOUR_SECRET_KEY').")
        key = auth[7:].strip()
        want = self.state.args.api_key
        if not key.startswith("sk_") or (want and key != want):
            raise ApiError(401, "Invalid API Key provided: %s****%s" % (key[:8], key[-4:]),
                           code="api_key_invalid")

    # ---- the API ----

    def api_create_session(self, params):
        """POST /v1/checkout/sessions: validate as Stripe does, create."""
        check_known(params, SESSION_PARAMS)
        mode = want_str(params, "mode", required=True)
        if mode != "payment":
            raise param_error("The stand-in supports only mode=payment.", "mode")
        items = params.get("line_items")
        if items is None:
            raise param_error("Missing required param: line_items.", "line_items",
                              code="parameter_missing")
        if not isinstance(items, list) or not items or len(items) > 100:
            raise param_error("Invalid array: line_items", "line_items")
        currency, total, lines = None, 0, []
        for i, item in enumerate(items):
            where = "line_items[%d]" % i
            if not isinstance(item, dict):
                raise param_error("Invalid hash: %s" % where, where)
            check_known(item, LINE_ITEM_PARAMS, where)
            qty = want_int(want_str(item, "quantity", True), where + "[quantity]", 1, 999999)
            pd = item.get("price_data")
            if not isinstance(pd, dict):
                raise param_error("You must specify either `price` or `price_data` for each "
                                  "line item.", where + "[price_data]",
                                  code="parameter_missing")
            check_known(pd, PRICE_DATA_PARAMS, where + "[price_data]")
            cur = want_str(pd, "currency", True)
            if not re.fullmatch(r"[A-Za-z]{3}", cur):
                raise param_error("Invalid currency: %s" % cur, where + "[price_data][currency]")
            cur = cur.lower()
            if currency and cur != currency:
                raise param_error("All line items must use the same currency.",
                                  where + "[price_data][currency]")
            currency = cur
            unit = want_int(want_str(pd, "unit_amount", True),
                            where + "[price_data][unit_amount]", 0, 99999999)
            prod = pd.get("product_data")
            if not isinstance(prod, dict):
                raise param_error("Missing required param: %s[price_data][product_data]."
                                  % where, where + "[price_data][product_data]",
                                  code="parameter_missing")
            check_known(prod, PRODUCT_DATA_PARAMS, where + "[price_data][product_data]")
            name = want_str(prod, "name", True, 250)
            desc = want_str(prod, "description", False, 500)
            total += unit * qty
            lines.append({"name": name, "description": desc, "quantity": qty,
                          "unit_amount": unit})
        success = want_url(params, "success_url", True)
        cancel = want_url(params, "cancel_url", False)
        ref = want_str(params, "client_reference_id", False, 200)
        email = want_str(params, "customer_email", False, 512)
        if email is not None and not EMAIL_RE.match(email):
            raise param_error("Invalid email address: %s" % email, "customer_email",
                              code="email_invalid")
        meta = check_metadata(params.get("metadata"))
        now = int(time.time())
        expires = now + 86400
        if "expires_at" in params:
            expires = want_int(want_str(params, "expires_at"), "expires_at", 1, 10**12)
            if expires < now + 1800:
                raise param_error("The `expires_at` timestamp must be at least 30 minutes "
                                  "from Checkout Session creation.", "expires_at")
            if expires > now + 86400:
                raise param_error("The `expires_at` timestamp must be less than 24 hours "
                                  "from Checkout Session creation.", "expires_at")
        sid = new_id("cs_test_", 58)
        sess = {
            "id": sid, "object": "checkout.session",
            "amount_subtotal": total, "amount_total": total,
            "cancel_url": cancel, "client_reference_id": ref, "created": now,
            "currency": currency, "customer_details": None, "customer_email": email,
            "expires_at": expires, "livemode": False, "metadata": meta, "mode": "payment",
            "payment_intent": None, "payment_method_types": ["card"],
            "payment_status": "unpaid", "status": "open", "success_url": success,
            "url": "http://127.0.0.1:%d/pay/%s" % (self.server.server_port, sid),
        }
        with self.state.lock:
            self.state.sessions[sid] = sess
            self.state.items[sid] = lines
            return 200, dict(sess)

    def api_get_session(self, params, sid):
        """GET /v1/checkout/sessions/{id}."""
        with self.state.lock:
            sess = self.state.sessions.get(sid)
            if sess is None:
                raise no_such_session(sid)
            return 200, dict(sess)

    def api_expire_session(self, params, sid):
        """POST /v1/checkout/sessions/{id}/expire: only an open session;
        sends checkout.session.expired."""
        check_known(params, set())
        sess = self.state.expire(sid)
        self.state.session_event(sid, "checkout.session.expired")
        return 200, sess

    def api_refund(self, params):
        """POST /v1/refunds: payment_intent, optional amount (default: what
        remains); refuses more than remains."""
        check_known(params, REFUND_PARAMS)
        pi = want_str(params, "payment_intent", True)
        amount = None
        if "amount" in params:
            amount = want_int(want_str(params, "amount"), "amount", 1)
        check_metadata(params.get("metadata"))
        st = self.state
        with st.lock:
            sid = st.intents.get(pi)
            if sid is None:
                raise ApiError(400, "No such payment_intent: '%s'" % pi,
                               code="resource_missing", param="payment_intent", saved=True)
            sess = st.sessions[sid]
            total = sess["amount_total"]
            remaining = total - st.refunded[pi]
            if remaining <= 0:
                raise ApiError(400, "Charge for payment intent %s has already been refunded."
                               % pi, code="charge_already_refunded", saved=True)
            if amount is None:
                amount = remaining
            if amount > remaining:
                cur = sess["currency"]
                raise ApiError(400, "Refund amount (%s) is greater than unrefunded amount on "
                               "charge (%s)" % (format_amount(amount, cur),
                                                format_amount(remaining, cur)),
                               code="amount_too_large", param="amount", saved=True)
            st.refunded[pi] += amount
            refund = {"id": new_id("re_"), "object": "refund", "amount": amount,
                      "currency": sess["currency"], "created": int(time.time()),
                      "payment_intent": pi, "reason": params.get("reason"),
                      "metadata": check_metadata(params.get("metadata")),
                      "status": "succeeded"}
            st.refunds[refund["id"]] = refund
            return 200, dict(refund)

    def api_get_refund(self, params, rid):
        """GET /v1/refunds/{id}."""
        with self.state.lock:
            refund = self.state.refunds.get(rid)
            if refund is None:
                raise ApiError(404, "No such refund: '%s'" % rid, code="resource_missing",
                               param="id")
            return 200, dict(refund)

    # ---- the hosted payment page ----

    def page(self, status, title, body_html):
        """A complete HTML page answer."""
        doc = ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>%s</title>\n<style>body{font-family:system-ui,sans-serif;max-width:32rem;"
               "margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
               "button{font-size:1.1rem;padding:.6rem 1.4rem;background:#0a5;color:#fff;"
               "border:0;border-radius:.3rem}dt{font-weight:600}"
               ".note{color:#555;font-size:.9rem}"
               ".test{background:#fff3cd;border:2px solid #8a6d00;padding:.6rem .8rem;"
               "border-radius:.3rem}</style>\n</head>\n<body>\n<main>\n%s</main>\n"
               "</body>\n</html>\n") % (html.escape(title), body_html)
        return status, ("text/html", doc), {"Cache-Control": "no-store"}

    def page_pay(self, sid):
        """GET /pay/{id}: the payment page for an open session."""
        with self.state.lock:
            sess = self.state.sessions.get(sid)
            sess = dict(sess) if sess else None
            lines = list(self.state.items.get(sid, []))
        if sess is None:
            return self.page(404, "Checkout not found",
                             "<h1>Checkout not found</h1>\n<p>There is no checkout at this "
                             "address.</p>\n")
        if sess["status"] != "open":
            return self.page(200, "Checkout no longer available",
                             "<h1>This checkout is no longer available</h1>\n<p>Its status is "
                             "<strong>%s</strong>.</p>\n" % html.escape(sess["status"]))
        amount = format_amount(sess["amount_total"], sess["currency"])
        e = html.escape
        parts = ["<p class=\"test\" role=\"note\"><strong>TEST payment provider.</strong> "
                 "This page is a stand-in for the payment provider, for development and "
                 "tests: no card is asked for or charged, and no money moves.</p>\n",
                 "<h1>Checkout (test)</h1>\n<dl>\n"]
        for line in lines:
            parts.append("<dt>%s</dt>\n" % e(line["name"]))
            if line["description"]:
                parts.append("<dd>%s</dd>\n" % e(line["description"]))
        parts.append("<dt>Amount</dt>\n<dd>%s</dd>\n" % e(amount))
        if sess.get("customer_email"):
            parts.append("<dt>Email</dt>\n<dd>%s</dd>\n" % e(sess["customer_email"]))
        parts.append("</dl>\n<form method=\"post\" action=\"/pay/%s\">\n"
                     "<button type=\"submit\">Pay %s</button>\n</form>\n" % (e(sid), e(amount)))
        if sess.get("cancel_url"):
            parts.append("<p><a href=\"%s\">Cancel</a></p>\n" % e(sess["cancel_url"]))
        return self.page(200, "TEST provider: pay %s" % amount, "".join(parts))

    def page_pay_submit(self, sid):
        """POST /pay/{id}: pay; deliver checkout.session.completed, THEN
        redirect (303) to success_url with {CHECKOUT_SESSION_ID} replaced.
        A session past its expires_at is expired instead."""
        st = self.state
        with st.lock:
            sess = st.sessions.get(sid)
            late = bool(sess) and sess["status"] == "open" and time.time() >= sess["expires_at"]
        if late:
            try:
                st.expire(sid)
                st.session_event(sid, "checkout.session.expired")
            except ApiError:
                pass
        try:
            sess = st.complete(sid)
        except ApiError as exc:
            return self.page(exc.status if exc.status != 400 else 409,
                             "Payment not possible",
                             "<h1>Payment not possible</h1>\n<p>%s</p>\n"
                             % html.escape(exc.body["error"]["message"]))
        st.session_event(sid, "checkout.session.completed")
        location = sess["success_url"].replace("{CHECKOUT_SESSION_ID}", sid)
        return 303, ("text/plain", "See " + location + "\n"), {"Location": location}

    # ---- the community invite endpoint (Discourse-compatible) ----

    def invite(self):
        """POST /invites.json: Api-Key and Api-Username required; email
        from a JSON or form body; the same email twice is a 422."""
        key = self.headers.get("Api-Key") or ""
        user = self.headers.get("Api-Username") or ""
        args = self.state.args
        if not key or not user or (args.invite_api_key and key != args.invite_api_key) or \
                (args.invite_api_user and user != args.invite_api_user):
            return 403, {"errors": ["You are not permitted to view the requested resource. "
                                    "The API username or key is invalid."],
                         "error_type": "invalid_access"}, {}
        ctype = self.headers.get("Content-Type") or ""
        try:
            if ctype.startswith("application/json"):
                params = json.loads(self.body.decode("utf-8") or "{}")
                if not isinstance(params, dict):
                    raise ValueError("not an object")
            else:
                params = dict(urllib.parse.parse_qsl(self.body.decode("utf-8"),
                                                     keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            return 400, {"errors": ["The request could not be parsed."],
                         "error_type": "invalid_parameters"}, {}
        email = params.get("email")
        if not isinstance(email, str) or not email.strip():
            return 400, {"errors": ["param is missing or the value is empty: email"],
                         "error_type": "invalid_parameters"}, {}
        email = email.strip()
        if not EMAIL_RE.match(email):
            return 422, {"errors": ["Email is invalid"]}, {}
        with self.state.lock:
            if any(i["email"].lower() == email.lower() for i in self.state.invites):
                return 422, {"errors": ["%s has already been invited" % email]}, {}
            self.state.invites.append({"email": email, "api_username": user,
                                       "params": params, "at": time.time()})
        return 200, {"success": "OK"}, {}

    # ---- test control ----

    def flag(self, name, default):
        """Query parameter name as a string, or default."""
        values = self.query.get(name)
        return values[-1] if values else default

    def t_health(self):
        """GET /_test/health."""
        return 200, {"ok": True, "port": self.server.server_port}, {}

    def t_complete(self, sid):
        """POST /_test/complete/{id}?send=0|1: pay without the browser;
        send=0 creates the event but withholds the webhook."""
        sess = self.state.complete(sid)
        record = self.state.session_event(sid, "checkout.session.completed",
                                          self.flag("send", "1") != "0")
        return 200, {"session": sess, "event": record["id"], "status": record["status"]}, {}

    def t_expire(self, sid):
        """POST /_test/expire/{id}?send=0|1: expire as if expires_at had
        passed (the provider's own expiry), with its webhook."""
        sess = self.state.expire(sid)
        record = self.state.session_event(sid, "checkout.session.expired",
                                          self.flag("send", "1") != "0")
        return 200, {"session": sess, "event": record["id"], "status": record["status"]}, {}

    def t_resend(self, eid):
        """POST /_test/resend/{event_id}?sign=..: the same event body again,
        newly signed (good by default)."""
        with self.state.lock:
            record = self.state.events_by_id.get(eid)
        if record is None:
            raise ApiError(404, "No such event: '%s'" % eid, code="resource_missing")
        status = self.state.deliver(record, self.flag("sign", "good"))
        return 200, {"event": eid, "status": status}, {}

    def t_send(self):
        """POST /_test/send with JSON {"type", "session" or "object",
        "overrides", "sign": good|bad|expired|none|tampered, "id", "body"}:
        deliver a crafted event. overrides are merged into a copy of the
        session (the stored session is unchanged); "id" reuses an event id;
        "body" sends that exact text instead of the event JSON."""
        try:
            req = json.loads(self.body.decode("utf-8") or "{}")
            if not isinstance(req, dict):
                raise ValueError("not an object")
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, "Body must be a JSON object: %s" % exc) from None
        sign = req.get("sign", "good")
        if sign not in ("good", "bad", "expired", "none", "tampered"):
            raise ApiError(400, "sign must be good, bad, expired, none or tampered")
        type_ = req.get("type") or "checkout.session.completed"
        if "object" in req:
            obj = req["object"]
        else:
            with self.state.lock:
                sess = self.state.sessions.get(req.get("session"))
                if sess is None:
                    raise no_such_session(req.get("session"))
                obj = json.loads(json.dumps(sess))
        overrides = req.get("overrides") or {}
        if not isinstance(overrides, dict) or not isinstance(obj, dict):
            raise ApiError(400, "object and overrides must be JSON objects")
        raw = req.get("body")
        if raw is not None and (not isinstance(raw, str) or sign == "tampered"):
            raise ApiError(400, "body must be a string, and cannot be combined with tampered")
        if sign == "tampered":
            record = self.state.make_event(type_, obj, req.get("id"), crafted=True)
            tampered = json.loads(record["body"])
            tampered["data"]["object"].update(overrides)
            sent = json.dumps(tampered, indent=2).encode()
            status = self.state.deliver(record, "tampered", body=sent)
        else:
            obj = dict(obj, **overrides)
            record = self.state.make_event(type_, obj, req.get("id"), crafted=True,
                                           body=raw.encode() if isinstance(raw, str) else None)
            status = self.state.deliver(record, sign)
        return 200, {"event": record["id"], "status": status}, {}

    def t_events(self):
        """GET /_test/events[?type=..][&session=..]: events in order, each with
        the status its webhook answered (null: not delivered)."""
        want_type, want_sess = self.flag("type", None), self.flag("session", None)
        with self.state.lock:
            out = []
            for r in self.state.events:
                if (want_type and r["type"] != want_type) or \
                        (want_sess and r["session"] != want_sess):
                    continue
                item = {k: v for k, v in r.items() if k != "body"}
                item["body"] = r["body"].decode("utf-8", "replace")
                item["deliveries"] = [dict(d) for d in r["deliveries"]]
                out.append(item)
        return 200, out, {}

    def t_requests(self):
        """GET /_test/requests[?path=..]: API requests received, in order."""
        want = self.flag("path", None)
        with self.state.lock:
            out = [dict(r) for r in self.state.requests if not want or r["path"] == want]
        return 200, out, {}

    def t_fail(self):
        """POST /_test/fail?path=..&count=N[&status=500]: the next N calls
        to path answer status (500 by default)."""
        path = self.flag("path", None)
        try:
            count = int(self.flag("count", "1"))
            status = int(self.flag("status", "500"))
        except ValueError:
            raise ApiError(400, "count and status must be integers") from None
        if not path or not path.startswith("/") or count < 0 or not 400 <= status <= 599:
            raise ApiError(400, "path must start with / and status be 400..599")
        with self.state.lock:
            self.state.failures[path] = [count, status]
        return 200, {"path": path, "count": count, "status": status}, {}

    def t_hang(self):
        """POST /_test/hang?count=N&seconds=S: the next N API calls (under
        /v1/) wait S seconds (25 by default) or until /_test/release."""
        try:
            count = int(self.flag("count", "1"))
            seconds = float(self.flag("seconds", "25"))
        except ValueError:
            raise ApiError(400, "count and seconds must be numbers") from None
        if count < 0 or not 0 <= seconds <= 600:
            raise ApiError(400, "count must be 0 or more and seconds 0..600")
        with self.state.lock:
            self.state.hang_count = count
            self.state.hang_seconds = seconds
            self.state.hang_release = threading.Event()
        return 200, {"count": count, "seconds": seconds}, {}

    def t_hang_state(self):
        """GET /_test/hang: {"count": calls still to hang, "waiting": calls
        hanging now}."""
        with self.state.lock:
            return 200, {"count": self.state.hang_count, "waiting": self.state.hang_waiting}, {}

    def t_release(self):
        """POST /_test/release: answer the hanging calls now and hang no
        more."""
        with self.state.lock:
            self.state.hang_count = 0
            self.state.hang_release.set()
            waiting = self.state.hang_waiting
        return 200, {"released": waiting}, {}

    def t_invites(self):
        """GET /_test/invites: invitations received, in order."""
        with self.state.lock:
            return 200, [dict(i) for i in self.state.invites], {}

    def t_reset(self):
        """POST /_test/reset: forget all state."""
        self.state.reset()
        return 200, {"ok": True}, {}


def main():
    """Parse arguments, serve until SIGTERM/SIGINT, exit 0."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--webhook-url", default="")
    ap.add_argument("--webhook-secret", required=True)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--api-key", default="", help="accept only this secret key")
    ap.add_argument("--invite-api-key", default="")
    ap.add_argument("--invite-api-user", default="")
    args = ap.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args)

    def stop(signum, frame):
        """Stop serving; shutdown() must run outside serve_forever's thread."""
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(os.path.join(args.state_dir, "standin.pid"), "w") as f:
        f.write("%d\n" % os.getpid())
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
