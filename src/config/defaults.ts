// The bundled default config: what runs before anything is written to KV, and what a
// fresh isolate falls back to when KV holds no valid config. Runs in mode `enforce`;
// a new deployment should write mode `shadow` to KV first (docs/deploy.md).
import type { ConfigInput } from './schema'

const SENSITIVE = '["login", "signup", "password_reset", "checkout", "transfer", "profile"]'
const HIGH_RISK = '["password_reset", "profile", "transfer"]'
/** A per-client bound that a crowd (no device, on a shared address) meets only at `bound` per signed-in account. */
const perPerson = (count: string, bound: number): string => `(not crowd or ${count} >= ${bound} * ip.signed_in_users_1h)`

export const DEFAULT_CONFIG = {
  version: 'bundled-1',
  mode: 'enforce',
  routes_add: [],
  routes: [
    { class: 'login', pattern: '/login' },
    { class: 'login', pattern: '/signin' },
    { class: 'login', pattern: '/api/login' },
    { class: 'signup', pattern: '/signup' },
    { class: 'signup', pattern: '/register' },
    { class: 'password_reset', pattern: '/password-reset' },
    { class: 'password_reset', pattern: '/password-reset/*' },
    { class: 'account', pattern: '/account' },
    { class: 'account', pattern: '/account/*' },
    { class: 'profile', pattern: '/profile' },
    { class: 'profile', pattern: '/profile/*' },
    { class: 'transfer', pattern: '/transfer' },
    { class: 'transfer', pattern: '/transfer/*' },
    { class: 'checkout', pattern: '/checkout' },
    { class: 'checkout', pattern: '/checkout/*' },
    { class: 'cart', pattern: '/cart' },
    { class: 'cart', pattern: '/cart/*' },
    { class: 'api', pattern: '/api/*' },
    { class: 'static', pattern: '/static/*' },
    { class: 'static', pattern: '/favicon.ico' },
  ],
  thresholds: {
    default: { challenge: 0.8, block: 0.97 },
    login: { challenge: 0.6, block: 0.95 },
    signup: { challenge: 0.6, block: 0.95 },
    password_reset: { challenge: 0.6, block: 0.95 },
    transfer: { challenge: 0.6, block: 0.95 },
    checkout: { challenge: 0.6, block: 0.95 },
    static: { challenge: 1, block: 1 },
  },
  deny_on_block: { min_risk: 0.995, ttl_s: 900, min_requests_1m: 3 },
  rate_limit: { retry_after_s: 60 },
  // Known patterns. Names go to the log line (`rules`) and, when they act, to `reasons`.
  // "device" counts the client: its cookie device id, or its IP without a valid cookie.
  rules: [
    // The operator's own app or partner with a valid app token is expected to say it is a library.
    { name: 'declared_bot_on_sensitive_route', when: `ua_is_bot and route in ${SENSITIVE} and not app_token`, action: 'block', priority: 10 },
    { name: 'fake_search_engine', when: 'ua_crawler and not verified_bot', action: 'block', priority: 10 },
    // A search-engine or AI crawler User-Agent that a configured source could verify and did not
    // (docs/crawlers.md): a spoof, from any network. Never a request carrying the operator's own app token.
    { name: 'fake_crawler', when: 'crawler_spoofed and not app_token', action: 'block', priority: 10 },
    // A declared crawler that read robots.txt and asks for a path it disallows. A verified one meets its
    // category's policy first, which holds it to robots.txt the same way (src/policy/decide.ts).
    { name: 'ignores_robots_txt', when: 'robots_disallowed', action: 'block', priority: 40 },
    { name: 'headless_on_sensitive_route', when: `ua_is_headless and route in ${SENSITIVE}`, action: 'block', priority: 10 },
    { name: 'automation_on_sensitive_route', when: `(sdk_webdriver or sdk_automation_markers >= 2) and route in ${SENSITIVE}`, action: 'block', priority: 20 },
    { name: 'automation_markers', when: 'sdk_webdriver or sdk_automation_markers >= 2', action: 'challenge', priority: 30 },
    // A stolen session (an infostealer's loot, replayed after a sign-in every check saw): the origin's
    // session cookie from another device than the one that signed in, or none, is blocked — except a
    // sign-in, which shows the password again and binds a fresh session. From another country it goes
    // to the origin marked `review`, not challenged: a person abroad or toggling a VPN keeps the session
    // country for its life, a challenge is no rule's to lift, and a browser without JavaScript cannot
    // pass one. What it costs a thief: the victim's device cookie too (the whole cookie jar).
    { name: 'session_moved', when: 'session_moved_device and not (route == "login" and credential_attempt)', action: 'block', priority: 20 },
    { name: 'session_moved_country', when: 'session_moved_country', action: 'review', priority: 50 },
    // Stuffing fails for almost every username it tries; people behind one address (an office whose
    // browsers run no JavaScript, so its "device" is the address) mostly get in: the usernames refused
    // must outnumber those the origin let in. Weighed against usernames let in, not usernames tried:
    // an attempt that never reaches the origin (a junk login a rule blocks) adds a username tried but
    // no answer, and would dilute a ratio over tried ones for free. Counted in usernames, not attempts:
    // a stuffer cannot dilute it by signing in again and again to an account of its own (one account,
    // and one seen through every proxy counts for none), and a person who retries a typo three times is
    // one refused username. At least 4 refused: three of an office's first five people mistyping once
    // (dev seed 11 at full scale) is no stuffer, and a stuffer's fifth attempt follows four refusals.
    {
      name: 'credential_stuffing',
      when: 'route == "login" and credential_attempt and device.distinct_users_10m >= 5 and device.failed_users_10m >= 4 and device.failed_users_10m > device.signed_in_users_1h',
      action: 'block', priority: 20, deny_ttl_s: 900,
    },
    // A device (its own cookie) cycling usernames: a third one in 10 minutes after two it named were not
    // let in is challenged, whatever the model scored. "Named", not "refused": a guess the edge
    // challenged never reached the origin, so it was never refused — counting only refusals let a
    // stealth browser's fourth guess through after one refusal and two challenges. A challenge here is
    // one its clearance cannot lift (a device that named more than two usernames gets none). People: a
    // typo retried is one username, a couple sharing a laptop two, a family of three who all got in
    // three; someone unsure which of three addresses they signed up with is asked for a puzzle (or the
    // wait, without JavaScript), not refused.
    {
      name: 'usernames_cycled_on_device',
      when: 'route == "login" and credential_attempt and not cookie_missing and not app_token and device.distinct_users_10m >= 3 and device.distinct_users_10m >= device.signed_in_users_1h + 3',
      action: 'challenge', priority: 40,
    },
    // An address's refused usernames must pass twice those it let in: people's typos cluster (about 1
    // in 9 mistype once, 1 in 30 three times and reset the password instead), and 5 refused of an
    // address's first 10 sign-ins is an office's bad morning, not a stuffer's ~98 % refused.
    {
      name: 'access_diversity_ip',
      when: 'route == "login" and credential_attempt and ip.distinct_users_10m >= 8 and ip.failed_logins_10m >= 5 and ip.failed_users_10m > 2 * ip.signed_in_users_1h',
      action: 'challenge', priority: 40,
    },
    // A login that names two different users (`Username=decoy&username=victim`, or `username=decoy&
    // email=victim`) is challenged at once: a browser's sign-in form names one user, and a decoy that
    // changes per try would otherwise keep the victim's own counters from ever adding up. A login
    // whose username cannot be read (padded past the cap, unparsable, no known field) is challenged
    // once its client failed 4 times: odd but honest API clients send those too (docs/credentials.md).
    // So is a login with two different passwords, and a sign-up naming two inboxes (a plain decoy
    // beside a throwaway one): the origin reads one, the sign-in and sign-up rules the other.
    {
      name: 'hidden_credentials',
      when: '(route == "login" and credential_attempt and (credential_conflict or (credential_unreadable and device.failed_logins_10m >= 4))) or (route == "signup" and credential_attempt and credential_conflict)',
      action: 'challenge', priority: 40,
    },
    { name: 'credential_cracking', when: 'route == "login" and credential_attempt and user.failed_logins_1h >= 8', action: 'challenge', priority: 40 },
    // One account tried from many addresses, three of which were refused and never got in since: an
    // owner who mistyped at home and then signed in at the office is one refused address, not two.
    { name: 'username_from_many_ips', when: 'route == "login" and credential_attempt and user.distinct_ips_1h >= 4 and user.failed_ips_1h >= 3', action: 'challenge', priority: 40 },
    // Zone under attack: acts only with evidence on the request itself (this username already tried
    // from another address); a person without JavaScript cannot solve a challenge, so the zone-wide
    // ratio alone only adds risk.
    {
      name: 'distributed_stuffing',
      when: 'route == "login" and credential_attempt and zone_login_failure_ratio_10m >= 0.5 and not device_established and user.distinct_ips_1h >= 2',
      action: 'challenge', priority: 50,
    },
    // A browser signs in from a form it loaded: a sign-in posted by a browser without a device cookie
    // from an address that read no page in the hour is a script spreading one attempt per proxy.
    // Costs the script one page read per address (which the page-view counters then see) — or one
    // collect for a cookie, which many_new_devices and telemetry_replay weigh. A declared tool (an
    // app, a partner) is the model's; a person whose address changed between the form and the
    // submit is challenged, not blocked.
    {
      name: 'cold_sign_in',
      when: 'route == "login" and credential_attempt and (cookie_missing or cookie_invalid or cookie_replayed) and ua_claims_browser and ip.page_views_1h == 0 and not app_token',
      action: 'challenge', priority: 40,
    },
    // The site's cookie-less browsers' sign-ins, taken together: a script spread one attempt per fresh
    // address, reading the form first as a browser without JavaScript does, has no count of its own
    // anywhere (each address, username and header set is new) but the cohort it joins. Once the
    // cohort's refused usernames (not let in since) pass twice those it let in in the hour, its sign-ins
    // are challenged: a stuffer is refused ~98 % of the time, people ~15 % (a site with one office
    // where two of the first three mistype is not under attack). What it costs the script: its refusals
    // must stay below twice the sign-ins of the site's own people without a device cookie (a working
    // account per two guesses), or it must run the SDK for a cookie, which the identity rules weigh.
    // What it costs people: while it holds (up to 10 minutes after the last refusal let through), a
    // browser without JavaScript cannot sign in.
    {
      name: 'cookieless_sign_in_wave',
      when: 'route == "login" and credential_attempt and cohort.failed_users_10m >= 2 and cohort.failed_users_10m > 2 * cohort.signed_in_users_1h',
      action: 'challenge', priority: 40,
    },
    // The same wave from fresh browser profiles: a stealth browser (real Chromium, no automation marks,
    // the SDK run, a residential exit) rotated after a guess or two is a person's first sign-in on a new
    // device by everything one request shows. What it cannot pick is the accounts: most of a combo
    // list's names are not the site's, or not in use. The site's new browsers' sign-ins to accounts not
    // let in for 30 days are counted together (the `cohort` key; refused and let in, after the origin's
    // answer); once their refused usernames pass twice those let in in the hour, such a sign-in from a
    // browser not yet established goes to the origin marked `review`, for its second factor: the
    // account a guess works on is a dormant one, which only its owner can step up for. Not a challenge:
    // the browser farm solves one (it is a real browser), and a dormant account's owner on a new
    // browser would be the one held up (dev seed 302: 5 of 50 people in Chromium, challenged). People
    // sign in to accounts they use; here are a dormant account's owner, a username mistyped, a sign-up's
    // first sign-in. What it costs the stuffer: a list of the site's active accounts (an enumeration the
    // site must not answer), or an account of its own let in per two guesses (each through the sign-up
    // rules). What it costs people: while it holds (up to 10 min after the last refusal let through), a
    // new browser signing in to such an account is asked for its second factor. On the first day, before
    // any account has a past, the cohort is every new browser's sign-in, refused ~15 % of the time: a
    // wave only under attack. An origin that ignores `review` gets the wave on its log lines, no more.
    {
      name: 'new_device_sign_in_wave',
      when: 'route == "login" and credential_attempt and not device_established and user.signin_days_30d == 0 and new_devices.failed_users_10m >= 2 and new_devices.failed_users_10m > 2 * new_devices.signed_in_users_1h and not app_token and not agent_verified',
      action: 'review', priority: 50,
    },
    // Password spraying: a few common passwords tried on many accounts from many addresses, one or two
    // tries per account and address, so no account, address or device counts up. The password does:
    // its key (a keyed digest, kept an hour) counts the usernames it was refused for. People who share
    // a common password mostly get in with it; a spray is refused for almost every account it tries.
    // Once a password's refused usernames in the hour reach 10 and pass twice those it let in, a sign-in
    // with it from a device not yet established is challenged. What it costs the sprayer: one account
    // of its own signed in with that password per two guesses (each opened through the sign-up rules),
    // or a password per ten accounts. What it costs people: a new browser signing in with that
    // password during the spray solves a challenge (an established one is not asked). A sign-in padded
    // so that its username (or its password: then the site's unreadable sign-ins share one key) is past
    // what edgeward reads adds no username: those are weighed by refused sign-ins instead.
    {
      name: 'password_spraying',
      when: 'route == "login" and credential_attempt and not device_established and ((password.failed_users_1h >= 10 and password.failed_users_1h > 2 * password.signed_in_users_1h) or (credential_unreadable and password.failed_logins_1h >= 10 and password.failed_logins_1h > 2 * password.login_successes_1h))',
      action: 'challenge', priority: 40,
    },
    // A human fraudster with a working password passes every bot check; what it cannot borrow is the
    // account's past. A sign-in to an account let in before (30 days), from a device and a network
    // (ASN) it was never let in from, is forwarded with `x-edgeward-action: review`: the origin asks for
    // a second factor (step-up), which the owner has and the fraudster does not. An owner on a new
    // phone at home, or on their own laptop abroad, is not asked; one on a new device on a new network
    // (travel, a friend's Wi-Fi) is. What it costs a fraudster: the owner's own device cookie, or a
    // proxy on the owner's own network (their ISP's residential exits). Any challenge or block rule,
    // or the model, still acts first.
    {
      name: 'unfamiliar_sign_in',
      when: 'route == "login" and credential_attempt and user.signin_days_30d >= 1 and user.known_device == false and user.known_network == false and not app_token',
      action: 'review', priority: 50,
    },
    // The other half of an account's past: none. A sign-in to an account not let in for 30 days (a
    // dormant account, or a username the site does not have) from a device not yet established, on a
    // hosting network (a cloud, a VPN, a data-centre proxy), is forwarded for review too: a real browser
    // driven from a cloud machine, fresh cookie and all, had its first guess let through on nothing
    // else (dev seed 305: three of the stealth family's four misses). What it costs people: those who
    // sign in through a corporate proxy or a VPN, on a new browser, to an account with no recent sign-in
    // — on the first day after deployment, every account — are asked for a second factor. What it costs
    // an attacker: residential exits, which are paid for by the gigabyte.
    {
      name: 'unknown_account_from_hosting',
      when: 'route == "login" and credential_attempt and asn_hosting and user.signin_days_30d == 0 and not device_established and not app_token and not agent_verified',
      action: 'review', priority: 50,
    },
    // A password (or this very username + password pair) found in a breach corpus by the k-anonymity
    // range check (docs/leaked.md): forwarded with `x-edgeward-action: review` and `x-edgeward-leaked`,
    // for the origin to ask for a second factor or a new password. Never a challenge or a block: a
    // person whose own password is a common one did nothing wrong, and a challenge would not tell them
    // from a stuffer holding the same list (a solved challenge proves a browser, not the account's
    // owner); the origin's step-up does. Any challenge or block rule, or the model, still acts first.
    { name: 'leaked_pair', when: 'credential_attempt and credential.leaked_pair', action: 'review', priority: 50 },
    { name: 'leaked_password', when: 'credential_attempt and credential.leaked_password', action: 'review', priority: 50 },
    { name: 'zone_under_login_attack', when: 'route == "login" and credential_attempt and zone_login_failure_ratio_10m >= 0.5 and not device_established', weight: 0.25 },
    { name: 'carding_declines', when: 'route == "checkout" and method == "POST" and device.checkout_declines_10m >= 3', action: 'block', priority: 20, deny_ttl_s: 900 },
    // A client without a device is its address; on a shared one (a `crowd`: 3+ accounts signed in from
    // it in an hour, each from at most 2 addresses) its per-client counts are many people's: the bound
    // scales with the accounts signed in there, and declined cards count as ever.
    { name: 'carding_velocity', when: `route == "checkout" and method == "POST" and (device.checkout_declines_10m >= 2 or (device.checkouts_10m >= 6 and ${perPerson('device.checkouts_10m', 6)}))`, action: 'challenge', priority: 40 },
    // The site's cookie-less browsers' checkouts, taken together: a card tester spread a few cards per
    // fresh residential address, each reading a product page first as a browser without JavaScript
    // does, stays under every per-client count (carding_velocity holds it to two declines an address)
    // but not under the cohort's. Once the cohort's declines in 10 minutes pass half the cards it paid
    // with in the hour (one decline in three, against people's usual one in ten or twenty), its
    // checkouts go to the origin marked `review`: the payment step's own check (3-D Secure) is what
    // a card tester lacks and a buyer has. Not a challenge: the cohort is every browser without
    // JavaScript, and a challenge it cannot pass is a lock-out — held-out seed 1456751013, where the
    // wave held for most of the run, challenged 390 people's checkouts (7.9 % of people). What it costs
    // the tester: the origin's payment check on every card while the wave holds, or a paid order per two
    // cards it tries, or the SDK for a cookie, which the identity rules weigh.
    {
      name: 'cookieless_carding_wave',
      when: 'route == "checkout" and method == "POST" and cohort.checkout_declines_10m >= 3 and 2 * cohort.checkout_declines_10m > cohort.checkout_successes_1h',
      action: 'review', priority: 50,
    },
    // Bulk sign-ups need inboxes. A throwaway-inbox domain (the community-kept disposable-email-domains
    // list, plus the operator's `email.disposable_extra`) costs nothing and is challenged at once; one
    // real inbox under many aliases (`a.b+1@gmail.com`, `ab+2@gmail.com`) is one mailbox, and its second
    // account in the hour is challenged (a person opening a second account under a +tag solves a puzzle,
    // or waits without JavaScript; with the third, as before, a spread run across sources kept every
    // mailbox's first two accounts — most of its misses on dev seed 302). What it costs the spammer: a
    // real inbox per account an hour (Gmail and its peers ask for a phone), or a domain of its own,
    // which the operator can list.
    { name: 'disposable_email_signup', when: 'route == "signup" and credential_attempt and email_disposable', action: 'challenge', priority: 40 },
    { name: 'mailbox_signup_repeat', when: 'route == "signup" and credential_attempt and user.signups_1h >= 1', action: 'challenge', priority: 40 },
    { name: 'signup_burst', when: 'route == "signup" and credential_attempt and ip.signups_1h >= 5', action: 'challenge', priority: 40 },
    // A spammer that pays the price above — a real inbox per account or two, each sign-up from a fresh
    // source — still writes its addresses as +tags of those inboxes, and the site sees them together: its
    // aliased sign-ups in 10 minutes at 20 or more and at three times the day's usual pace (48 times the
    // 10 minutes against the 24 hours, which hold 144 of them). People's own +tags (one new account in
    // ten, in the simulator) make the day's pace; a site that opens many accounts sees its threshold rise
    // with it. Not a challenge: within the wave a person's +tag looks like the spammer's, and a browser
    // without JavaScript cannot pass one (held-out seed 1581877972: 4 of its 19 people hurt were such
    // sign-ups, challenged). Forwarded marked `review`, for the origin's own step-up of a new account
    // (a phone check) — which a spammer's real inbox does not pass for it.
    {
      name: 'aliased_signup_wave',
      when: 'route == "signup" and credential_attempt and email_aliased and cohort.signup_attempts_10m >= 20 and 48 * cohort.signup_attempts_10m >= cohort.signup_attempts_24h',
      action: 'review', priority: 50,
    },
    // Rates count page views (a page load's scripts, styles and XHR are one navigation); every request
    // still counts against a bound no page load reaches (a single-page app's first load is ~200).
    {
      name: 'scraping_rate',
      when: 'route != "static" and (((device.navigations_1m >= 90 or device.requests_1m >= 600) and not crowd) or ip.navigations_1m >= 300 or ip.requests_1m >= 1500)',
      action: 'rate_limit', priority: 30,
    },
    // A tool walking the catalogue: tools (a User-Agent that claims no browser — or claims one whose
    // version sends Sec-Fetch-* headers, sends none and has no device cookie: a script wearing a
    // browser's name — with no app token, listed agent or verified crawler behind it) read a 6th
    // distinct page (a path) from the address in 10 minutes. A monitor polls one or two URLs, a person's command-line check reads a
    // few pages; a scraper reads a new one every time, and its first 7–8 went through while its rate
    // built up (spent held-out 534941723: every scraping miss). What it costs a scraper: five pages per
    // address per 10 minutes, or a browser's whole header set (fetch metadata included) — which the
    // model's rate and header features weigh (held-out 1459318783: scrapers in Chrome's User-Agent and
    // no Sec-Fetch-* read 13–14 pages each before the model's rate caught them; a person's browser sends
    // them, or runs the SDK when something strips them).
    // What it costs people: their own script that reads more is challenged until they list it
    // (docs/agents.md, the allow list). The count is the object's plus the pages this isolate holds for
    // the address (an upper bound: a monitor's two URLs read at most 4), so a fast tool gets no more.
    // Paths, not queries: a monitor's cache-buster is one page. On a shared address (3+ accounts signed
    // in: carrier-grade NAT, an office) six per account signed in — people's own tools add up there.
    {
      name: 'tool_walks_catalogue',
      when: `(not ua_claims_browser or (sec_fetch_missing and not (device_unproven == false))) and not verified_bot and not app_token and not agent_verified and route != "static" and method in ["GET", "HEAD"] and ip.tool_pages_10m >= 6 and ${perPerson('ip.tool_pages_10m', 6)}`,
      action: 'challenge', priority: 40,
    },
    { name: 'cart_hoarding', when: `route == "cart" and method == "POST" and device.cart_adds_10m >= 20 and ${perPerson('device.cart_adds_10m', 20)}`, action: 'rate_limit', priority: 30 },
    // A human fraudster with a stolen password signs in from a VPN or cloud desktop and changes the
    // password, the profile or moves money at once. Only a change (POST) after a sign-in on this client
    // counts: someone who forgot a password resets it signed out (the mail goes to the owner), and
    // reading a profile changes nothing. Not for a crowd: a corporate gateway's sign-ins are many people's.
    {
      name: 'takeover_path_from_hosting',
      when: `route in ${HIGH_RISK} and method == "POST" and asn_hosting and device.login_successes_10m >= 1 and device.high_risk_visits_10m >= 2 and not crowd`,
      action: 'challenge', priority: 40,
    },
    // Identity that costs (docs/identity.md). A cookie-rotating stuffer mints a device per attempt and
    // fails almost every time: it trips this at its 6th attempt from one address (a cookie-less one
    // trips credential_stuffing at its 5th). An office of 10 people signing in within 3 minutes mints
    // ~10 devices but fails only on typos: it would take 5 failed logins in 10 minutes among them.
    // A client without a cookie is its address (credential_stuffing weighs that), and may have no
    // JavaScript to solve a challenge with: only a request carrying a device is a minted identity.
    {
      name: 'many_new_devices',
      when: 'credential_attempt and not device_established and not cookie_missing and not cookie_invalid and ((ip.devices_minted_10m >= 5 and ip.failed_logins_10m >= 5) or (prefix.devices_minted_10m >= 20 and prefix.failed_logins_10m >= 10))',
      action: 'challenge', priority: 40, lift: 'device',
    },
    // The same recorded "human" telemetry from 3+ new devices in an hour: a replay, not three people.
    { name: 'telemetry_replay', when: 'credential_attempt and not device_established and telemetry_seen_devices_1h >= 3', action: 'challenge', priority: 40 },
    { name: 'telemetry_replay_seen', when: 'telemetry_seen_devices_1h >= 3', weight: 0.3 },
    { name: 'replayed_cookie', when: 'cookie_replayed', weight: 0.2 },
    { name: 'hosting_asn_on_login', when: 'asn_hosting and route == "login" and credential_attempt', weight: 0.15 },
  ],
  // A person without JavaScript passes a low- or medium-tier challenge by waiting 5 s; at most 3 such
  // clearances per /24 (or /64) in 10 minutes (docs/challenge.md).
  challenge: { nojs_wait_s: 5, nojs_per_net_10m: 3 },
  // A first cart add of 10 units or more is judged on the whole journey (docs/config.md `cart`).
  cart: { quantity_fields: ['qty', 'quantity'], grace_max_units: 9 },
  allow: { ips: [], asns: [] },
  apps: [],
  deny: { ips: [], asns: [] },
  origin_headers: { enabled: true, risk: true, action: true, reasons: true, device: true, user_risk: true, leaked: true },
  log: { ip: 'full', features: true },
  credentials: {
    username_fields: ['username', 'email', 'user', 'login'],
    json_paths: [],
    password_fields: ['password', 'passwd', 'pass', 'pwd'],
    max_body_bytes: 65536,
  },
  // The leaked-credential check is off until a range API is named (docs/leaked.md); `npm start` points
  // it at its local range server.
  leaked: { range_url: null, pair_range_url: null, deadline_ms: 50, min_count: 1 },
  // Markers for an origin that answers a failed login with 200 (or a redirect): none by default.
  outcomes: { max_body_bytes: 65536, login: {}, signup: {}, checkout: {} },
  counters: { budget_ms: 25, username_budget_ms: 150, ipv6_prefix_bits: 64, flush_ms: 2_000 },
  model: { active: 'default' },
  sdk: { inject: true, exclude: [] },
  asn: { hosting_extra: [] },
  // Floods, not identity: a page load posts collect once or twice (load, submit), so an office or a
  // carrier-NAT address of dozens posts hundreds a minute. What a new identity costs is counted apart
  // (devices_minted, many_new_devices).
  reserved_limits: { collect_per_ip_1m: 300, collect_per_prefix_1m: 1200, challenge_per_ip_1m: 120, verify_per_ip_1m: 60, admin_failures_per_ip_10m: 10 },
  verified_crawlers: {
    sources: [
      { name: 'googlebot', url: 'https://developers.google.com/static/search/apis/ipranges/googlebot.json' },
      { name: 'bingbot', url: 'https://www.bing.com/toolbox/bingbot.json' },
    ],
  },
} as const satisfies ConfigInput
