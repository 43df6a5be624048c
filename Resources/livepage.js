// livepage.js: the browser client of LivePage, protocol version 1 (PROTOCOL.md).
//
// It keeps a page live: it long-polls the server for DOM events and applies each one
// exactly once, sends the page's input, keeps "who is online" elements up to date, and
// survives a server that goes away and comes back. Plain JavaScript, no dependencies,
// one global: `LivePage`.
//
//   LivePage.start({ prefix: "/livepage" })      // register this page and start
//   LivePage.send("append", { id: "target", html: "hello" })
//   LivePage.on("score", (event) => { ... })      // a custom verb
//   sendEvent("append", "target", this.value)     // the original shorthand
//
// A page the server rendered gets `LivePage.start({client, after, ...})` written into
// it and polls at once; any other page registers its own client.
//
// The tabs of one browser share one long-poll (`POST {prefix}/poll`), held by one tab
// that leads (see "One poll for all the tabs of a browser"), so that ten tabs do not
// take the six connections a browser opens per host. A page that goes into the
// back/forward cache keeps its client and, restored, catches up before it shows itself
// connected; one that lost its client reloads.
//
// Events: append, prepend, update, replace, remove, before, after, text, attribute,
// morph, addClass, removeClass, toggleClass, refresh and presence are applied as
// PROTOCOL.md says (HTML is parsed in a <template>, so scripts in it do not run); any
// other verb goes to the page's `LivePage.on` handlers. `morph` changes only what differs
// and keeps what the visitor is doing (focus, caret, typed values, open details, scroll);
// `limit` on append and prepend keeps a list short; `refresh` reloads the page, at most
// once per 30 s.
//
// Page input (an event with `from`, which the server sets on every input event and on
// no other) is held to what SECURITY.md promises, whatever server sent it: it never
// touches a script, style, template, iframe, noscript or textarea element or anything
// inside one, and never sets an attribute that runs or loads something unless the page
// allows that name (`inputAttributes`). Such an event is skipped with a console warning;
// its seq still counts as applied. Events without `from` (a publisher's, the
// application's) are trusted and applied as given.
//
// Connection state: `data-livepage-state` on <html> ("connecting", "connected",
// "reconnecting", "gone", "refused" or "stopped"), and the DOM events
// `livepage:connecting`, `livepage:connected`, `livepage:reconnecting`, `livepage:gone`,
// `livepage:refused` and `livepage:stopped` on `document`, each with
// `event.detail.state` (and `status`, `retryIn`, `reason` where they apply). When the
// client is gone (410) the page reloads, at most once per 30 s; `LivePage.on("gone", fn)`,
// `preventDefault()` on `livepage:gone`, or the option `reload: false` keep it from
// reloading. "refused": the server does not allow pages of this origin
// (`--allowed-origin`); the page stops.
//
// Who is online, for elements with a `data-livepage-online` attribute:
//   <ul data-livepage-online></ul>                   one <li data-principal="ID"> per principal (its display name as text)
//   <div data-livepage-online="list"></div>           the same with <span> children
//   <span data-livepage-online="count"></span>        the number of distinct principals
//   <span data-livepage-online="anonymous"></span>    the number of anonymous clients
//   <span data-livepage-online="total"></span>        both added up
// A list that the server reduced to counts (a location above its list limit) is emptied
// and gets the attribute `data-livepage-counts-only`.
(function (global) {
  "use strict";

  if (global.LivePage) return; // loaded twice: keep the first

  const document = global.document;

  /** Backoff after a failed request: full jitter between these, doubling per try (ms). */
  const BACKOFF_FIRST = 500;
  const BACKOFF_MAX = 20000;
  /** A poll is given up (and retried) this long after the server should have answered (ms). */
  const POLL_SLACK_MIN = 5000;
  /** Registration and the reconnect probe, which the server answers at once, are given
   *  up after this long (ms). */
  const REQUEST_TIMEOUT = 10000;
  /** Reload at most once per this long, so that a page that keeps losing its client
   *  does not reload in a loop (ms). */
  const RELOAD_INTERVAL = 30000;
  const RELOAD_KEY = "livepage:reloaded-at";

  // ---------------------------------------------------------------------------------
  // State

  /** What `start` was given, with defaults filled in. */
  let options = null;
  /** The client id, the bearer secret of this page's client; null until registered. */
  let client = null;
  /** The highest seq applied. */
  let after = 0;
  /** The server's long-poll interval, in seconds. */
  let refresh = 25;
  /** Whether the page registered its client itself (and so can do it again). */
  let registersItself = false;
  /** Bumped whenever the page starts over (new client, stop), so that a stale poll loop
   *  or timer of an earlier run notices and ends. */
  let generation = 0;
  /** The poll in flight, to abort on stop or pagehide. */
  let pollAbort = null;
  /** The backoff timer, what it will run, and the number of failures in a row. */
  let retryTimer = null;
  let retryPending = null;
  let failures = 0;
  /** The connection state shown on <html>. */
  let state = "stopped";
  /** Promise of a registered client, awaited by `send` while registering. */
  let ready = null;
  let resolveReady = null;
  /** verb -> [handler] */
  const handlers = new Map();
  /** The principals of the last presence list, and whether it is counts only. */
  let online = new Set();
  let onlineCountsOnly = false;
  /** Display names by principal, from presence events' `names`. */
  let displayNames = new Map();
  /** The guarded attribute names input may set on this page (`inputAttributes`), lowercase. */
  let inputAttributeNames = new Set();

  // ---------------------------------------------------------------------------------
  // Connection state

  /** Sets the state on <html> and dispatches `livepage:<state>` when it changes. */
  function setState(next, detail) {
    if (next === state) return;
    const previous = state;
    state = next;
    document.documentElement.setAttribute("data-livepage-state", next);
    const eventDetail = Object.assign({ state: next, previous: previous }, detail || {});
    document.dispatchEvent(new CustomEvent("livepage:" + next, { detail: eventDetail }));
  }

  /** A new `ready` promise for a new client; `send` calls still waiting for the
   *  previous one get the new client too. */
  function newReady() {
    const previous = resolveReady;
    ready = new Promise((resolve) => {
      resolveReady = (id) => {
        resolve(id);
        if (previous) previous(id);
      };
    });
  }

  // ---------------------------------------------------------------------------------
  // Starting, registering, stopping

  /**
   * Starts the page's connection.
   *
   * A page the server rendered passes `client` and `after` (written into the page with
   * the server's `PageSession`), and polling starts at once. Otherwise the page
   * registers its client with `POST {prefix}/clients` first.
   *
   * options:
   *   prefix    where the LivePage routes are: "/livepage" (default), or a full URL
   *             such as "https://live.example.com/livepage" for a page of another origin
   *             (that origin must be an allowed origin of the server)
   *   client, after, refresh   from a server-rendered page
   *   location  what the page shows (default location.pathname)
   *   principal the user, in open mode; or
   *   token     a JWT, in token mode: a string, or a function returning one (or a
   *             promise of one), called at each registration
   *   presence  "list", "count" or "none" (default "list" when the page has an element
   *             with data-livepage-online, else "none")
   *   reload    false: never reload the page, on 410 or on `refresh` (default true; see
   *             `on("gone")` and `on("refresh")`)
   *   shareTabs false: this tab polls alone, not through the tabs' shared poll (default
   *             true)
   *   inputAttributes  attribute names that events from page input may set although they
   *             are refused by default (`href`, `src`, `type`, ...: see GUARDED_ATTRIBUTES),
   *             for pages whose application allows them on the server too; default none.
   *             Event handlers (on*), srcdoc, sandbox and allow are refused even if listed.
   */
  function start(given) {
    if (options) stop(false);
    const opts = Object.assign({}, given || {});
    opts.prefix = (opts.prefix || "/livepage").replace(/\/+$/, "");
    opts.location = opts.location || global.location.pathname;
    if (opts.reload === undefined) opts.reload = true;
    inputAttributeNames = new Set([].concat(opts.inputAttributes || []).map((name) => asciiLowercase(String(name))));
    options = opts;
    listenToPageLifecycle();
    if (opts.shareTabs !== false) joinSharing();
    newReady();
    generation += 1;
    failures = 0;
    if (opts.client) {
      client = String(opts.client);
      after = Number(opts.after) || 0;
      refresh = Number(opts.refresh) || 25;
      registersItself = false;
      // The server rendered this page a moment ago, so it is reachable.
      resolveReady(client);
      setState("connected");
      poll(generation);
    } else {
      registersItself = true;
      whenDocumentReady(() => register(generation));
    }
  }

  function whenDocumentReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn, { once: true });
    } else {
      fn();
    }
  }

  /** The presence mode asked for at registration. */
  function presenceMode() {
    if (options.presence) return options.presence;
    return document.querySelector("[data-livepage-online]") ? "list" : "none";
  }

  /** Registers a new client, retrying with backoff while the server is unreachable. */
  async function register(run) {
    client = null;
    after = 0;
    setState(failures ? "reconnecting" : "connecting");
    const body = { location: options.location, presence: presenceMode() };
    let response;
    try {
      if (options.token !== undefined) {
        body.token = typeof options.token === "function" ? await options.token() : options.token;
      } else if (options.principal !== undefined) {
        body.principal = options.principal;
      }
      response = await fetchWithin(REQUEST_TIMEOUT, options.prefix + "/clients", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (error) {
      if (run === generation) retryLater(run, null, () => register(run));
      return;
    }
    if (run !== generation) return;
    if (response.status === 201) {
      const answer = await response.json().catch(() => null);
      if (run !== generation) return;
      if (answer && answer.client) {
        client = answer.client;
        refresh = Number(answer.refresh) || 25;
        failures = 0;
        resolveReady(client);
        setState("connected", { epoch: answer.epoch });
        poll(run);
        return;
      }
    }
    if (response.status === 429 || response.status >= 500 || response.status === 201) {
      retryLater(run, response, () => register(run));
      return;
    }
    // 400 or 403: this page cannot have a client; trying again would not help.
    const refusal = await response.json().catch(() => null);
    const error = refusal && refusal.error ? String(refusal.error) : "HTTP " + response.status;
    if (refusal && refusal.reason === "origin") return refuse({ status: response.status, error: error });
    console.error("LivePage: registration refused (" + response.status + "): " + error);
    setState("gone", { status: response.status, reason: "refused", error: error });
  }

  /**
   * Stops: ends polling and closes the client (with `sendBeacon`), so that it leaves
   * who is online at once. `start` begins again.
   */
  function stop(dispatch) {
    generation += 1;
    abortPoll();
    clearTimeout(retryTimer);
    retryPending = null;
    leaveSharing();
    closeClient();
    if (dispatch !== false) setState("stopped");
  }

  /** Tells the server this page's client is done, without waiting for an answer. */
  function closeClient() {
    if (!client || !options) return;
    const url = options.prefix + "/clients/" + encodeURIComponent(client) + "/close";
    client = null;
    try {
      if (!(global.navigator.sendBeacon && global.navigator.sendBeacon(url))) {
        global.fetch(url, { method: "POST", keepalive: true }).catch(() => {});
      }
    } catch (error) {
      // The page is going away; nothing more can be done.
    }
  }

  function abortPoll() {
    if (pollAbort) {
      pollAbort.abort();
      pollAbort = null;
    }
  }

  let lifecycleListening = false;

  /**
   * `pagehide`: close the client, unless the page goes into the back/forward cache,
   * where it only stops polling and keeps its client; `pageshow` from that cache: resume
   * it (`resumeFromCache`). `online`, or the page shown again: a retry waiting out its
   * backoff goes at once.
   */
  function listenToPageLifecycle() {
    if (lifecycleListening) return;
    lifecycleListening = true;
    global.addEventListener("pagehide", (event) => {
      if (state === "stopped" || !options) return;
      if (event.persisted && client) suspendForCache();
      else stop(false);
    });
    global.addEventListener("pageshow", (event) => {
      if (event.persisted && options) resumeFromCache();
    });
    global.addEventListener("online", retryNow);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") retryNow();
    });
  }

  /** Runs a retry that is waiting out its backoff now: the network or the page is back. */
  function retryNow() {
    if (!retryPending) return;
    clearTimeout(retryTimer);
    failures = 0;
    retryPending();
  }

  /**
   * The page goes into the back/forward cache: it stops polling and leaves the tabs'
   * shared poll, but keeps its client, which the server keeps for its resume window.
   * It shows "reconnecting" from now on, so that a restored page never looks live
   * before it has caught up.
   */
  function suspendForCache() {
    generation += 1;
    abortPoll();
    clearTimeout(retryTimer);
    retryPending = null;
    leaveSharing();
    setState("reconnecting", { reason: "cached" });
  }

  /**
   * The page comes back from the back/forward cache with the DOM it had: it polls with
   * its old client and `after`, and so applies what was published meanwhile, once. If
   * the client is gone (410) it reloads, whether or not it registered itself: its DOM
   * cannot be brought up to date otherwise. A page that had no client starts over.
   */
  function resumeFromCache() {
    if (!client) {
      startOver(true);
      return;
    }
    generation += 1;
    failures = 0;
    joinSharing();
    setState("reconnecting", { reason: "restored" });
    poll(generation);
  }

  /**
   * Gets a new client after the old one was lost to another tab (409) or to the
   * back/forward cache: a page that registered itself registers again; a page the
   * server rendered asks the server for itself again (a reload), since only the server
   * can render it with a fresh client: at once when restored from the back/forward
   * cache, else as for a gone client (at most once per 30 s).
   */
  function startOver(restored) {
    abortPoll();
    clearTimeout(retryTimer);
    generation += 1;
    newReady();
    if (registersItself || options.principal !== undefined || options.token !== undefined) {
      registersItself = true;
      register(generation);
    } else if (restored) {
      client = null;
      global.location.reload();
    } else {
      client = null;
      reloadOrGone({ status: 409, reason: "superseded" });
    }
  }

  // ---------------------------------------------------------------------------------
  // Polling

  /**
   * `fetch`, given up (rejected) after `ms` milliseconds, body included when `readJSON`;
   * also aborted by `stop`.
   */
  async function fetchWithin(ms, url, init, readJSON) {
    const controller = new AbortController();
    pollAbort = controller;
    const timer = setTimeout(() => controller.abort(), ms);
    try {
      const response = await global.fetch(url, Object.assign({ signal: controller.signal }, init));
      const body = readJSON && response.status === 200 ? await response.json() : null;
      return readJSON ? { response: response, body: body } : response;
    } finally {
      clearTimeout(timer);
      if (pollAbort === controller) pollAbort = null;
    }
  }

  /** Polls for output until the run ends; each answer decides what comes next. */
  async function poll(run) {
    while (run === generation) {
      // The server answers within `refresh` seconds; one that has not by well after
      // that is silently gone (a dropped connection, a sleeping laptop).
      const limit = refresh * 1000 + Math.max(POLL_SLACK_MIN, refresh * 200);
      let response;
      let answer = null;
      try {
        const result = sharing ? await sharedOutput(limit) : await fetchWithin(limit,
          options.prefix + "/clients/" + encodeURIComponent(client) + "/output?after=" + after,
          { cache: "no-store" }, true);
        response = result.response;
        answer = result.body;
      } catch (error) {
        response = null; // no answer, a timeout, or a body that is not JSON
      }
      if (run !== generation) return; // stopped or started over meanwhile
      if (response && response.status === 200 && answer) {
        failures = 0;
        // Applied first: a page restored from the back/forward cache, or back from a
        // lost network, shows itself connected only once it has caught up.
        applyAll(answer.events || []);
        setState("connected");
        continue;
      }
      const status = response ? response.status : 0;
      if (status === 409) {
        startOver(false);
        return;
      }
      if (status === 410 || (status >= 400 && status < 500 && status !== 429 && status !== 408)) {
        const reason = await response.json().then((body) => body.reason, () => undefined);
        if (run !== generation) return;
        if (reason === "origin") refuse({ status: status });
        else reloadOrGone({ status: status, reason: reason || "unknown" });
        return;
      }
      // 503, 429, another 5xx, or no answer: wait, then try again with the same `after`.
      retryLater(run, response, () => probe(run));
      return;
    }
  }

  /**
   * After a failure: asks the server who is online for this client, which it answers
   * at once, so the page knows it is back without waiting out a long-poll; then polls
   * again with the same `after`.
   */
  async function probe(run) {
    let response = null;
    try {
      response = await fetchWithin(REQUEST_TIMEOUT,
        options.prefix + "/clients/" + encodeURIComponent(client) + "/online", { cache: "no-store" });
    } catch (error) {
      response = null;
    }
    if (run !== generation) return;
    const status = response ? response.status : 0;
    if (status === 200) {
      setState("connected");
      poll(run);
    } else if (status === 410) {
      const reason = await response.json().then((body) => body.reason, () => undefined);
      if (run === generation) reloadOrGone({ status: status, reason: reason || "unknown" });
    } else if (status === 0 || status === 429 || status >= 500) {
      retryLater(run, response, () => probe(run));
    } else {
      poll(run); // an answer, if not the expected one: the poll will tell
    }
  }

  /**
   * Waits before `next`: the answer's `Retry-After` when it has one, otherwise
   * exponential backoff with full jitter, from 0.5 s doubling up to 20 s. Never less
   * than 0.5 s, so an unreachable server is never asked in a tight loop.
   */
  function retryLater(run, response, next) {
    failures += 1;
    let delay = null;
    const header = response && response.headers.get("Retry-After");
    if (header && /^\d+$/.test(header.trim())) delay = Math.min(300, Number(header.trim())) * 1000;
    if (delay === null) {
      const ceiling = Math.min(BACKOFF_MAX, BACKOFF_FIRST * Math.pow(2, failures - 1));
      delay = BACKOFF_FIRST + Math.random() * (ceiling - BACKOFF_FIRST);
    }
    delay = Math.max(BACKOFF_FIRST, delay);
    setState("reconnecting", { status: response ? response.status : 0, retryIn: delay / 1000 });
    clearTimeout(retryTimer);
    retryPending = () => {
      retryPending = null;
      if (run === generation) next();
    };
    retryTimer = setTimeout(retryPending, delay);
  }

  /**
   * The client is gone (410): the page cannot be brought up to date, so it reloads,
   * at most once per 30 s; otherwise it stays in the `gone` state. An application
   * takes over by registering `LivePage.on("gone", fn)`, by calling `preventDefault()`
   * on the `livepage:gone` event, or with the option `reload: false`.
   */
  function reloadOrGone(detail) {
    generation += 1;
    abortPoll();
    clearTimeout(retryTimer);
    client = null;
    let handled = false;
    for (const fn of handlers.get("gone") || []) {
      handled = true;
      callSafely(fn, detail);
    }
    const reloads = options.reload && !handled && reloadAllowed();
    const event = new CustomEvent("livepage:gone", {
      cancelable: true,
      detail: Object.assign({ state: "gone", previous: state, reloading: reloads }, detail),
    });
    state = "gone";
    document.documentElement.setAttribute("data-livepage-state", "gone");
    const prevented = !document.dispatchEvent(event);
    if (reloads && !prevented) {
      try {
        global.sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
      } catch (error) {
        return; // without a record of it, a reload could loop: stay gone
      }
      global.location.reload();
    }
  }

  /**
   * The server refuses pages of this origin (403 with reason "origin": it was not
   * started with --allowed-origin for it, and its log says so). Retrying cannot help,
   * so the page stops in the state "refused" and dispatches `livepage:refused`.
   */
  function refuse(detail) {
    generation += 1;
    abortPoll();
    clearTimeout(retryTimer);
    client = null;
    const origin = global.location.origin;
    console.error("LivePage: the server at " + options.prefix + " refuses pages of " + origin +
                  "; start it with --allowed-origin " + origin);
    setState("refused", Object.assign({ reason: "origin" }, detail));
  }

  /** Whether the page has not reloaded for a gone client within the last 30 s. */
  function reloadAllowed() {
    try {
      const last = Number(global.sessionStorage.getItem(RELOAD_KEY) || 0);
      const now = Date.now();
      return !(last && now - last < RELOAD_INTERVAL && now >= last);
    } catch (error) {
      return false;
    }
  }

  // ---------------------------------------------------------------------------------
  // One poll for all the tabs of a browser (PROTOCOL.md, "One poll for several tabs")
  //
  // A browser opens at most six connections per host over HTTP/1.1, and each tab's
  // long-poll holds one: ten tabs would starve the site. So the tabs of one origin elect
  // a leader (Web Locks; where they are missing, the first tab whose request nobody
  // answers claims it), and only the leader polls, with `POST {prefix}/poll`, for every
  // tab's client at once. Each tab still has its own client, `after` and exactly-once
  // application: it hands the leader a "want" (its client and `after`) where it would
  // have polled, and gets back what its own poll would have been answered, over a
  // BroadcastChannel, which never leaves the origin. When the leader closes, the next
  // tab in the lock's queue takes over at once; the leader says it is alive twice a
  // second from a timer, which stops when the browser freezes the tab, and a tab waiting
  // for its answer that has not heard it for 1.5 s takes the lock from it. Nothing is
  // lost or applied twice: wants carry each tab's own `after`, and tabs ignore seqs they
  // have applied.

  /** How often the leader says it is alive (ms). */
  const LEADER_HEARTBEAT = 500;
  /** A leader not heard for this long is frozen or gone; a waiting tab takes over (ms). */
  const LEADER_SILENCE = 1500;
  /** After an answer, the leader waits at most this long for the tabs it answered to
   *  want again, so that they share the next poll (ms). */
  const LEADER_GATHER = 50;
  /** This tab, among the tabs of the browser. */
  const tabID = Math.random().toString(36).slice(2) + Date.now().toString(36);

  /** The channel to the other tabs, while sharing; null when this tab polls alone. */
  let sharing = null;
  /** Whether this tab leads, and how it gives the lead up. */
  let leading = false;
  let releaseLead = null;
  /** Aborts this tab's queued request for the lead. */
  let leadRequest = null;
  /** This tab's want waiting for its answer: {want, finish}. */
  let ownWant = null;
  /** When the leader was last heard; the leader's heartbeat timer; the followers' check. */
  let leaderHeardAt = 0;
  let heartbeat = null;
  let leaderWatch = null;
  let wantNumber = 0;
  /** Set when the server has no shared poll (an older server): every tab polls alone. */
  let sharingUnsupported = false;

  /** The leader's state: the wants to poll for, by client; the poll in flight; the
   *  clients answered that are expected to want again before the next poll. */
  const wants = new Map();
  let leaderPoll = null;
  let gathering = null;
  let gatherTimer = null;

  /** Joins the tabs' shared poll, where the browser can share (BroadcastChannel). */
  function joinSharing() {
    if (sharing || sharingUnsupported || typeof global.BroadcastChannel !== "function") return;
    sharing = new global.BroadcastChannel("livepage:" + options.prefix);
    sharing.onmessage = (message) => onSharingMessage(message.data || {});
    leaderHeardAt = Date.now();
    leaderWatch = setInterval(watchLeader, LEADER_HEARTBEAT);
    requestLead(false);
  }

  /** A tab waiting for its answer takes the lead from a leader it has not heard for a
   *  while (frozen, or gone without releasing the lock); where there are no Web Locks,
   *  it claims the lead so. */
  function watchLeader() {
    if (!sharing || leading || !ownWant || Date.now() - leaderHeardAt <= LEADER_SILENCE) return;
    leaderHeardAt = Date.now();
    requestLead(true);
  }

  /** Leaves the shared poll (pagehide, stop): gives up the lead, which the next tab
   *  takes at once, and tells the leader to forget this tab's want. */
  function leaveSharing() {
    if (!sharing) return;
    stopLeading();
    if (leadRequest) leadRequest.abort();
    leadRequest = null;
    post({ type: "bye", tab: tabID });
    sharing.close();
    sharing = null;
    clearInterval(leaderWatch);
  }

  function post(message) {
    if (sharing) sharing.postMessage(message);
  }

  /** Queues for the lead (Web Locks), or takes it from a frozen leader (`steal`). */
  function requestLead(steal) {
    const locks = global.navigator.locks;
    if (!locks) {
      if (steal) becomeLeader();
      return;
    }
    if (leadRequest) leadRequest.abort();
    const controller = new AbortController();
    leadRequest = controller;
    const lockOptions = steal ? { steal: true } : { signal: controller.signal };
    locks.request("livepage:lead:" + options.prefix, lockOptions, () => new Promise((release) => {
      if (!sharing || controller.signal.aborted) return release();
      releaseLead = release;
      becomeLeader();
    })).catch(() => {
      // Aborted (this tab left), or the lock was taken from this tab (it froze): if
      // still sharing, queue again as a follower.
      if (leadRequest === controller) {
        stopLeading();
        leadRequest = null;
        if (sharing) requestLead(false);
      }
    });
  }

  function becomeLeader() {
    if (!sharing) return;
    leading = true;
    post({ type: "leader", tab: tabID });
    clearInterval(heartbeat);
    heartbeat = setInterval(() => post({ type: "alive", tab: tabID }), LEADER_HEARTBEAT);
    if (ownWant) addWant(ownWant.want);
  }

  /** Stops leading: the poll in flight is dropped (the next leader polls again). */
  function stopLeading() {
    if (!leading) return;
    leading = false;
    clearInterval(heartbeat);
    leaderHeardAt = Date.now();
    if (releaseLead) releaseLead();
    releaseLead = null;
    if (leaderPoll) leaderPoll.abort();
    leaderPoll = null;
    wants.clear();
    gathering = null;
    clearTimeout(gatherTimer);
    if (ownWant && sharing) sendWant(ownWant.want);
  }

  /** A message from another tab (a channel never hears its own): `tab` names the sender
   *  of a want, leader or bye, and the recipient of an ack or result. */
  function onSharingMessage(message) {
    switch (message.type) {
      case "want":
        if (leading) addWant(message);
        break;
      case "result":
        if (message.tab === tabID) takeResult(message);
        break;
      case "alive":
        leaderHeardAt = Date.now();
        break;
      case "leader":
        leaderHeardAt = Date.now();
        // Without Web Locks, the newest claim wins; with them, only one tab holds it.
        if (leading && !global.navigator.locks) stopLeading();
        if (ownWant && !leading) sendWant(ownWant.want);
        break;
      case "bye":
        for (const [id, want] of wants) if (want.tab === message.tab) wants.delete(id);
        if (gathering) gathering.delete(message.tab);
        break;
      case "alone":
        sharingUnsupported = true;
        break;
    }
  }

  /**
   * This tab's poll, through the leader: resolves as `fetchWithin(..., true)` would,
   * with a stand-in for the response; rejects after `limit` ms without an answer (the
   * poll loop then backs off and tries again, as after a lost request).
   */
  function sharedOutput(limit) {
    return new Promise((resolve, reject) => {
      wantNumber += 1;
      const want = { type: "want", tab: tabID, client: client, after: after, refresh: refresh, number: wantNumber };
      const timer = setTimeout(() => finish(null, new Error("no answer")), limit);
      const finish = (result, error) => {
        if (!ownWant || ownWant.want !== want) return;
        clearTimeout(timer);
        ownWant = null;
        if (pollAbort === aborter) pollAbort = null;
        if (error) reject(error);
        else resolve(result);
      };
      const aborter = { abort: () => finish(null, new Error("aborted")) };
      pollAbort = aborter;
      ownWant = { want: want, finish: finish };
      sendWant(want);
    });
  }

  /** Hands `want` to the leader, this tab or another (`watchLeader` makes sure there is
   *  one that is alive). */
  function sendWant(want) {
    if (leading) addWant(want);
    else post(want);
  }

  /** The leader's answer to this tab's want. */
  function takeResult(message) {
    if (!ownWant || ownWant.want.number !== message.number) return;
    if (message.status === -1) {
      // The server has no shared poll (an older one): poll alone from now on, at once.
      sharingUnsupported = true;
      leaveSharing();
      const limit = refresh * 1000 + Math.max(POLL_SLACK_MIN, refresh * 200);
      return ownWant.finish(fetchWithin(limit,
        options.prefix + "/clients/" + encodeURIComponent(client) + "/output?after=" + after, { cache: "no-store" }, true));
    }
    const retryAfter = message.retryAfter || null;
    const body = message.body;
    const response = message.status === 0 ? null : {
      status: message.status,
      headers: { get: (name) => (/^retry-after$/i.test(name) ? retryAfter : null) },
      json: () => Promise.resolve(body),
    };
    if (!response) return ownWant.finish(null, new Error("no answer"));
    ownWant.finish({ response: response, body: message.status === 200 ? body : null });
  }

  /** The leader takes a tab's want: a new client, or a changed `after`, is polled for at
   *  once (the poll in flight is replaced), unless answered tabs are still expected. */
  function addWant(want) {
    const known = wants.get(want.client);
    wants.set(want.client, want);
    if (gathering) {
      gathering.delete(want.tab);
      if (gathering.size > 0) return;
      gathering = null;
      clearTimeout(gatherTimer);
    }
    if (leaderPoll && known && known.after === want.after && leaderPoll.clients.has(want.client)) return;
    pollForTabs();
  }

  /** Sends a result to the tab of `want` (this tab's own directly). */
  function answerWant(want, result) {
    wants.delete(want.client);
    const message = Object.assign({ type: "result", tab: want.tab, number: want.number }, result);
    if (want.tab === tabID) takeResult(message);
    else post(message);
  }

  /** The leader's poll for every tab that wants one; replaces the one in flight. */
  async function pollForTabs() {
    if (leaderPoll) leaderPoll.abort();
    leaderPoll = null;
    if (!leading || wants.size === 0) return;
    const asked = Array.from(wants.values()).slice(0, 32);
    const controller = new AbortController();
    controller.clients = new Set(asked.map((want) => want.client));
    leaderPoll = controller;
    const longest = Math.max.apply(null, asked.map((want) => Number(want.refresh) || 25));
    const timer = setTimeout(() => controller.abort(), longest * 1000 + Math.max(POLL_SLACK_MIN, longest * 200));
    let response = null;
    let answer = null;
    try {
      response = await global.fetch(options.prefix + "/poll", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ clients: asked.map((want) => ({ client: want.client, after: want.after })) }),
        cache: "no-store",
        signal: controller.signal,
      });
      answer = await response.json().catch(() => null);
    } catch (error) {
      if (controller.signal.aborted && leaderPoll !== controller) return; // replaced or stopped
      response = null;
    } finally {
      clearTimeout(timer);
    }
    if (leaderPoll !== controller) return;
    leaderPoll = null;
    if (response && response.status === 404) {
      post({ type: "alone" });
      for (const want of asked) answerWant(want, { status: -1 });
      return;
    }
    const results = response && response.status === 200 && answer && Array.isArray(answer.results) ? answer.results : null;
    gathering = new Set();
    asked.forEach((want, index) => {
      if (wants.get(want.client) !== want) return; // the tab wants anew already
      if (!results) {
        // No answer, or one for the whole request (503, 429): each tab backs off.
        return answerWant(want, {
          status: response ? response.status : 0,
          body: answer,
          retryAfter: response ? response.headers.get("Retry-After") : null,
        });
      }
      const result = results[index] || {};
      if (Array.isArray(result.events)) {
        gathering.add(want.tab);
        answerWant(want, { status: 200, body: { events: result.events } });
      } else if (result.status === 409) {
        // Another poll took this client: most likely a leader that has not yet noticed
        // it lost the lead. Poll for it again rather than have its tab start over.
      } else {
        answerWant(want, { status: Number(result.status) || 0, body: result });
      }
    });
    if (gathering.size > 0) {
      clearTimeout(gatherTimer);
      gatherTimer = setTimeout(() => {
        gathering = null;
        pollForTabs();
      }, LEADER_GATHER);
    } else {
      gathering = null;
      if (wants.size > 0) pollForTabs();
    }
  }

  // ---------------------------------------------------------------------------------
  // Applying events

  /** Applies each event whose seq is above the last one applied, in order. */
  function applyAll(events) {
    for (const event of events) {
      const seq = Number(event && event.seq);
      if (!(seq > after)) continue; // seen already (a repeated answer)
      after = seq;
      try {
        apply(event);
      } catch (error) {
        if (error instanceof InputRefused) {
          console.warn("LivePage: event " + seq + " (" + event.verb + (event.id === undefined ? "" : " #" + event.id) +
            ") from page input refused: " +
            error.message);
        } else {
          console.error("LivePage: event " + seq + " (" + event.verb + ") failed:", error);
        }
      }
    }
  }

  /**
   * The built-in verbs of PROTOCOL.md, each given the event, its element, and whether the
   * event is from page input. `apply` has checked `inputRefusal(event, element)` for an
   * event from input already; a verb that touches more than its element (or the
   * element's parent, for before, after and replace) checks each other element too.
   */
  const verbs = {
    append: (event, element, fromInput) => {
      element.append(fragmentReplacingByID(event.html, fromInput));
      limitChildren(element, event.limit, "first", fromInput);
    },
    prepend: (event, element, fromInput) => {
      element.prepend(fragmentReplacingByID(event.html, fromInput));
      limitChildren(element, event.limit, "last", fromInput);
    },
    update: (event, element) => element.replaceChildren(fragment(event.html)),
    replace: (event, element) => element.replaceWith(fragment(event.html)),
    remove: (event, element) => element.remove(),
    before: (event, element) => element.before(fragment(event.html)),
    after: (event, element) => element.after(fragment(event.html)),
    text: (event, element) => { element.textContent = event.text == null ? "" : String(event.text); },
    attribute: (event, element) => {
      const name = String(event.name);
      if (event.value === null || event.value === undefined || event.value === "") {
        element.removeAttribute(name);
      } else {
        element.setAttribute(name, String(event.value));
      }
    },
    morph: (event, element) => morph(element, event.html),
    addClass: (event, element) => element.classList.add(...checkedClassNames(event)),
    removeClass: (event, element) => element.classList.remove(...checkedClassNames(event)),
    toggleClass: (event, element) => {
      for (const name of checkedClassNames(event)) element.classList.toggle(name);
    },
  };

  /** Applies one event: a built-in verb, presence, refresh, or the page's own handlers. */
  function apply(event) {
    const verb = event.verb;
    if (verb === "presence") {
      applyPresence(event);
    } else if (verb === "refresh") {
      applyRefresh(event);
    } else if (Object.prototype.hasOwnProperty.call(verbs, verb)) {
      const element = typeof event.id === "string" ? document.getElementById(event.id) : null;
      if (element) {
        const fromInput = isFromInput(event);
        const refusal = fromInput ? inputRefusal(event, element) : null;
        if (refusal) throw new InputRefused(refusal);
        verbs[verb](event, element, fromInput);
      } else {
        console.warn("LivePage: no element #" + event.id + " for " + verb + " (seq " + event.seq + ")");
      }
    } else if (!handlers.has(verb)) {
      console.warn("LivePage: no handler for the verb '" + verb + "'; register one with LivePage.on");
    }
    for (const fn of handlers.get(verb) || []) callSafely(fn, event);
  }

  /** The HTML as a fragment, parsed in a <template>: scripts in it do not run. */
  function fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html == null ? "" : String(html);
    return template.content;
  }

  /** The HTML as a fragment, less its top-level elements whose id is already in the
   *  page: those replace the page's element where it stands instead. From page input,
   *  each element so replaced must be one input may replace, or nothing is applied. */
  function fragmentReplacingByID(html, fromInput) {
    const content = fragment(html);
    const replacements = [];
    for (const child of Array.from(content.children)) {
      const existing = child.id && document.getElementById(child.id);
      if (!existing) continue;
      const refusal = fromInput ? inputRefusal({ verb: "replace" }, existing) : null;
      if (refusal) throw new InputRefused("#" + child.id + ": " + refusal);
      replacements.push([existing, child]);
    }
    for (const [existing, child] of replacements) existing.replaceWith(child);
    return content;
  }

  // ---------------------------------------------------------------------------------
  // Limits, classes and refresh

  /** The most element children `limit` may keep, and the most class names one event may
   *  carry, as the server checks them (PROTOCOL.md). */
  const CHILD_LIMIT_MAX = 10000;
  const CLASS_NAMES_MAX = 16;
  /** One class name, as the server checks it (`ClassNames`). */
  const CLASS_NAME = /^[A-Za-z_-][A-Za-z0-9_-]{0,63}$/;

  /** Whether `limit` is a whole number from 1 to CHILD_LIMIT_MAX. */
  function isChildLimit(limit) {
    return Number.isInteger(limit) && limit >= 1 && limit <= CHILD_LIMIT_MAX;
  }

  /**
   * `limit` on append and prepend: drops the element children of `element` beyond
   * `limit`, from `end` ("first" after an append, "last" after a prepend), so that a chat
   * open all day does not grow without end. Text between elements stays. From page input,
   * a child that input may not remove (a sealed element) is passed over and kept, so the
   * element may then hold more than the limit. Without a limit nothing happens; an invalid
   * one is ignored with a warning (input's was refused before anything was applied).
   */
  function limitChildren(element, limit, end, fromInput) {
    if (limit === undefined || limit === null) return;
    if (!isChildLimit(limit)) {
      console.warn("LivePage: ignored the limit " + JSON.stringify(limit) + " on #" + element.id +
                   ": it must be a whole number from 1 to " + CHILD_LIMIT_MAX);
      return;
    }
    let excess = element.children.length - limit;
    let child = end === "first" ? element.firstElementChild : element.lastElementChild;
    while (excess > 0 && child) {
      const next = end === "first" ? child.nextElementSibling : child.previousElementSibling;
      if (!(fromInput && inputRefusal({ verb: "remove" }, child))) child.remove();
      excess -= 1;
      child = next;
    }
  }

  /** The class names in `value`: 1 to CLASS_NAMES_MAX names matching CLASS_NAME,
   *  separated by ASCII whitespace; null when it is anything else. */
  function classNames(value) {
    if (typeof value !== "string") return null;
    const names = value.split(/[\t\n\f\r ]+/).filter((name) => name !== "");
    if (names.length === 0 || names.length > CLASS_NAMES_MAX) return null;
    return names.every((name) => CLASS_NAME.test(name)) ? names : null;
  }

  /** The class names of a class event; throws, naming the field, when they are invalid. */
  function checkedClassNames(event) {
    const names = classNames(event["class"]);
    if (!names) {
      throw new Error("the field 'class' must hold 1 to " + CLASS_NAMES_MAX +
                      " class names of letters, digits, '_' and '-'");
    }
    return names;
  }

  /**
   * `refresh`: a publisher says the page changed (a deploy), so it reloads, at most once
   * per 30 s with the guard of a gone client: a refresh sent again, or reaching the page
   * again, is skipped with a warning rather than reloading it in a loop. Never from page
   * input. A page that registered `LivePage.on("refresh", fn)` decides itself (its
   * handlers are called instead), and one started with `reload: false` never reloads.
   */
  function applyRefresh(event) {
    if (isFromInput(event)) throw new InputRefused("input may never reload the page");
    if (handlers.has("refresh")) return;
    if (!options.reload) {
      console.warn("LivePage: refresh skipped: the page was started with reload: false");
      return;
    }
    if (!reloadAllowed()) {
      console.warn("LivePage: refresh skipped: the page reloaded less than 30 s ago");
      return;
    }
    try {
      global.sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
    } catch (error) {
      console.warn("LivePage: refresh skipped: without sessionStorage a reload could loop");
      return;
    }
    global.location.reload();
  }

  // ---------------------------------------------------------------------------------
  // Morph: changing only what differs

  /** Form fields without an id are matched by their name. */
  const NAMED_FIELDS = new Set(["input", "select", "textarea", "button", "output", "fieldset"]);
  /** How many of the page's children past the current one a child without a key (id or
   *  name) looks at for one of its kind before it is inserted as new. */
  const MORPH_LOOKAHEAD = 8;

  /**
   * `morph`: brings the children of `element` to `html`, changing only what differs, in
   * the manner of idiomorph and morphdom. Children are matched by key first (an id, or a
   * form field's tag and name), then by kind and position, and a matched node is updated
   * in place: its attributes set or removed one by one, its children morphed in turn. So
   * every node whose content did not change stays the same node, untouched. The focused
   * element is never moved or replaced (the nodes around it are), so it keeps its focus,
   * value, selection and caret; a field the visitor edited keeps its value (the browser
   * keeps an edited value when its `value` attribute changes, and an edited or focused
   * textarea's text is left alone); an open `<details>` or `<dialog>` stays as the
   * visitor left it; elements stay in place, or are moved with `moveBefore` where the
   * browser has it, so scroll positions stay. Nodes of the page that match nothing in
   * the HTML are removed.
   */
  function morph(element, html) {
    const active = document.activeElement;
    const focused = active && active !== document.body && element.contains(active) ? active : null;
    morphChildren(element, fragment(html), focused);
  }

  /** The key a node is matched by before its position: "#" and its id; for a form field
   *  without one, its tag and name (and value, for a checkbox or a radio button); else null. */
  function morphKey(node) {
    if (node.nodeType !== 1) return null;
    const id = node.getAttribute("id");
    if (id) return "#" + id;
    const name = node.getAttribute("name");
    if (!name || !NAMED_FIELDS.has(node.localName)) return null;
    const type = inputType(node);
    return node.localName + "[" + name + "]" + (type === "checkbox" || type === "radio" ? "=" + node.getAttribute("value") : "");
  }

  /** An input's type as the browser reads it ("text" when absent), lowercase. */
  function inputType(element) {
    return asciiLowercase(element.getAttribute("type") || "text");
  }

  /** Whether `node` of the page may become `next` in place: the same kind of node; for an
   *  element the same tag in the same namespace, and for an input the same type. */
  function morphable(node, next) {
    if (node.nodeType !== next.nodeType) return false;
    if (node.nodeType !== 1) return true;
    if (node.localName !== next.localName || node.namespaceURI !== next.namespaceURI) return false;
    return node.localName !== "input" || inputType(node) === inputType(next);
  }

  /**
   * Brings the children of `parent` (in the page) to those of `next` (parsed HTML). A
   * cursor walks the page's children: everything before it is done. Each new child takes
   * its match from the page (by key anywhere among the children, otherwise by kind at
   * or just past the cursor), which is moved to the cursor, or else is inserted there
   * itself. A match holding the focus is never moved: the cursor jumps past it, and the
   * children it jumped over are moved on later or removed.
   */
  function morphChildren(parent, next, focused) {
    const byKey = new Map();
    for (let child = parent.firstChild; child; child = child.nextSibling) {
      const key = morphKey(child);
      if (key) {
        if (!byKey.has(key)) byKey.set(key, []);
        byKey.get(key).push(child);
      }
    }
    const incoming = Array.from(next.childNodes);
    const wanted = new Set(incoming.map(morphKey).filter((key) => key !== null));
    const kept = new Set();
    let cursor = parent.firstChild;
    for (const child of incoming) {
      const key = morphKey(child);
      let match = null;
      if (key) {
        const candidates = byKey.get(key) || [];
        while (candidates.length && !match) {
          const candidate = candidates.shift();
          if (morphable(candidate, child)) match = candidate;
        }
      } else {
        match = softMatch(cursor, child, wanted, kept);
      }
      if (!match) {
        parent.insertBefore(child, cursor);
        kept.add(child);
        continue;
      }
      kept.add(match);
      if (match === cursor) {
        cursor = cursor.nextSibling;
      } else if (focused && match.contains(focused) && cursor && follows(match, cursor)) {
        cursor = match.nextSibling;
      } else {
        moveBefore(parent, match, cursor);
      }
      morphNode(match, child, focused);
    }
    for (let child = parent.firstChild; child;) {
      const following = child.nextSibling;
      if (!kept.has(child)) parent.removeChild(child);
      child = following;
    }
  }

  /** The first of the page's children from `cursor` on (at most MORPH_LOOKAHEAD past it)
   *  that `child` may become, passing over those another new child will take by key. */
  function softMatch(cursor, child, wanted, kept) {
    let node = cursor;
    for (let step = 0; node && step <= MORPH_LOOKAHEAD; step += 1, node = node.nextSibling) {
      if (kept.has(node)) continue;
      const key = morphKey(node);
      if (key && wanted.has(key)) continue;
      if (morphable(node, child)) return node;
    }
    return null;
  }

  /** Whether `node` comes after `reference` among their siblings. */
  function follows(node, reference) {
    return (reference.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  }

  /** Moves `node` before `before` (null: to the end) keeping its state: with
   *  `moveBefore` where the browser has it, else with its own scroll position restored. */
  function moveBefore(parent, node, before) {
    if (node.nextSibling === before) return;
    if (typeof parent.moveBefore === "function" && parent.isConnected && node.isConnected) {
      try {
        parent.moveBefore(node, before);
        return;
      } catch (error) {
        // Not movable this way (another root): insert it instead.
      }
    }
    const scroll = node.nodeType === 1 && (node.scrollTop || node.scrollLeft) ? [node.scrollTop, node.scrollLeft] : null;
    parent.insertBefore(node, before);
    if (scroll) [node.scrollTop, node.scrollLeft] = scroll;
  }

  /** Brings one node of the page to `next`: text by its value; an element by its
   *  attributes and then its children (a template's content; a textarea's text only
   *  while the visitor has neither edited nor focused it, since it is the field's value). */
  function morphNode(node, next, focused) {
    if (node.nodeType !== 1) {
      if (node.nodeValue !== next.nodeValue) node.nodeValue = next.nodeValue;
      return;
    }
    morphAttributes(node, next);
    if (node.localName === "textarea") {
      if (node !== focused && node.value === node.defaultValue && node.defaultValue !== next.defaultValue) {
        node.defaultValue = next.defaultValue;
      }
    } else if (node.localName === "template") {
      morphChildren(node.content, next.content, null);
    } else {
      morphChildren(node, next, focused);
    }
  }

  /** Sets and removes attributes of `node` one by one until they are those of `next`,
   *  leaving the visitor's own state (`open` of a details or dialog element) as it is. */
  function morphAttributes(node, next) {
    const keeps = (name) => name === "open" && (node.localName === "details" || node.localName === "dialog");
    for (const attribute of Array.from(next.attributes)) {
      if (keeps(attribute.name)) continue;
      if (node.getAttributeNS(attribute.namespaceURI, attribute.localName) !== attribute.value) {
        node.setAttributeNS(attribute.namespaceURI, attribute.name, attribute.value);
      }
    }
    for (const attribute of Array.from(node.attributes)) {
      if (keeps(attribute.name)) continue;
      if (!next.hasAttributeNS(attribute.namespaceURI, attribute.localName)) {
        node.removeAttributeNS(attribute.namespaceURI, attribute.localName);
      }
    }
  }

  // ---------------------------------------------------------------------------------
  // What page input may touch (SECURITY.md, "What input may do")

  /**
   * Elements that input never touches, nor anything inside them, with any verb; by local
   * name, so SVG's <script> and <style> count too. Their text is code (script, style:
   * appended text runs, or restyles the page and can leak form values through
   * selectors), markup kept for later (template, noscript, an iframe's fallback), or a
   * form field's value that another visitor would submit as their own (textarea, whose
   * text is its default value). Their attributes are closed to input as well: changing a
   * data block's `type` and `src` runs it, a stylesheet's `media` turns it on.
   */
  const SEALED_ELEMENTS = new Set(["script", "style", "template", "iframe", "noscript", "textarea"]);
  /** The same, as a selector for an element's descendants (any namespace: SVG's too). */
  const SEALED_SELECTOR = Array.from(SEALED_ELEMENTS).join(",");

  /** Attributes input never sets, even where the page allows them: they run script or
   *  lift an iframe's limits. Every `on*` name is refused as well. */
  const FORBIDDEN_ATTRIBUTES = new Set(["srcdoc", "sandbox", "allow"]);

  /** Attributes input sets only where the page names them in `inputAttributes`: they
   *  load or run something (a script's `type` and `src`, `href`, `srcset`, `data`),
   *  refresh the page (a meta's `http-equiv` and `content`), send a form elsewhere, or
   *  restyle. The server refuses the same names unless its application allows them. */
  const GUARDED_ATTRIBUTES = new Set([
    "type", "src", "href", "xlink:href", "data", "srcset", "imagesrcset", "http-equiv", "content",
    "action", "formaction", "style",
  ]);

  /** Attributes that take a URL: from input, only an http:, https: or relative one. */
  const URL_ATTRIBUTES = new Set([
    "action", "archive", "background", "cite", "classid", "codebase", "data", "dynsrc", "formaction",
    "href", "icon", "longdesc", "lowsrc", "manifest", "ping", "poster", "profile", "src", "usemap",
    "xlink:href",
  ]);

  /** Thrown for an event from page input that may not be applied; it is skipped. */
  class InputRefused extends Error {}

  /** Whether the event came from page input: the server sets `from` on every input
   *  event (`null` for an anonymous sender) and on no other built-in event. */
  function isFromInput(event) {
    return Object.prototype.hasOwnProperty.call(event, "from");
  }

  /**
   * Why an event from page input may not be applied to `element`, or null when it may.
   * Every built-in verb goes through it (`apply`), so a new verb is covered by adding
   * it to `verbs`; a verb that sets attributes must be named here like `attribute`.
   * The element and each of its ancestors must not be sealed (SEALED_ELEMENTS): this
   * covers what goes inside the element (append, prepend, update, text) and beside it,
   * into its parent (before, after, replace).
   */
  /** The verbs that replace or remove what their element holds. */
  const HOLDING_VERBS = new Set(["morph", "update", "replace", "remove", "text"]);

  function inputRefusal(event, element) {
    for (let node = element; node && node.nodeType === 1; node = node.parentNode) {
      const name = asciiLowercase(node.localName);
      if (SEALED_ELEMENTS.has(name)) {
        return node === element ? "input may not change a <" + name + "> element" :
          "input may not write inside a <" + name + "> element";
      }
    }
    if (event.verb === "attribute") return inputAttributeRefusal(event.name, event.value);
    if (CLASS_VERBS.has(event.verb) && !classNames(event["class"])) {
      return "input may only use 1 to " + CLASS_NAMES_MAX + " class names of letters, digits, '_' and '-'";
    }
    // A verb that replaces or removes what an element holds would take its sealed
    // elements with it (a page's stylesheet, its data block).
    if (HOLDING_VERBS.has(event.verb)) {
      const sealed = element.querySelector(SEALED_SELECTOR);
      if (sealed) return "input may not " + event.verb + " an element holding a <" + asciiLowercase(sealed.localName) + "> element";
    }
    if ((event.verb === "append" || event.verb === "prepend") && event.limit != null && !isChildLimit(event.limit)) {
      return "input may only give a limit from 1 to " + CHILD_LIMIT_MAX;
    }
    return null;
  }

  /** Why page input may not set (or remove) the attribute `name` to `value`, or null. */
  function inputAttributeRefusal(name, value) {
    const lower = asciiLowercase(String(name));
    if (lower.startsWith("on") || FORBIDDEN_ATTRIBUTES.has(lower)) {
      return "input may never set the attribute '" + lower + "'";
    }
    if (GUARDED_ATTRIBUTES.has(lower) && !inputAttributeNames.has(lower)) {
      return "input may set the attribute '" + lower + "' only where the page allows it (inputAttributes)";
    }
    if (URL_ATTRIBUTES.has(lower) && value !== null && value !== undefined && !isSafeURL(String(value))) {
      return "input may set the attribute '" + lower + "' only to an http:, https: or relative URL";
    }
    return null;
  }

  /** Whether `url` is http:, https: or relative, read as a browser reads it: tabs and
   *  line breaks anywhere and controls or spaces in front are ignored. */
  function isSafeURL(url) {
    const cleaned = url.replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+/, "");
    const scheme = /^([^:\/?#]*):/.exec(cleaned);
    return !scheme || /^https?$/i.test(scheme[1]);
  }

  /** The verbs that change an element's classes (`class`: names separated by spaces). */
  const CLASS_VERBS = new Set(["addClass", "removeClass", "toggleClass"]);

  /** `text` with A-Z lowercased and nothing else, as the DOM lowercases names. */
  function asciiLowercase(text) {
    return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
  }

  // ---------------------------------------------------------------------------------
  // Who is online

  /** Keeps the page's `data-livepage-online` elements up to date. */
  function applyPresence(event) {
    const names = event.names && typeof event.names === "object" ? event.names : {};
    if (Array.isArray(event.principals)) {
      online = new Set(event.principals);
      displayNames = new Map();
      for (const name of online) if (typeof names[name] === "string") displayNames.set(name, names[name]);
      onlineCountsOnly = false;
    } else if (Array.isArray(event.joined) || Array.isArray(event.left)) {
      for (const name of event.left || []) {
        online.delete(name);
        displayNames.delete(name);
      }
      for (const name of event.joined || []) {
        online.add(name);
        if (typeof names[name] === "string") displayNames.set(name, names[name]);
      }
      onlineCountsOnly = false;
    } else {
      online = new Set();
      onlineCountsOnly = true;
    }
    const count = Number(event.count) || 0;
    const anonymous = Number(event.anonymous) || 0;
    const sorted = Array.from(online).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const element of document.querySelectorAll("[data-livepage-online]")) {
      const kind = element.getAttribute("data-livepage-online") || "list";
      if (kind === "count") element.textContent = String(count);
      else if (kind === "anonymous") element.textContent = String(anonymous);
      else if (kind === "total") element.textContent = String(count + anonymous);
      else if (kind === "list") renderList(element, sorted);
    }
  }

  /** One child per principal: <li> in a list element, <span> elsewhere, showing its
   *  display name when presence gave one (as text), its id in `data-principal`. */
  function renderList(element, principals) {
    const tag = element.tagName === "UL" || element.tagName === "OL" ? "li" : "span";
    element.replaceChildren(...principals.map((principal) => {
      const item = document.createElement(tag);
      item.setAttribute("data-principal", principal);
      item.textContent = displayNames.get(principal) || principal;
      return item;
    }));
    element.toggleAttribute("data-livepage-counts-only", onlineCountsOnly);
  }

  // ---------------------------------------------------------------------------------
  // Input and handlers

  /**
   * Sends input: `fields` (an object, or a form element, FormData or URLSearchParams,
   * sent as a form) with `verb`. The server's input handler decides who gets it; by
   * default every page at this location, this one included, and only `append` and
   * `prepend`, with the HTML shown as text.
   * Returns a promise of the server's answer, `{delivered: N}`; it rejects with an
   * Error carrying `status` when the server refuses.
   */
  async function send(verb, fields) {
    if (!options) throw new Error("LivePage.send: call LivePage.start first");
    if (!client && (state === "gone" || state === "refused" || state === "stopped")) {
      throw new Error("LivePage.send: this page has no client (" + state + ")");
    }
    const id = client || await ready;
    const url = options.prefix + "/clients/" + encodeURIComponent(id) + "/input";
    let init;
    if (fields && (typeof HTMLFormElement !== "undefined" && fields instanceof HTMLFormElement ||
        fields instanceof FormData || fields instanceof URLSearchParams)) {
      const form = new URLSearchParams(fields instanceof HTMLFormElement ? new FormData(fields) : fields);
      form.set("verb", verb);
      init = { method: "POST", body: form }; // sent as application/x-www-form-urlencoded
    } else {
      init = {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({}, fields || {}, { verb: verb })),
      };
    }
    const response = await global.fetch(url, init);
    if (response.ok) return response.json();
    const error = new Error(await errorMessage(response));
    error.status = response.status;
    throw error;
  }

  /** The original LivePage shorthand: `sendEvent('append', 'target', this.value)`. */
  function sendEvent(verb, id, value) {
    return send(verb, { id: id, html: value }).catch((error) => {
      console.error("LivePage: " + verb + " refused: " + error.message);
    });
  }

  /**
   * Calls `fn(event)` for each event with this verb: a custom verb, or a built-in one
   * (after it is applied). `on("gone", fn)` takes over what happens when the client is
   * gone (no reload): `fn({status, reason})`. Returns a function that unregisters.
   */
  function on(verb, fn) {
    if (!handlers.has(verb)) handlers.set(verb, []);
    handlers.get(verb).push(fn);
    return function off() {
      const list = handlers.get(verb) || [];
      const index = list.indexOf(fn);
      if (index >= 0) list.splice(index, 1);
      if (list.length === 0) handlers.delete(verb);
    };
  }

  function callSafely(fn, argument) {
    try {
      fn(argument);
    } catch (error) {
      console.error("LivePage: a handler failed:", error);
    }
  }

  /** The `error` sentence of a LivePage error body, or the status text. */
  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.error) return String(body.error);
    } catch (error) {
      // not JSON
    }
    return "HTTP " + response.status;
  }

  global.LivePage = {
    start: start,
    stop: () => stop(true),
    send: send,
    sendEvent: sendEvent,
    on: on,
    /** The connection state: "connecting", "connected", "reconnecting", "gone", "refused", "stopped". */
    get state() { return state; },
    /** The highest seq applied. */
    get after() { return after; },
    /** Whether the page has a client (its id is a secret and is not exposed). */
    get hasClient() { return client !== null; },
    /** How this tab polls: "leader" (for every tab of the browser), "follower" (through
     *  the leader) or "alone". */
    get sharing() { return sharing ? (leading ? "leader" : "follower") : "alone"; },
  };
  if (!global.sendEvent) global.sendEvent = sendEvent;
})(window);
