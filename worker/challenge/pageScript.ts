// The inline scripts of the challenge page (sent with the page's CSP nonce): the browser report,
// the proof-of-work search and the Turnstile callbacks. They read only the page's own form and the
// browser's own properties and post them to verify; they never read the URL, never write HTML.

/**
 * Fills the form's `browser` field with what verify compares against the request's headers
 * (src/signals/browserReport.ts): navigator, userAgentData, screen, window, timezone, WebGL
 * renderer and the automation globals drivers leave behind. Each read is guarded: a property a
 * browser lacks becomes an empty value, never an exception.
 */
const REPORT_SCRIPT = `function edgewardReport(form) {
  function tryRead(read, fallback) { try { var x = read(); return x === undefined ? fallback : x; } catch (e) { return fallback; } }
  function int(x) { x = Math.round(Number(x)); return isFinite(x) && x >= 0 ? Math.min(x, 100000) : 0; }
  function str(x, max) { return String(x == null ? '' : x).slice(0, max); }
  var nav = window.navigator || {};
  var markers = ['callPhantom', '_phantom', '__nightmare', 'domAutomation', 'domAutomationController', '_selenium', '__selenium_unwrapped',
    '__webdriver_evaluate', '__driver_evaluate', '__webdriver_script_fn', '__fxdriver_unwrapped', '_Selenium_IDE_Recorder',
    '__playwright__binding__', '__pwInitScripts', '__puppeteer_evaluation_script__'];
  var found = [];
  for (var i = 0; i < markers.length; i++) if (tryRead(function () { return markers[i] in window; }, false)) found.push(markers[i]);
  tryRead(function () { for (var k in document) if (/^\$[a-z]dc_/.test(k)) { found.push('document.' + k.slice(0, 40)); break; } }, null);
  ['webdriver', 'selenium', 'driver'].forEach(function (a) { if (tryRead(function () { return document.documentElement.getAttribute(a) !== null; }, false)) found.push('attr:' + a); });
  var data = tryRead(function () { return nav.userAgentData || null; }, null);
  var gl = tryRead(function () {
    var c = document.createElement('canvas').getContext('webgl');
    if (!c) return null;
    var ext = c.getExtension('WEBGL_debug_renderer_info');
    return str(c.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : c.RENDERER), 256);
  }, null);
  var report = {
    v: 1,
    ua: str(nav.userAgent, 1024),
    webdriver: typeof nav.webdriver === 'boolean' ? nav.webdriver : null,
    platform: str(nav.platform, 64),
    languages: tryRead(function () { return Array.prototype.slice.call(nav.languages || [], 0, 20).map(function (l) { return str(l, 35); }); }, []),
    plugins: int(tryRead(function () { return nav.plugins.length; }, 0)),
    uaData: data === null ? null : {
      brands: tryRead(function () { return Array.prototype.slice.call(data.brands, 0, 10).map(function (b) { return { brand: str(b.brand, 64), version: str(b.version, 32) }; }); }, []),
      mobile: data.mobile === true,
      platform: str(data.platform, 32)
    },
    screen: [int(screen.width), int(screen.height), int(screen.availWidth), int(screen.availHeight), Math.min(int(screen.colorDepth), 64)],
    window: [int(window.innerWidth), int(window.innerHeight), int(window.outerWidth), int(window.outerHeight)],
    timezone: str(tryRead(function () { return Intl.DateTimeFormat().resolvedOptions().timeZone; }, ''), 64),
    webgl: gl,
    automation: found.slice(0, 16)
  };
  form.elements.namedItem('browser').value = JSON.stringify(report);
}
`

/**
 * Finds the first decimal counter n with SHA-256(challenge + n) starting with `difficulty` zero
 * bits — the check src/action/pow.ts makes — hashing 256 at a time, then fills the browser report
 * and submits the form.
 */
export const POW_SCRIPT = `${REPORT_SCRIPT}(function () {
  var form = document.getElementById('ew-form');
  var status = document.getElementById('ew-status');
  function say(text) { status.textContent = text; }
  var challenge = form.getAttribute('data-challenge');
  var difficulty = Number(form.getAttribute('data-difficulty'));
  if (!window.crypto || !crypto.subtle || !window.TextEncoder || !window.Promise) {
    say('This browser cannot run the check. Please try another browser.');
    return;
  }
  var encoder = new TextEncoder();
  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      return bits + Math.clz32(bytes[i]) - 24;
    }
    return bits;
  }
  var BATCH = 256;
  // Each batch yields to the browser through a message (not a timer: timers in a background tab
  // are slowed to one a second), so the page keeps painting and answering while it works.
  var channel = window.MessageChannel ? new MessageChannel() : null;
  if (channel) channel.port1.onmessage = function () { round(); };
  function later() { if (channel) channel.port2.postMessage(0); else setTimeout(round, 0); }
  var next = 0;
  var reported = Date.now();
  function round() {
    var batch = [];
    for (var i = 0; i < BATCH; i++) batch.push(crypto.subtle.digest('SHA-256', encoder.encode(challenge + (next + i))));
    Promise.all(batch).then(function (digests) {
      for (var i = 0; i < digests.length; i++) {
        if (zeroBits(new Uint8Array(digests[i])) >= difficulty) return done(String(next + i));
      }
      next += BATCH;
      if (Date.now() - reported > 4000) { reported = Date.now(); say('Still checking your browser… thank you for waiting.'); }
      later();
    }, function () { say('The check could not run. Please reload the page.'); });
  }
  function done(solution) {
    form.elements.namedItem('solution').value = solution;
    edgewardReport(form);
    say('Done. Taking you back to the page you asked for…');
    form.submit();
  }
  say('Checking your browser… this takes a few seconds.');
  round();
})();`

/** Turnstile calls these by name (data-callback / data-error-callback on the widget). */
export const TURNSTILE_CALLBACKS = `${REPORT_SCRIPT}(function () {
  var form = document.getElementById('ew-form');
  var status = document.getElementById('ew-status');
  status.textContent = 'Checking your browser…';
  window.edgewardTurnstileDone = function () {
    status.textContent = 'Done. Taking you back to the page you asked for…';
    edgewardReport(form);
    form.submit();
  };
  window.edgewardTurnstileError = function () {
    status.textContent = 'The check could not finish. Please reload the page.';
    return true;
  };
})();`
